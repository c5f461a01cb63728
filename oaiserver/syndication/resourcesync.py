"""ResourceSync (ANSI/NISO Z39.99-2017, framework version 1.1) documents, written with lxml.

What is synchronised are the records' metadata exports: DataCite XML
(records with a public DOI) and DataCite JSON (every record), at their
export URLs (``/records/<id>/export/<format>``). Their bytes depend only on
the record's revision and the configuration, so a datestamp is a change
and an ``rs:md hash`` stays true until the next one. Each links its landing
page with ``rs:ln rel="describes"``, unhashed: the page shows usage
figures, which change without the record.

The documents (all sitemaps.org XML with the ``rs:`` extension):

- Source Description at ``/.well-known/resourcesync``, naming the one
  Capability List;
- Capability List: a Resource List and a Change List;
- Resource List: an index of pages, each listing the live records of one
  keyset range with ``lastmod``, ``length``, ``type`` and ``md5``/``sha-256``
  hashes;
- Change List: an index of pages of changes, a page a keyset range over
  live and deleted records, each record's latest change (``created``,
  ``updated`` or ``deleted``) with its ``datetime``; a page's ``from`` and
  ``until`` bound its changes' datestamps.

The reference implementation, the ``resync`` package, is the test suite's
client; it is not used to write: its writer builds documents with
``xml.etree`` in memory and its client module imports ``distutils``, which
Python 3.12 no longer has.

Not for: choosing the records (``repository_core.syndication``) or HTTP
(``views``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from lxml import etree

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.registry import FORMATS

from .ranges import w3c_datetime
from .sitemaps import SITEMAP_NS

__all__ = [
    "EXPORTS",
    "RS_NS",
    "ResourceEntry",
    "capability_list",
    "change_of",
    "export_url",
    "list_index",
    "list_page",
    "record_resources",
    "source_description",
]

RS_NS = "http://www.openarchives.org/rs/terms/"
_SM = f"{{{SITEMAP_NS}}}"
_RS = f"{{{RS_NS}}}"
_NSMAP = {None: SITEMAP_NS, "rs": RS_NS}

#: the registered formats published, each where it is available for the record
EXPORTS = ("datacite", "datacite-json")


@dataclass(frozen=True)
class ResourceEntry:
    """One ``<url>``: an export of a record, with what a client checks it by."""

    loc: str
    lastmod: datetime
    describes: str
    media_type: str | None = None
    length: int | None = None
    md5: str | None = None
    sha256: str | None = None
    change: str | None = None  # change lists: created | updated | deleted


def export_url(ctx: ExportContext, record_id: str, name: str) -> str:
    """The URL the record pages serve the export ``name`` at."""
    return f"{ctx.landing_url(record_id)}/export/{quote(name, safe='')}"


def change_of(record: Record) -> str:
    """The record's latest change, as a change list names it."""
    if record.deleted:
        return "deleted"
    return "created" if record.revision == 1 else "updated"


def record_resources(record: Record, ctx: ExportContext, *,
                     change: str | None = None) -> list[ResourceEntry]:
    """The record's exports, rendered and hashed (a deleted record's: named only).

    ``record`` is the public view (a draft DOI left out), exactly what the
    export URLs serve, so the hashes are of the bytes a client gets.
    """
    entries = []
    landing = ctx.landing_url(record.id)
    for name in EXPORTS:
        fmt = FORMATS[name]
        if not fmt.available(record):
            continue
        loc = export_url(ctx, record.id, name)
        if record.deleted:
            entries.append(ResourceEntry(loc, record.datestamp, landing, change=change))
            continue
        body = fmt.dump(record, ctx)
        entries.append(ResourceEntry(
            loc, record.datestamp, landing, media_type=fmt.media_type, length=len(body),
            md5=hashlib.md5(body, usedforsecurity=False).hexdigest(),
            sha256=hashlib.sha256(body).hexdigest(), change=change,
        ))
    return entries


def _root(tag: str, md: Mapping[str, str], links: Iterable[tuple[str, str]]) -> etree._Element:
    root = etree.Element(f"{_SM}{tag}", nsmap=_NSMAP)
    for rel, href in links:
        etree.SubElement(root, f"{_RS}ln", rel=rel, href=href)
    etree.SubElement(root, f"{_RS}md", dict(md))
    return root


def _document(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _capability_entry(root: etree._Element, loc: str, capability: str) -> None:
    url = etree.SubElement(root, f"{_SM}url")
    etree.SubElement(url, f"{_SM}loc").text = loc
    etree.SubElement(url, f"{_RS}md", capability=capability)


def source_description(capability_list_url: str, *, described_by: str) -> bytes:
    """The Source Description: this source has one Capability List."""
    root = _root("urlset", {"capability": "description"}, [("describedby", described_by)])
    _capability_entry(root, capability_list_url, "capabilitylist")
    return _document(root)


def capability_list(*, up: str, resource_list: str, change_list: str) -> bytes:
    """The Capability List: a Resource List and a Change List."""
    root = _root("urlset", {"capability": "capabilitylist"}, [("up", up)])
    _capability_entry(root, resource_list, "resourcelist")
    _capability_entry(root, change_list, "changelist")
    return _document(root)


def list_index(capability: str, *, up: str, md: Mapping[str, str],
               pages: Iterable[tuple[str, Mapping[str, str]]]) -> bytes:
    """A Resource List or Change List index: ``<sitemap>`` a page, with its ``rs:md``."""
    root = _root("sitemapindex", {"capability": capability, **md}, [("up", up)])
    for loc, page_md in pages:
        sitemap = etree.SubElement(root, f"{_SM}sitemap")
        etree.SubElement(sitemap, f"{_SM}loc").text = loc
        if page_md:
            etree.SubElement(sitemap, f"{_RS}md", dict(page_md))
    return _document(root)


def list_page(capability: str, *, up: str, index: str, md: Mapping[str, str],
              entries: Iterable[ResourceEntry]) -> bytes:
    """One page of a Resource List or Change List."""
    root = _root("urlset", {"capability": capability, **md}, [("up", up), ("index", index)])
    for entry in entries:
        url = etree.SubElement(root, f"{_SM}url")
        etree.SubElement(url, f"{_SM}loc").text = entry.loc
        etree.SubElement(url, f"{_SM}lastmod").text = w3c_datetime(entry.lastmod)
        attributes: dict[str, str] = {}
        if entry.change is not None:
            attributes["change"] = entry.change
            attributes["datetime"] = w3c_datetime(entry.lastmod)
        hashes = [f"md5:{entry.md5}" if entry.md5 else "",
                  f"sha-256:{entry.sha256}" if entry.sha256 else ""]
        if any(hashes):
            attributes["hash"] = " ".join(h for h in hashes if h)
        if entry.length is not None:
            attributes["length"] = str(entry.length)
        if entry.media_type:
            attributes["type"] = entry.media_type
        etree.SubElement(url, f"{_RS}md", attributes)
        etree.SubElement(url, f"{_RS}ln", rel="describes", href=entry.describes)
    return _document(root)
