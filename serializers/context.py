"""What a serializer may know besides the record: the repository's identity.

Kept separate from the record so that serializers stay pure: the public base
URL comes from configuration, never from a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["ExportContext"]


@dataclass(frozen=True)
class ExportContext:
    """Every field is required: the configuration is the one source of defaults."""

    base_url: str
    repository_id: str
    repository_name: str
    datacentre_symbol: str | None

    def landing_url(self, record_id: str) -> str:
        """The record's landing page (content negotiation happens there)."""
        return f"{self.base_url.rstrip('/')}/records/{quote(record_id, safe='')}"
