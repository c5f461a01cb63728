"""DataCite metadata -> one RIS record (reference managers: EndNote, Zotero, Mendeley).

One ``TAG  - value`` per line, CRLF line ends as the RIS specification
asks, the record ends with ``ER  - ``. A value never spans lines: newlines
inside titles or abstracts become spaces. Repeatable tags (AU, A2, KW, TT,
N1) repeat.

==========================  ================================================
DataCite                    RIS
==========================  ================================================
types                       TY (``serializers.resource_types``: SLIDE, RPRT,
                            BOOK for Text + "Monograph", ...)
creators                    AU "Family, Given"; an organisation's commas
                            become semicolons (RIS cannot quote, and every
                            reader splits AU at its first comma)
contributors Editor         A2 (also the editors of the IsPublishedIn item)
contributors Translator     A4
title (main) + Subtitle     TI "Title: Subtitle"
TranslatedTitle, untyped    TT (translated title; a second title without a
parallel titles             type is a parallel title in another language)
AlternativeTitle            N1 "Alternative title: ..." (not ST, which is
                            the short title)
relatedItem IsPublishedIn   T2, VL, IS, SP, EP; its ISSN/ISBN in SN
relatedIdentifier IsPartOf  SN when it is an ISSN/ISBN (as bolognese)
Issued / publicationYear    PY, DA
publisher                   PB
doi                         DO, UR (the landing page without a DOI)
first Abstract              AB
subjects                    KW, one each
language, version           LA, ET
rightsList                  CR, the rights text (else the URI); Zotero's
                            translator reads CR as the item's rights, while
                            C5 is a recording's format
==========================  ================================================

bolognese writes ``AN`` for alternate titles (AN is the accession number)
and no translators, editors, ISSN or subtitles; we follow the RIS
specification and Zotero's RIS translator instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from repository_core.dois import bare_doi
from repository_core.records import Record
from serializers import resource_types
from serializers.context import ExportContext
from serializers.datacite_reading import (
    date_parts,
    doi_url,
    issued_date,
    main_title,
    published_in,
    publisher_name,
    related_item_title,
    split_name,
    text,
)

__all__ = ["dump", "metadata_to_ris", "ris_name"]

_SERIAL_IDS = ("ISSN", "EISSN", "ISBN")


def _line(tag: str, value: Any) -> str | None:
    value = " ".join(text(value).split())
    return f"{tag}  - {value}" if value else None


def ris_name(person: Mapping[str, Any]) -> str:
    """A name for AU/A2/A4: "Family, Given" for a person, an organisation without commas."""
    family, given, display = split_name(person)
    if family:
        return f"{family}, {given}" if given else family
    if person.get("nameType") == "Organizational":
        return "; ".join(part.strip() for part in display.split(",") if part.strip())
    return display


def _titles(metadata: Mapping[str, Any]) -> tuple[str, list[str], list[str]]:
    """(TI, TT values, alternative titles)."""
    main = main_title(metadata)
    titles = [t for t in metadata.get("titles") or [] if text(t.get("title"))]
    subtitle = next((text(t["title"]) for t in titles if t.get("titleType") == "Subtitle"), "")
    translated, alternative = [], []
    for title in titles:
        value, kind = text(title["title"]), title.get("titleType")
        if value == main or kind == "Subtitle":
            continue
        if kind == "AlternativeTitle":
            alternative.append(value)
        elif kind in (None, "", "TranslatedTitle"):
            translated.append(value)
        else:  # "Other"
            alternative.append(value)
    return (f"{main}: {subtitle}" if subtitle else main), translated, alternative


def _serial_number(metadata: Mapping[str, Any], container: Mapping[str, Any] | None) -> str:
    if container:
        ident = container.get("relatedItemIdentifier") or {}
        if text(ident.get("relatedItemIdentifierType")).upper() in _SERIAL_IDS:
            return text(ident.get("relatedItemIdentifier"))
    for related in metadata.get("relatedIdentifiers") or []:
        if (related.get("relationType") in ("IsPartOf", "IsPublishedIn")
                and text(related.get("relatedIdentifierType")).upper() in _SERIAL_IDS):
            return text(related.get("relatedIdentifier"))
    return ""


def metadata_to_ris(metadata: Mapping[str, Any], *, landing_url: str | None = None) -> str:
    lines: list[str | None] = [_line("TY", resource_types.for_metadata(metadata).ris)]
    container = published_in(metadata)
    for creator in metadata.get("creators") or []:
        lines.append(_line("AU", ris_name(creator)))
    editors = [c for c in metadata.get("contributors") or [] if c.get("contributorType") == "Editor"]
    if container:
        editors += [c for c in container.get("contributors") or []
                    if c.get("contributorType") == "Editor"]
    for editor in editors:
        lines.append(_line("A2", ris_name(editor)))
    for contributor in metadata.get("contributors") or []:
        if contributor.get("contributorType") == "Translator":
            lines.append(_line("A4", ris_name(contributor)))
    title, translated, alternative = _titles(metadata)
    lines.append(_line("TI", title))
    lines.extend(_line("TT", value) for value in translated)
    if container:
        lines.append(_line("T2", related_item_title(container)))
        lines.append(_line("VL", container.get("volume")))
        lines.append(_line("IS", container.get("issue")))
        lines.append(_line("SP", container.get("firstPage")))
        lines.append(_line("EP", container.get("lastPage")))
    lines.append(_line("SN", _serial_number(metadata, container)))
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
        lines.append(_line("CR", text(rights.get("rights")) or text(rights.get("rightsUri"))))
    lines.extend(_line("N1", f"Alternative title: {value}") for value in alternative)
    lines.append("ER  - ")
    return "\r\n".join(line for line in lines if line) + "\r\n"


def dump(record: Record, ctx: ExportContext) -> bytes:
    return metadata_to_ris(record.metadata, landing_url=ctx.landing_url(record.id)).encode("utf-8")
