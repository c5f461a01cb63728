"""Response headers every answer carries: content sniffing off, a strict CSP, CORS for reads.

- ``X-Content-Type-Options: nosniff`` on everything.
- HTML pages (home, search, sets, record pages, tombstones, the OAI-PMH
  browser view, the API documentation) get one Content-Security-Policy:
  styles only from this server's stylesheet (no inline style, no style
  attribute), no script at all (the JSON-LD block is data, which a CSP does
  not govern), forms submit only to this server (the search box), no frame
  embeds them. OAI-PMH XML (which a browser could still render through
  ``oai2.xsl``) gets its own policy for the XSL view. ``X-Frame-Options``
  and ``Referrer-Policy`` say the same to older browsers.
- CORS ``Access-Control-Allow-Origin: *`` on public reads (GET and HEAD of
  the REST API, record pages and exports, ``/doi/`` and ``/oai``), so
  browser tools can harvest; never on writes and never with credentials.
"""

from __future__ import annotations

from flask import Response, request

__all__ = ["LANDING_CSP", "OAI_CSP", "PAGE_CSP", "add_security_headers"]

_COMMON = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
#: every HTML page: the stylesheet /static/site.css, forms (GET /search) to this server
PAGE_CSP = f"{_COMMON}; form-action 'self'; style-src 'self'; img-src 'self'"
#: the record landing page's policy is the pages' policy
LANDING_CSP = PAGE_CSP
#: the XSL view: the stylesheet comes from this server ('self': XSLT is governed by
#: script-src). Styles are allowed inline: Chromium's XSLT result carries
#: style attributes of its own, which no hash can allow; no script runs.
OAI_CSP = f"{_COMMON}; form-action 'none'; script-src 'self'; style-src 'unsafe-inline'"

_PUBLIC_READS = ("/api/records", "/api/concepts", "/api/sets", "/api/stats", "/api/reports", "/api/openapi.json",
                 "/records/",
                 "/doi/", "/oai")
_EXPOSED = "ETag, Link, Location, Retry-After, Last-Modified"


def add_security_headers(response: Response) -> Response:
    """``after_request``: the headers above, by the response's type and the request's method."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    mimetype = response.mimetype
    if mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", PAGE_CSP)
    elif mimetype == "text/xml" and request.path.rstrip("/").endswith("/oai"):
        headers.setdefault("Content-Security-Policy", OAI_CSP)
    if mimetype in ("text/html", "text/xml"):
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.method in ("GET", "HEAD") and request.path.startswith(_PUBLIC_READS):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = _EXPOSED
    return response
