"""FAIR Signposting (https://signposting.org/FAIR/) for a record's landing page.

Level 1: typed links in the landing page's HTTP ``Link`` header
(``cite-as``, ``describedby`` for every metadata format with its media type,
``type``, ``author``, ``license``, ``linkset``). Level 2: the same links,
plus the reverse ``describes`` links of each metadata resource, as a
linkset document (RFC 9264, ``application/linkset+json``).

Pure: a record, the export context and the formats in; links out. Every URL
is built from ``ExportContext`` (the configured base URL), never from the
request. Metadata URLs are the export URLs ``/records/<id>/export/<name>``,
which serve one format whatever the Accept header says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import doi_url, name_identifier_url, text
from serializers.links import web_link
from serializers.registry import Format
from serializers.resource_types import for_metadata

__all__ = [
    "LINKSET_MEDIA_TYPE",
    "Link",
    "export_url",
    "header_safe",
    "link_header",
    "linkset",
    "linkset_url",
    "record_links",
]

LINKSET_MEDIA_TYPE = "application/linkset+json"
ABOUT_PAGE = "https://schema.org/AboutPage"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str | None = None

    def header_value(self) -> str:
        value = f'<{self.href}> ; rel="{self.rel}"'
        return value + (f' ; type="{self.type}"' if self.type else "")


def export_url(ctx: ExportContext, record_id: str, format_name: str) -> str:
    return f"{ctx.landing_url(record_id)}/export/{quote(format_name, safe='')}"


def linkset_url(ctx: ExportContext, record_id: str) -> str:
    return f"{ctx.landing_url(record_id)}/linkset"


def header_safe(url: str) -> str:
    """A URL that cannot break out of ``<...>`` in a Link header."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")


def record_links(record: Record, ctx: ExportContext, formats: Iterable[Format]) -> list[Link]:
    """The level-1 links of a record's landing page, in a stable order."""
    metadata = record.metadata or {}
    doi = record.doi or text(metadata.get("doi"))
    links = [Link(doi_url(doi) if doi else ctx.landing_url(record.id), "cite-as")]
    for fmt in formats:
        if fmt.media_type:
            links.append(Link(export_url(ctx, record.id, fmt.name), "describedby", fmt.media_type))
    links.append(Link(f"https://schema.org/{for_metadata(metadata).schema_org}", "type"))
    links.append(Link(ABOUT_PAGE, "type"))
    for creator in metadata.get("creators") or []:
        for identifier in creator.get("nameIdentifiers") or []:
            url = name_identifier_url(identifier)
            if url:
                links.append(Link(url, "author"))
                break
    for rights in metadata.get("rightsList") or []:
        license_url = web_link(rights.get("rightsUri"))
        if license_url:
            links.append(Link(license_url, "license"))
    links.append(Link(linkset_url(ctx, record.id), "linkset", LINKSET_MEDIA_TYPE))
    return [Link(header_safe(link.href), link.rel, link.type) for link in links]


def link_header(links: Sequence[Link]) -> str:
    return " , ".join(link.header_value() for link in links)


def linkset(record: Record, ctx: ExportContext, formats: Iterable[Format],
            extra: Sequence[Link] = ()) -> dict[str, Any]:
    """The level-2 linkset (RFC 9264 JSON) of a record; ``extra``: more links of the
    landing page (the versions' RFC 5829 links)."""
    formats = list(formats)
    anchor = ctx.landing_url(record.id)
    context: dict[str, Any] = {"anchor": anchor}
    for link in [*record_links(record, ctx, formats), *extra]:
        if link.rel == "linkset":
            continue
        target: dict[str, str] = {"href": link.href}
        if link.type:
            target["type"] = link.type
        context.setdefault(link.rel, []).append(target)
    contexts = [context]
    for fmt in formats:
        if fmt.media_type:
            contexts.append({"anchor": export_url(ctx, record.id, fmt.name),
                             "describes": [{"href": anchor, "type": "text/html"}]})
    return {"linkset": contexts}
