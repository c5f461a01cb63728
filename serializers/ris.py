"""DataCite metadata -> one RIS record (reference managers: EndNote, Zotero, Mendeley).

One ``TAG  - value`` per line, CRLF line ends as the RIS specification
asks, the record ends with ``ER  - ``. A value never spans lines: newlines
inside titles or abstracts become spaces. Repeatable tags (AU, A2, KW, UR)
repeat.
"""

from __future__ import annotations

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

__all__ = ["TYPES", "dump", "metadata_to_ris"]

TYPES: dict[str, str] = {
    "Audiovisual": "VIDEO",
    "Book": "BOOK",
    "BookChapter": "CHAP",
    "ComputationalNotebook": "COMP",
    "ConferencePaper": "CPAPER",
    "ConferenceProceeding": "CONF",
    "DataPaper": "JOUR",
    "Dataset": "DATA",
    "Dissertation": "THES",
    "Image": "FIGURE",
    "Journal": "JFULL",
    "JournalArticle": "JOUR",
    "Preprint": "JOUR",
    "Report": "RPRT",
    "Software": "COMP",
    "Sound": "SOUND",
    "Standard": "STAND",
    "Text": "GEN",
}
"""resourceTypeGeneral -> RIS reference type; everything else is ``GEN``."""


def _line(tag: str, value: Any) -> str | None:
    value = " ".join(text(value).split())
    return f"{tag}  - {value}" if value else None


def metadata_to_ris(metadata: Mapping[str, Any], *, landing_url: str | None = None) -> str:
    lines: list[str | None] = [_line("TY", TYPES.get(resource_type_general(metadata), "GEN"))]

    def person(p: Mapping[str, Any]) -> str:
        family, given, display = split_name(p)
        return f"{family}, {given}" if family and given else (family or display)

    for creator in metadata.get("creators") or []:
        lines.append(_line("AU", person(creator)))
    for contributor in metadata.get("contributors") or []:
        if contributor.get("contributorType") == "Editor":
            lines.append(_line("A2", person(contributor)))
        elif contributor.get("contributorType") == "Translator":
            lines.append(_line("A4", person(contributor)))
    lines.append(_line("TI", main_title(metadata)))
    for title in metadata.get("titles") or []:
        if title.get("titleType") in ("AlternativeTitle", "TranslatedTitle"):
            lines.append(_line("ST" if title.get("titleType") == "AlternativeTitle" else "TT",
                               title.get("title")))
    for item in metadata.get("relatedItems") or []:
        if item.get("relationType") == "IsPublishedIn":
            titles = item.get("titles") or []
            lines.append(_line("T2", titles[0].get("title") if titles else None))
            lines.append(_line("VL", item.get("volume")))
            lines.append(_line("IS", item.get("issue")))
            lines.append(_line("SP", item.get("firstPage")))
            lines.append(_line("EP", item.get("lastPage")))
            break
    parts = date_parts(issued_date(metadata))
    if parts:
        lines.append(_line("PY", str(parts[0])))
        lines.append(_line("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))
                           + ("/" if len(parts) == 3 else "")))
    lines.append(_line("PB", publisher_name(metadata)))
    doi = text(metadata.get("doi"))
    if doi:
        lines.append(_line("DO", bare_doi(doi)))
        lines.append(_line("UR", doi_url(doi)))
    elif landing_url:
        lines.append(_line("UR", landing_url))
    for description in metadata.get("descriptions") or []:
        if description.get("descriptionType") == "Abstract":
            lines.append(_line("AB", description.get("description")))
            break
    for subject in metadata.get("subjects") or []:
        lines.append(_line("KW", subject.get("subject")))
    lines.append(_line("LA", metadata.get("language")))
    lines.append(_line("ET", metadata.get("version")))
    for rights in metadata.get("rightsList") or []:
        lines.append(_line("C5", rights.get("rightsUri") or rights.get("rights")))
    lines.append("ER  - ")
    return "\r\n".join(line for line in lines if line) + "\r\n"


def dump(record: Record, ctx: ExportContext) -> bytes:
    return metadata_to_ris(record.metadata, landing_url=ctx.landing_url(record.id)).encode("utf-8")
