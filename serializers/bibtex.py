"""DataCite metadata -> one BibTeX entry.

Entry types come from the one resource-type table
(``serializers.resource_types``): ``@misc`` for data, software and
anything classic BibTeX has no type for; ``@article``, ``@book``,
``@incollection`` (only with a ``booktitle``, which BibTeX requires),
``@inproceedings``, ``@proceedings``, ``@phdthesis``, ``@techreport``,
``@manual`` where the type (or Text + a free-text type) says so.

==========================  ==============================================
DataCite                    BibTeX
==========================  ==============================================
creators                    author ("Family, Given"; organisations braced)
contributors Editor         editor, with the IsPublishedIn item's editors
contributors Translator     translator
title                       title
relatedItem IsPublishedIn   journal (an article, or a related Journal),
                            else booktitle; volume, number (issue), pages,
                            edition, issn / isbn
publisher                   publisher (school for a thesis, institution
                            for a report)
Issued / publicationYear    year, month (the macro ``jan``, unbraced)
doi                         doi, url (the landing page without a DOI)
version, language           version, language
subjects                    keywords, comma-separated; a subject that
                            holds a comma is braced
first Abstract              abstract
rightsList                  copyright, the rights text (else the URI)
==========================  ==============================================

bolognese writes ``@inbook`` for chapters, braced months, the first rights
statement only and no editors; we differ as above.

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

__all__ = ["citation_key", "dump", "entry_type", "escape_latex", "metadata_to_bibtex"]

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


def entry_type(metadata: Mapping[str, Any]) -> str:
    """The BibTeX entry type (without ``@``)."""
    return resource_types.for_metadata(metadata).bibtex


def _keywords(metadata: Mapping[str, Any]) -> str:
    subjects = [escape_latex(text(s.get("subject"))) for s in metadata.get("subjects") or []
                if text(s.get("subject"))]
    return ", ".join("{" + s + "}" if "," in s else s for s in subjects)


def metadata_to_bibtex(metadata: Mapping[str, Any], *, record_id: str,
                       landing_url: str | None = None) -> str:
    kind = entry_type(metadata)
    container = published_in(metadata)
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str, *, raw: bool = False) -> None:
        if value:
            fields.append((name, value if raw else escape_latex(value)))

    add("author", _names(metadata.get("creators") or []), raw=True)
    editors = [c for c in metadata.get("contributors") or [] if c.get("contributorType") == "Editor"]
    if container:
        editors += [c for c in container.get("contributors") or [] if c.get("contributorType") == "Editor"]
    add("editor", _names(editors), raw=True)
    translators = [c for c in metadata.get("contributors") or []
                   if c.get("contributorType") == "Translator"]
    add("translator", _names(translators), raw=True)
    add("title", main_title(metadata))
    publisher = publisher_name(metadata)
    if container:
        journal = kind == "article" or container.get("relatedItemType") in ("Journal", "JournalArticle")
        add("journal" if journal else "booktitle", related_item_title(container))
        add("volume", text(container.get("volume")))
        add("number", text(container.get("issue")))
        first, last = text(container.get("firstPage")), text(container.get("lastPage"))
        add("pages", f"{first}--{last}" if first and last else first)
        add("edition", text(container.get("edition")))
        ident = container.get("relatedItemIdentifier") or {}
        serial = text(ident.get("relatedItemIdentifierType")).upper()
        if serial in ("ISSN", "EISSN", "ISBN"):
            add("isbn" if serial == "ISBN" else "issn", text(ident.get("relatedItemIdentifier")))
    if kind == "phdthesis":
        add("school", publisher)
    elif kind == "techreport":
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
    add("keywords", _keywords(metadata), raw=True)
    abstracts = [text(d.get("description")) for d in metadata.get("descriptions") or []
                 if d.get("descriptionType") == "Abstract" and text(d.get("description"))]
    add("abstract", abstracts[0] if abstracts else "")
    rights = [text(r.get("rights")) or text(r.get("rightsUri")) for r in metadata.get("rightsList") or []]
    add("copyright", "; ".join(dict.fromkeys(r for r in rights if r)))

    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
                      for name, value in fields)
    return f"@{kind}{{{citation_key(metadata, record_id)},\n{body}\n}}\n"


def dump(record: Record, ctx: ExportContext) -> bytes:
    return metadata_to_bibtex(record.metadata, record_id=record.id,
                              landing_url=ctx.landing_url(record.id)).encode("utf-8")
