"""DataCite -> BibTeX, parsed back with bibtexparser 2."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest

from serializers.bibtex import citation_key, dump, escape_latex
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
    ("rightsURI", "copyright", "https://creativecommons.org/licenses/by/4.0/"),
    ("relatedItem IsPublishedIn", "booktitle", "Journal of Deep Water"),
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
