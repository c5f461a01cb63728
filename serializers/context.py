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
    base_url: str = "http://127.0.0.1:5000"
    repository_id: str = "oaiserver.example.org"
    repository_name: str = "oaiserver demo repository"
    datacentre_symbol: str | None = None

    def landing_url(self, record_id: str) -> str:
        """The record's landing page (content negotiation happens there)."""
        return f"{self.base_url.rstrip('/')}/records/{quote(record_id, safe='')}"
