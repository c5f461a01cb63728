"""DataCite metadata -> CSL-JSON (citeproc JSON), the input of every citation processor.

One CSL item, an object, as DataCite's and Crossref's content negotiation
return it for ``application/vnd.citationstyles.csl+json`` (wrap it in a
list for a CSL-JSON file). Variable names and shapes follow the CSL-JSON
schema (``csl-data.json``): names as ``{"family", "given"}`` or
``{"literal"}``, dates as ``{"date-parts": [[y, m, d]]}``, ``categories``
an array of strings.

==============================  ===========================================
DataCite                        CSL-JSON
==============================  ===========================================
doi                             id, DOI, URL (the landing page without DOI)
types                           type (``serializers.resource_types``)
resourceType                    genre, only when it adds information
title                           title
creators                        author
contributors Editor/Translator  editor / translator (other roles: none in CSL)
Issued / publicationYear        issued
dates Available / Submitted     available-date / submitted
publisher                       publisher
first Abstract                  abstract
version, language               version, language
subjects                        categories (one string each)
relatedItem IsPublishedIn       container-title, container-author, its
                                editors as editor, volume, issue, number
                                (chapter-number for numberType Chapter),
                                edition, page, ISSN / ISBN
==============================  ===========================================

``genre`` is what APA prints in brackets after the title. It is left out
when it repeats the type ("Report" on a report), when the free text was
read as the CSL type (Text + "Monograph" is a ``book``), and on software, where DataCite's
free text names a language or format ("XML") and APA's own description is
"[Computer software]".

bolognese writes ``categories`` too, and no editors of the container,
no ``number``, ``ISSN``, ``available-date``; we add them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from repository_core.dois import bare_doi
from repository_core.records import Record
from serializers import resource_types
from serializers.context import ExportContext
from serializers.datacite_reading import (
    date_parts,
    dates_of_type,
    doi_url,
    issued_date,
    main_title,
    published_in,
    publisher_name,
    related_item_title,
    resource_type_general,
    split_name,
    text,
)

__all__ = ["csl_type", "dump", "genre", "metadata_to_csl", "to_csl"]

_ROLES = {"Editor": "editor", "Translator": "translator"}
_NO_GENRE = frozenset({"Software", "ComputationalNotebook"})


def csl_type(resource_type_general: str, resource_type: str | None = None) -> str:
    return resource_types.lookup(resource_type_general, resource_type).csl


def _words(value: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", value.lower()))


def genre(metadata: Mapping[str, Any]) -> str:
    """The free-text resourceType when it says more than the type does, else ''."""
    types = metadata.get("types") or {}
    free = text(types.get("resourceType"))
    general = resource_type_general(metadata)
    if not free or general in _NO_GENRE:
        return ""
    row = resource_types.for_metadata(metadata)
    said = {_words(general), _words(row.csl.replace("-", " ")), _words(row.schema_org)}
    if _words(free) in said or row.csl != resource_types.lookup(general).csl:
        return ""  # repeated, or already said by the type it refined
    return free


def _name(person: Mapping[str, Any]) -> dict[str, str]:
    family, given, display = split_name(person)
    if family:
        return {"family": family, "given": given} if given else {"family": family}
    return {"literal": display}


def _date(value: str) -> dict[str, Any] | None:
    parts = date_parts(value.split("/")[0])
    return {"date-parts": [parts]} if parts else None


def _container(item: dict[str, Any], container: Mapping[str, Any]) -> None:
    if title := related_item_title(container):
        item["container-title"] = title
    if authors := [_name(c) for c in container.get("creators") or [] if text(c.get("name"))]:
        item["container-author"] = authors
    for contributor in container.get("contributors") or []:
        if contributor.get("contributorType") == "Editor" and text(contributor.get("name")):
            item.setdefault("editor", []).append(_name(contributor))
    for source in ("volume", "issue", "edition"):
        if text(container.get(source)):
            item[source] = text(container[source])
    if text(container.get("number")):
        key = "chapter-number" if container.get("numberType") == "Chapter" else "number"
        item[key] = text(container["number"])
    first, last = text(container.get("firstPage")), text(container.get("lastPage"))
    if first:
        item["page"] = f"{first}-{last}" if last else first
    ident = container.get("relatedItemIdentifier") or {}
    kind = text(ident.get("relatedItemIdentifierType")).upper()
    if kind in ("ISSN", "EISSN", "ISBN") and text(ident.get("relatedItemIdentifier")):
        item["ISBN" if kind == "ISBN" else "ISSN"] = text(ident["relatedItemIdentifier"])


def metadata_to_csl(metadata: Mapping[str, Any], *, item_id: str,
                    landing_url: str | None = None) -> dict[str, Any]:
    """One CSL-JSON item for DataCite JSON metadata."""
    doi = text(metadata.get("doi"))
    item: dict[str, Any] = {"id": doi or item_id,
                            "type": resource_types.for_metadata(metadata).csl}
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
    for date_type, key in (("Available", "available-date"), ("Submitted", "submitted")):
        if (values := dates_of_type(metadata, date_type)) and (date := _date(values[0])):
            item[key] = date
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
        item["categories"] = keywords
    if free := genre(metadata):
        item["genre"] = free
    if container := published_in(metadata):
        _container(item, container)
    return item


def to_csl(record: Record, ctx: ExportContext) -> dict[str, Any]:
    return metadata_to_csl(record.metadata, item_id=record.id, landing_url=ctx.landing_url(record.id))


def dump(record: Record, ctx: ExportContext) -> bytes:
    return json.dumps(to_csl(record, ctx), ensure_ascii=False, indent=2).encode("utf-8")
