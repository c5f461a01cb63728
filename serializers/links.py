"""Which metadata values may become links a user or a machine will follow.

Metadata comes from depositors and imports: a ``rightsUri`` of
``javascript:alert(1)`` is a string like any other until a page puts it in
an ``href`` or a ``Link`` header. Only ``http`` and ``https`` URLs with a
host become links anywhere (landing page, Signposting, linkset, JSON-LD);
identifiers of other schemes (DOI, ORCID, ROR, ISNI) become links through
their resolvers' https URLs, never as given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["web_link"]

_WEB_SCHEMES = frozenset({"http", "https"})


def web_link(value: Any) -> str | None:
    """``value`` stripped, if it is an http(s) URL with a host; else None."""
    if not isinstance(value, str):
        return None
    candidate = value.strip()
    if any(ch.isspace() or ord(ch) < 0x20 for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:  # an invalid IPv6 host and the like
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.hostname:
        return None
    return candidate
