"""The HTML landing page of a record, and the HTML tombstone of a deleted one.

Pure rendering (the pages' Jinja environment, :mod:`.rendering`,
autoescaping on; no Flask globals), so it can be tested and reused without an app. Every text from
the metadata goes through Jinja's escaping; the JSON-LD goes into
``<script type="application/ld+json">`` with ``<``, ``>`` and ``&`` written
as JSON ``\\u`` escapes, so a title containing ``</script>`` cannot end the
script element (the JSON stays equal after parsing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from repository_core.records import Record
from repository_core.sets import SetDefinition
from repository_core.stats import UsageTotals
from serializers import citation, schema_org, tombstone
from serializers.context import ExportContext
from serializers.datacite_reading import (
    doi_url,
    issued_date,
    main_title,
    name_identifier_url,
    publisher_name,
    text,
)
from serializers.links import web_link
from serializers.registry import Format

from .rendering import Site, render
from .signposting import export_url

__all__ = ["VersionsShown", "render_landing_page", "render_tombstone_page", "script_json"]

#: the most versions a landing page lists (the newest ones); the REST API lists all
VERSIONS_SHOWN = 100


@dataclass(frozen=True)
class VersionsShown:
    """What a landing page shows of the record's concept: its versions (oldest
    first, tombstones included), its DOI (None: none minted or not public) and id."""

    concept_id: str
    concept_doi: str | None
    versions: Sequence[Record]

    def validator(self) -> str:
        """What the page shows of the versions, for its ETag: it changes when
        another version is published, deleted or gets its DOI, not only this one."""
        shown = [f"{v.id}:{v.version_index}:{int(v.deleted)}:{int(v.is_latest)}"
                 for v in self.versions[-VERSIONS_SHOWN:]]
        return " ".join([self.concept_doi or "", str(len(self.versions)), *shown])


def _versions(record: Record, ctx: ExportContext, shown: VersionsShown | None) -> dict[str, Any]:
    if shown is None:
        return {"list": [], "hidden": 0, "latest_url": None, "cite_all": None,
                "cite_all_is_doi": False}
    newest_first = list(reversed(shown.versions))
    latest = next((v for v in newest_first if v.is_latest), None)
    return {
        "list": [{"index": v.version_index, "date": v.created.date().isoformat(),
                  "url": ctx.landing_url(v.id), "deleted": v.deleted,
                  "current": v.id == record.id, "latest": v.is_latest}
                 for v in newest_first[:VERSIONS_SHOWN]],
        "hidden": max(0, len(newest_first) - VERSIONS_SHOWN),
        "all_url": f"{ctx.base_url.rstrip('/')}/api/records/{quote(record.id, safe='')}/versions",
        "latest_url": (ctx.landing_url(latest.id)
                       if latest is not None and latest.id != record.id else None),
        "cite_all": (doi_url(shown.concept_doi) if shown.concept_doi
                     else ctx.landing_url(shown.concept_id)),
        "cite_all_is_doi": shown.concept_doi is not None,
    }

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> Markup:
    """JSON safe to place inside a ``<script>`` element."""
    encoded = json.dumps(data, ensure_ascii=False, indent=2)
    for char, escape in _SCRIPT_ESCAPES.items():
        encoded = encoded.replace(char, escape)
    return Markup(encoded)


def _page(record: Record, ctx: ExportContext, formats: Sequence[Format],
          citation_text: str | None, stats: UsageTotals | None,
          sets: Sequence[SetDefinition] | None, canonical: str | None = None,
          versions: VersionsShown | None = None) -> dict[str, Any]:
    metadata = record.metadata or {}
    doi = record.doi or text(metadata.get("doi"))
    creators = []
    for creator in metadata.get("creators") or []:
        orcid = next((url for url in (name_identifier_url(i) for i in creator.get("nameIdentifiers") or [])
                      if url and url.startswith("https://orcid.org/")), None)
        creators.append({"name": text(creator.get("name")), "orcid": orcid})
    all_descriptions = [d for d in metadata.get("descriptions") or [] if text(d.get("description"))]
    abstracts = [d for d in all_descriptions if d.get("descriptionType") == "Abstract"]
    descriptions = [text(d["description"]).replace("\u2028", "\n")
                    for d in abstracts or all_descriptions]
    rights = [{"label": text(r.get("rights")) or text(r.get("rightsUri")),
               "url": web_link(r.get("rightsUri"))}
              for r in metadata.get("rightsList") or [] if text(r.get("rights")) or text(r.get("rightsUri"))]
    types = metadata.get("types") or {}
    return {
        "title": main_title(metadata) or record.id,
        "language": text(metadata.get("language")).split("-")[0] or None,
        "repository_name": ctx.repository_name,
        "resource_type": text(types.get("resourceType")) or text(types.get("resourceTypeGeneral")),
        "creators": creators,
        "doi_url": doi_url(doi) if doi else None,
        "cite_as": doi_url(doi) if doi else ctx.landing_url(record.id),
        "publisher": publisher_name(metadata),
        "year": issued_date(metadata),
        "version": text(metadata.get("version")),
        "rights": rights,
        "descriptions": descriptions,
        "citation": citation_text,
        "exports": [{"label": fmt.title, "media_type": fmt.media_type,
                     "url": export_url(ctx, record.id, fmt.name)} for fmt in formats if fmt.media_type],
        "jsonld": script_json(schema_org.to_jsonld(record, ctx)),
        "stats": stats,
        "sets": sets,
        "canonical": canonical,
        "versions": _versions(record, ctx, versions),
    }


def render_landing_page(record: Record, ctx: ExportContext, formats: Sequence[Format],
                        *, citation_text: str | None = None,
                        stats: UsageTotals | None = None,
                        sets: Sequence[SetDefinition] | None = None,
                        site: Site | None = None,
                        canonical: str | None = None,
                        versions: VersionsShown | None = None) -> str:
    """The landing page; ``citation_text`` defaults to the APA (en-US) citation;
    ``stats``, the record's COUNTER figures, and ``sets``, the sets it is in,
    are shown when given; ``canonical`` (a harvested record's page at its
    source) becomes ``<link rel="canonical">``; ``versions``, the record's
    concept, adds the list of versions, a notice on a version that is not the
    latest, and "Cite all versions"."""
    if citation_text is None:
        citation_text = citation.render(record, ctx)
    return render("record_pages/landing.html", site or _site(ctx),
                  page=_page(record, ctx, formats, citation_text, stats, sets, canonical,
                             versions))


def render_tombstone_page(record: Record, ctx: ExportContext, site: Site | None = None,
                          *, latest_url: str | None = None) -> str:
    """The page of a deleted record; ``latest_url``: its concept's latest version,
    when another version is live."""
    return render("record_pages/tombstone.html", site or _site(ctx),
                  stone=tombstone.tombstone(record, ctx), latest_url=latest_url)


def _site(ctx: ExportContext) -> Site:
    return Site.from_base_url(ctx.repository_name, ctx.base_url)
