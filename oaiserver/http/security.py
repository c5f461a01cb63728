"""Response headers every answer carries: content sniffing off, a strict CSP, CORS for reads.

- ``X-Content-Type-Options: nosniff`` on everything.
- HTML pages (the landing page, tombstones) and OAI-PMH XML (which a
  browser renders through ``oai2.xsl``) get a Content-Security-Policy that
  allows nothing but their own inline styles (the landing page's named by
  its hash) and, for the XSL view, the stylesheet from this server: no
  script runs, no frame embeds them, no form posts anywhere. ``X-Frame-Options`` and
  ``Referrer-Policy`` say the same to older browsers.
- CORS ``Access-Control-Allow-Origin: *`` on public reads (GET and HEAD of
  the REST API, record pages and exports, ``/doi/`` and ``/oai``), so
  browser tools can harvest; never on writes and never with credentials.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from flask import Response, request

__all__ = ["LANDING_CSP", "OAI_CSP", "add_security_headers", "style_hashes"]

_HERE = Path(__file__).resolve().parent
_LANDING_TEMPLATE = _HERE / "pages" / "templates" / "record_pages" / "landing.html"


def style_hashes(path: Path) -> list[str]:
    """CSP source expressions (``'sha256-...'``) of each ``<style>`` element's text in a file."""
    text = path.read_text(encoding="utf-8")
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in re.findall(r"<style>(.*?)</style>", text, flags=re.DOTALL)
    ]


_COMMON = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
LANDING_CSP = f"{_COMMON}; style-src {' '.join(style_hashes(_LANDING_TEMPLATE))}"
#: the XSL view: the stylesheet comes from this server ('self': XSLT is governed by
#: script-src). Styles are allowed inline: Chromium's XSLT result carries
#: style attributes of its own, which no hash can allow; no script runs.
OAI_CSP = f"{_COMMON}; script-src 'self'; style-src 'unsafe-inline'"

_PUBLIC_READS = ("/api/records", "/api/sets", "/api/stats", "/api/reports", "/records/",
                 "/doi/", "/oai")
_EXPOSED = "ETag, Link, Location, Retry-After, Last-Modified"


def add_security_headers(response: Response) -> Response:
    """``after_request``: the headers above, by the response's type and the request's method."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    mimetype = response.mimetype
    if mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", LANDING_CSP)
    elif mimetype == "text/xml" and request.path.rstrip("/").endswith("/oai"):
        headers.setdefault("Content-Security-Policy", OAI_CSP)
    if mimetype in ("text/html", "text/xml"):
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.method in ("GET", "HEAD") and request.path.startswith(_PUBLIC_READS):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = _EXPOSED
    return response
