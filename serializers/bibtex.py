"""DataCite metadata -> one BibTeX entry.

Entry types follow DataCite's content negotiation: ``@misc`` for data,
software and anything classic BibTeX has no type for; ``@article``,
``@book``, ``@incollection``, ``@inproceedings``, ``@proceedings``,
``@phdthesis``, ``@techreport`` where DataCite's type says so.

The citation key is stable: ``<first creator's family name><year>_<id>-<hash>``,
ASCII, lower case, where ``<id>`` is the DOI suffix (else the record id)
and ``<hash>`` four hex digits of the whole DOI (else the id), so
re-exporting a record gives the same key, and records whose readable parts
coincide (``data.v1`` and ``data-v1``, or one suffix under two prefixes)
still get different keys. Text fields have LaTeX special characters escaped (``& % $ # _ { } ~
^ \\``); ``doi`` and ``url`` are left verbatim (biblatex reads them
verbatim) except for braces, which are percent-encoded. Non-ASCII text is
kept as UTF-8 (biber and bibtexparser read it; classic bibtex8 too).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from repository_core.dois import bare_doi, doi_key
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

__all__ = ["ENTRY_TYPES", "citation_key", "dump", "escape_latex", "metadata_to_bibtex"]

ENTRY_TYPES: dict[str, str] = {
    "JournalArticle": "article",
    "DataPaper": "article",
    "Book": "book",
    "BookChapter": "incollection",
    "ConferencePaper": "inproceedings",
    "ConferenceProceeding": "proceedings",
    "Dissertation": "phdthesis",
    "Report": "techreport",
}
"""resourceTypeGeneral -> BibTeX entry type; everything else is ``misc``."""

_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def escape_latex(value: str) -> str:
    """Escape LaTeX's special characters; whitespace runs (newlines too) become one space."""
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], " ".join(value.split()))


_TRANSLITERATE = str.maketrans({"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "ß": "ss", "Ł": "L",
                                "ł": "l", "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th", "Œ": "OE",
                                "œ": "oe", "ı": "i"})


def _ascii_slug(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.translate(_TRANSLITERATE))
    return re.sub(r"[^a-z0-9]+", "", decomposed.encode("ascii", "ignore").decode().lower())


def citation_key(metadata: Mapping[str, Any], record_id: str) -> str:
    creators = metadata.get("creators") or []
    family = ""
    if creators:
        fam, _, display = split_name(creators[0])
        family = _ascii_slug(fam or (display.split() or [""])[0])
    parts = date_parts(issued_date(metadata))
    year = parts[0] if parts else None
    doi = text(metadata.get("doi"))
    identity = doi_key(doi) if doi else f"id:{record_id}"
    ident = bare_doi(doi).split("/", 1)[-1] if doi else record_id
    ident = re.sub(r"[^a-z0-9]+", "-", ident.lower()).strip("-") or "record"
    # The readable part drops the prefix and punctuation; a short digest of the
    # whole DOI (or id) keeps two records from ever sharing a key in practice.
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:4]
    return f"{family or 'anonymous'}{year or ''}_{ident}-{digest}"


def _names(people: list[Mapping[str, Any]]) -> str:
    names = []
    for person in people:
        family, given, display = split_name(person)
        if family:
            names.append(escape_latex(f"{family}, {given}" if given else family))
        elif display:
            names.append("{" + escape_latex(display) + "}")  # an organisation: never split
    return " and ".join(names)


def _verbatim(value: str) -> str:
    return value.replace("{", "%7B").replace("}", "%7D")


def metadata_to_bibtex(metadata: Mapping[str, Any], *, record_id: str,
                       landing_url: str | None = None) -> str:
    general = resource_type_general(metadata)
    entry_type = ENTRY_TYPES.get(general, "misc")
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str, *, raw: bool = False) -> None:
        if value:
            fields.append((name, value if raw else escape_latex(value)))

    add("author", _names(metadata.get("creators") or []), raw=True)
    editors = [c for c in metadata.get("contributors") or [] if c.get("contributorType") == "Editor"]
    add("editor", _names(editors), raw=True)
    translators = [c for c in metadata.get("contributors") or []
                   if c.get("contributorType") == "Translator"]
    add("translator", _names(translators), raw=True)
    add("title", main_title(metadata))
    publisher = publisher_name(metadata)
    published_in = next((item for item in metadata.get("relatedItems") or []
                         if item.get("relationType") == "IsPublishedIn"), None)
    if published_in:
        titles = published_in.get("titles") or []
        container = text(titles[0].get("title")) if titles else ""
        add("journal" if entry_type == "article" else "booktitle", container)
        add("volume", text(published_in.get("volume")))
        add("number", text(published_in.get("issue")))
        first, last = text(published_in.get("firstPage")), text(published_in.get("lastPage"))
        add("pages", f"{first}--{last}" if first and last else first)
    if entry_type == "phdthesis":
        add("school", publisher)
    elif entry_type == "techreport":
        add("institution", publisher)
    else:
        add("publisher", publisher)
    parts = date_parts(issued_date(metadata))
    if parts:
        add("year", str(parts[0]))
    if len(parts) > 1:
        fields.append(("month", _MONTHS[parts[1] - 1]))
    doi = text(metadata.get("doi"))
    if doi:
        add("doi", _verbatim(bare_doi(doi)), raw=True)
        add("url", _verbatim(doi_url(doi)), raw=True)
    elif landing_url:
        add("url", _verbatim(landing_url), raw=True)
    add("version", text(metadata.get("version")))
    add("language", text(metadata.get("language")))
    subjects = [text(s.get("subject")) for s in metadata.get("subjects") or [] if text(s.get("subject"))]
    add("keywords", ", ".join(subjects))
    abstracts = [text(d.get("description")) for d in metadata.get("descriptions") or []
                 if d.get("descriptionType") == "Abstract" and text(d.get("description"))]
    add("abstract", abstracts[0] if abstracts else "")
    rights = [text(r.get("rightsUri")) or text(r.get("rights")) for r in metadata.get("rightsList") or []]
    add("copyright", "; ".join(r for r in rights if r))

    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{citation_key(metadata, record_id)},\n{body}\n}}\n"


def dump(record: Record, ctx: ExportContext) -> bytes:
    return metadata_to_bibtex(record.metadata, record_id=record.id,
                              landing_url=ctx.landing_url(record.id)).encode("utf-8")
