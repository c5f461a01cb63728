"""DataCite metadata -> CSL-JSON (citeproc JSON), the input of every citation processor.

One CSL item, an object, as DataCite's and Crossref's content negotiation
return it for ``application/vnd.citationstyles.csl+json`` (wrap it in a
list for a CSL-JSON file).

Only creators are authors. Contributors appear only when CSL has their
role: ``Editor`` -> ``editor``, ``Translator`` -> ``translator``. The
``issued`` date is the ``Issued`` date when present, else the publication
year.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from repository_core.dois import bare_doi
from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    date_parts,
    doi_url,
    issued_date,
    main_title,
    publisher_name,
    resource_type_general,
    split_name,
    text,
)

__all__ = ["TYPES", "csl_type", "dump", "metadata_to_csl", "to_csl"]

TYPES: dict[str, str] = {
    "Audiovisual": "motion_picture",
    "Book": "book",
    "BookChapter": "chapter",
    "Collection": "collection",
    "ComputationalNotebook": "software",
    "ConferencePaper": "paper-conference",
    "ConferenceProceeding": "book",
    "DataPaper": "article-journal",
    "Dataset": "dataset",
    "Dissertation": "thesis",
    "Event": "event",
    "Image": "graphic",
    "Journal": "periodical",
    "JournalArticle": "article-journal",
    "PeerReview": "review",
    "Poster": "speech",
    "Presentation": "speech",
    "Preprint": "article",
    "Report": "report",
    "Software": "software",
    "Sound": "song",
    "Standard": "standard",
    "Text": "article",
}
"""resourceTypeGeneral -> CSL 1.0.2 item type; every other type is ``document``."""

_ROLES = {"Editor": "editor", "Translator": "translator"}


def csl_type(resource_type_general: str) -> str:
    return TYPES.get(resource_type_general, "document")


def _name(person: Mapping[str, Any]) -> dict[str, str]:
    family, given, display = split_name(person)
    if family:
        return {"family": family, "given": given} if given else {"family": family}
    return {"literal": display}


def metadata_to_csl(metadata: Mapping[str, Any], *, item_id: str,
                    landing_url: str | None = None) -> dict[str, Any]:
    """One CSL-JSON item for DataCite JSON metadata."""
    doi = text(metadata.get("doi"))
    item: dict[str, Any] = {"id": doi or item_id,
                            "type": csl_type(resource_type_general(metadata))}
    if title := main_title(metadata):
        item["title"] = title
    if authors := [_name(c) for c in metadata.get("creators") or [] if text(c.get("name"))]:
        item["author"] = authors
    for contributor in metadata.get("contributors") or []:
        role = _ROLES.get(contributor.get("contributorType", ""))
        if role and text(contributor.get("name")):
            item.setdefault(role, []).append(_name(contributor))
    if parts := date_parts(issued_date(metadata)):
        item["issued"] = {"date-parts": [parts]}
    if doi:
        item["DOI"] = bare_doi(doi)
        item["URL"] = doi_url(doi)
    elif landing_url:
        item["URL"] = landing_url
    if publisher := publisher_name(metadata):
        item["publisher"] = publisher
    abstracts = [text(d.get("description")) for d in metadata.get("descriptions") or []
                 if d.get("descriptionType") == "Abstract" and text(d.get("description"))]
    if abstracts:
        item["abstract"] = abstracts[0]
    if text(metadata.get("version")):
        item["version"] = text(metadata["version"])
    if text(metadata.get("language")):
        item["language"] = text(metadata["language"])
    if keywords := [text(s.get("subject")) for s in metadata.get("subjects") or [] if text(s.get("subject"))]:
        item["keyword"] = ", ".join(keywords)
    if (types := metadata.get("types") or {}) and text(types.get("resourceType")):
        item["genre"] = text(types["resourceType"])
    for related in metadata.get("relatedItems") or []:
        if related.get("relationType") != "IsPublishedIn":
            continue
        titles = related.get("titles") or []
        if titles and text(titles[0].get("title")):
            item["container-title"] = text(titles[0]["title"])
        for source, target in (("volume", "volume"), ("issue", "issue"), ("edition", "edition")):
            if text(related.get(source)):
                item[target] = text(related[source])
        first, last = text(related.get("firstPage")), text(related.get("lastPage"))
        if first:
            item["page"] = f"{first}-{last}" if last else first
        break
    return item


def to_csl(record: Record, ctx: ExportContext) -> dict[str, Any]:
    return metadata_to_csl(record.metadata, item_id=record.id, landing_url=ctx.landing_url(record.id))


def dump(record: Record, ctx: ExportContext) -> bytes:
    return json.dumps(to_csl(record, ctx), ensure_ascii=False, indent=2).encode("utf-8")
