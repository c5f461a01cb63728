"""The sitemaps.org protocol (0.9): a sitemap index, its pages, and ``robots.txt``.

Pure functions: URLs and datestamps in, bytes out (lxml, never strings
glued together). The pages list landing pages only: the page a person
reads, which carries the schema.org JSON-LD that dataset search engines
read, and links every export. A page lives at the base URL's root (the
protocol lets a sitemap list only URLs at or below its own folder).

Not for: choosing the records (``repository_core.syndication``) or HTTP
(``views``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree

from .ranges import w3c_datetime

__all__ = ["SITEMAP_NS", "robots_txt", "sitemap_index", "sitemap_page"]

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_SM = f"{{{SITEMAP_NS}}}"


def _document(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _entries(tag: str, entries: Iterable[tuple[str, datetime]]) -> bytes:
    root = etree.Element(f"{_SM}{'urlset' if tag == 'url' else 'sitemapindex'}",
                         nsmap={None: SITEMAP_NS})
    for loc, lastmod in entries:
        entry = etree.SubElement(root, f"{_SM}{tag}")
        etree.SubElement(entry, f"{_SM}loc").text = loc
        etree.SubElement(entry, f"{_SM}lastmod").text = w3c_datetime(lastmod, seconds=True)
    return _document(root)


def sitemap_index(pages: Iterable[tuple[str, datetime]]) -> bytes:
    """``<sitemapindex>`` of (page URL, the latest datestamp on that page)."""
    return _entries("sitemap", pages)


def sitemap_page(urls: Iterable[tuple[str, datetime]]) -> bytes:
    """``<urlset>`` of (landing page URL, the record's datestamp)."""
    return _entries("url", urls)


def robots_txt(base_url: str, sitemap_url: str) -> str:
    """Crawlers welcome on the record pages; kept out of the API and search results.

    Search result and facet pages are endless combinations of one set of
    records, and the REST API (``/api/``, search included) is for programs.
    Paths are under the base URL's path; robots.txt is read only at a
    host's root, so an installation below a path merges these lines into
    the host's own file.
    """
    root = urlsplit(base_url).path.rstrip("/")
    lines = [
        "User-agent: *",
        f"Disallow: {root}/api/",
        f"Disallow: {root}/search",
        f"Allow: {root}/",
        "",
        f"Sitemap: {sitemap_url}",
    ]
    return "\n".join(lines) + "\n"
