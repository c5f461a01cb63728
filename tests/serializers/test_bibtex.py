"""DataCite -> BibTeX, parsed back with bibtexparser 2."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest

from serializers.bibtex import citation_key, dump, escape_latex, metadata_to_bibtex
from tests.serializers.samples import CTX, EXAMPLES, FULL, example_metadata, make_record


def parse(body: bytes) -> bibtexparser.Library:
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert library.failed_blocks == []
    assert len(library.entries) == 1
    return library


ROWS = [
    ("creators", "author", "Smith, Jane and {Deep Sea Consortium}"),
    ("contributor Editor", "editor", "Editor, Eddie"),
    ("contributor Translator", "translator", "Traductrice, Tina"),
    ("title", "title", "Deep water temperatures"),
    ("publisher", "publisher", "Marine Data Archive"),
    ("date Issued: year", "year", "2020"),
    ("date Issued: month", "month", "jun"),
    ("doi", "doi", "10.1234/full-2020"),
    ("doi as url", "url", "https://doi.org/10.1234/full-2020"),
    ("version", "version", "2.1"),
    ("language", "language", "en"),
    ("subjects", "keywords", "oceanography, FOS: Earth sciences"),
    ("description Abstract", "abstract", "Temperature profiles below 2000 m."),
    ("rights", "copyright", "Creative Commons Attribution 4.0 International"),
    ("relatedItem IsPublishedIn (a Journal)", "journal", "Journal of Deep Water"),
    ("relatedItem ISSN", "issn", "1234-5678"),
    ("relatedItem volume", "volume", "12"),
    ("relatedItem issue", "number", "3"),
    ("relatedItem pages", "pages", "100--120"),
]


@pytest.fixture(scope="module")
def fields() -> dict[str, str]:
    entry = parse(dump(make_record(), CTX)).entries[0]
    return {name: field.value for name, field in entry.fields_dict.items()}


@pytest.mark.parametrize(("prop", "field", "value"), ROWS, ids=[r[0] for r in ROWS])
def test_property_is_carried(fields: dict[str, str], prop: str, field: str, value: str) -> None:
    assert fields[field] == value


def test_entry_type_and_stable_key() -> None:
    entry = parse(dump(make_record(), CTX)).entries[0]
    assert entry.entry_type == "misc"
    assert re.fullmatch(r"smith2020_full-2020-[0-9a-f]{4}", entry.key)
    assert parse(dump(make_record(revision=7), CTX)).entries[0].key == entry.key
    article = parse(dump(make_record(types={"resourceTypeGeneral": "JournalArticle"}), CTX)).entries[0]
    assert article.entry_type == "article" and article.fields_dict["journal"].value == "Journal of Deep Water"


def test_key_is_ascii_and_falls_back_to_the_record_id() -> None:
    md = dict(FULL, creators=[{"name": "Ødegård, Åsa", "nameType": "Personal"}])
    md.pop("doi")
    assert re.fullmatch(r"odegard2020_rec-42-[0-9a-f]{4}", citation_key(md, "Rec 42"))


def test_keys_differ_where_the_readable_part_is_the_same() -> None:
    md = dict(FULL, creators=[{"name": "Smith, Jo", "nameType": "Personal"}])
    keys = {citation_key(dict(md, doi=doi), "r") for doi in
            ("10.5072/data.v1", "10.5072/data-v1", "10.9999/DATA_V1")}
    assert len(keys) == 3
    assert citation_key(dict(md, doi="10.5072/ABC"), "r") == citation_key(
        dict(md, doi="10.5072/abc"), "other")  # DOIs are case-insensitive


def test_latex_special_characters_are_escaped() -> None:
    title = r"Cost & effect: 50% of $x_1$ {braces} #1 ~tilde^ back\slash"
    body = dump(make_record(titles=[{"title": title}]), CTX)
    value = parse(body).entries[0].fields_dict["title"].value
    assert value == escape_latex(title)
    assert value == (r"Cost \& effect: 50\% of \$x\_1\$ \{braces\} \#1 \textasciitilde{}tilde"
                     r"\textasciicircum{} back\textbackslash{}slash")
    assert body.count(b"{") == body.count(b"}")


def test_newlines_in_values_do_not_break_the_entry() -> None:
    body = dump(make_record(descriptions=[{"description": "line one\nline two\u2028three",
                                           "descriptionType": "Abstract"}]), CTX)
    assert parse(body).entries[0].fields_dict["abstract"].value == "line one line two three"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_parses(path: Path) -> None:
    metadata = example_metadata(path)
    entry = parse(dump(make_record(metadata, id=path.stem), CTX)).entries[0]
    assert entry.fields_dict["title"].value and entry.fields_dict["author"].value


def _entry(**changes: object) -> bibtexparser.model.Entry:
    body = metadata_to_bibtex({**FULL, **changes}, record_id="r").encode("utf-8")
    entry: bibtexparser.model.Entry = parse(body).entries[0]
    return entry


def test_month_is_the_macro() -> None:
    """BibTeX (Patashnik, BibTeXing): months are the predefined macros jan..dec, unbraced,
    so styles can print them in their own language."""
    body = metadata_to_bibtex(FULL, record_id="r")
    assert "  month = jun,\n" in body and "{jun}" not in body


def test_incollection_only_with_a_booktitle() -> None:
    """BibTeX: @incollection requires booktitle; without one the chapter is @misc
    (bolognese writes @inbook, which needs chapter or pages of an untitled book)."""
    book = {"relationType": "IsPublishedIn", "relatedItemType": "Book", "titles": [{"title": "The Book"}],
            "edition": "2nd edition", "contributors": [
                {"name": "Miller, Elizabeth", "nameType": "Personal", "contributorType": "Editor"}]}
    chapter = _entry(types={"resourceTypeGeneral": "BookChapter"}, relatedItems=[book], contributors=[])
    assert chapter.entry_type == "incollection"
    assert chapter.fields_dict["booktitle"].value == "The Book"
    assert chapter.fields_dict["editor"].value == "Miller, Elizabeth"  # the book's editor
    assert chapter.fields_dict["edition"].value == "2nd edition"
    assert _entry(types={"resourceTypeGeneral": "BookChapter"}, relatedItems=[]).entry_type == "misc"


def test_a_related_journal_is_a_journal() -> None:
    """BibTeX: ``journal`` names a journal, ``booktitle`` a book; a dataset published in a
    journal is @misc with ``journal``."""
    entry = _entry()
    assert entry.entry_type == "misc" and "booktitle" not in entry.fields_dict
    assert entry.fields_dict["journal"].value == "Journal of Deep Water"


def test_rights_text_once() -> None:
    """bolognese's BibTeX writer: copyright is the rights statement (its text), not the URI."""
    rights = [{"rights": "CC BY 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/"},
              {"rights": "CC BY 4.0"}]
    assert _entry(rightsList=rights).fields_dict["copyright"].value == "CC BY 4.0"


def test_a_subject_with_a_comma_stays_one_keyword() -> None:
    """biblatex: keywords is a comma-separated list; braces protect a comma inside one."""
    entry = _entry(subjects=[{"subject": "Earth sciences, oceans"}, {"subject": "climate"}])
    assert entry.fields_dict["keywords"].value == "{Earth sciences, oceans}, climate"


@pytest.mark.parametrize(("types", "expected"), [
    ({"resourceTypeGeneral": "Text", "resourceType": "Monograph"}, "book"),
    ({"resourceTypeGeneral": "Text", "resourceType": "report"}, "techreport"),
    ({"resourceTypeGeneral": "Preprint"}, "misc"),
    ({"resourceTypeGeneral": "Other", "resourceType": "Manual"}, "manual"),
])
def test_entry_type_reads_the_free_text(types: dict[str, str], expected: str) -> None:
    """bolognese reads the free resourceType as a Crossref type (Monograph -> book,
    Report -> techreport); a preprint has no BibTeX type of its own (@misc, as arXiv)."""
    assert _entry(types=types).entry_type == expected
