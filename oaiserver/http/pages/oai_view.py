"""The OAI-PMH browser view: the same response, transformed to HTML on the server.

Browsers are dropping XSLT (Chromium warns "This site uses XSLT; that
functionality is being removed"), so a person opening ``/oai`` no longer
relies on it: a request that prefers HTML gets the response run through the
endpoint's own stylesheet (``oaiserver/oai/static/oai2.xsl``) with lxml,
its ``<body>`` placed in the site's layout. Harvesters are never shown
HTML: only an ``Accept`` that names ``text/html`` (or XHTML) with a higher
quality than every XML type qualifies, so ``*/*``, an XML type, a tie and
no ``Accept`` at all get the XML exactly as before.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree
from markupsafe import Markup
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .rendering import Site, render

__all__ = ["OAI_STYLESHEET", "prefers_html", "render_oai_page"]

OAI_STYLESHEET = Path(__file__).resolve().parents[2] / "oai" / "static" / "oai2.xsl"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"text/xml", "application/xml"})


def prefers_html(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for HTML before XML (see the module's docstring)."""
    if not accept:
        return False
    parsed = parse_accept_header(accept, MIMEAccept)
    html = max((q for value, q in parsed if value.lower() in _HTML_TYPES), default=0.0)
    xml = max((q for value, q in parsed if value.lower() in _XML_TYPES), default=0.0)
    return html > 0 and html > xml


@cache
def _transform() -> etree.XSLT:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XSLT(etree.parse(str(OAI_STYLESHEET), parser))


def render_oai_page(body: bytes, site: Site) -> str:
    """The HTML page of one OAI-PMH response (``body``, the XML the endpoint wrote)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    result = _transform()(etree.fromstring(body, parser))
    page = result.getroot()
    title = page.findtext("head/title") or "OAI-PMH"
    content = page.find("body")
    parts = [content.text or ""] if content is not None else []
    for child in content if content is not None else []:
        parts.append(etree.tostring(child, method="html", encoding="unicode"))
    # the transform's output is lxml's serialisation: text and attributes are escaped
    return render("oai.html", site, section="oai", title=title, content=Markup("".join(parts)))
