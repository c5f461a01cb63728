"""DataCite -> RIS: tag table, one tag per line, ER-terminated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from serializers.ris import dump, metadata_to_ris
from tests.serializers.samples import CTX, EXAMPLES, FULL, example_metadata, make_record

LINE = re.compile(r"^[A-Z][A-Z0-9]  - .*$")


def tags(body: bytes) -> list[tuple[str, str]]:
    text = body.decode("utf-8")
    assert text.endswith("ER  - \r\n")
    lines = text.split("\r\n")[:-1]
    assert all(LINE.match(line) for line in lines), lines
    assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
    return [(line[:2], line[6:]) for line in lines]


ROWS = [
    ("resourceTypeGeneral", "TY", "DATA"),
    ("creator person", "AU", "Smith, Jane"),
    ("creator organisation", "AU", "Deep Sea Consortium"),
    ("contributor Editor", "A2", "Editor, Eddie"),
    ("contributor Translator", "A4", "Traductrice, Tina"),
    ("title: subtitle", "TI", "Deep water temperatures: A decade of profiles"),
    ("translated title", "TT", "Températures des eaux profondes"),
    ("publicationYear / Issued", "PY", "2020"),
    ("date Issued", "DA", "2020/06/15/"),
    ("publisher", "PB", "Marine Data Archive"),
    ("doi", "DO", "10.1234/full-2020"),
    ("doi URL", "UR", "https://doi.org/10.1234/full-2020"),
    ("abstract", "AB", "Temperature profiles below 2000 m."),
    ("subject", "KW", "oceanography"),
    ("language", "LA", "en"),
    ("version", "ET", "2.1"),
    ("rights", "CR", "Creative Commons Attribution 4.0 International"),
    ("relatedItem ISSN", "SN", "1234-5678"),
    ("relatedItem IsPublishedIn", "T2", "Journal of Deep Water"),
    ("relatedItem volume", "VL", "12"),
    ("relatedItem issue", "IS", "3"),
    ("relatedItem first page", "SP", "100"),
    ("relatedItem last page", "EP", "120"),
]


@pytest.mark.parametrize(("prop", "tag", "value"), ROWS, ids=[r[0] for r in ROWS])
def test_property_is_carried(prop: str, tag: str, value: str) -> None:
    assert (tag, value) in tags(dump(make_record(), CTX))


def test_multi_line_values_stay_on_one_line() -> None:
    record = make_record(titles=[{"title": "Two\nlines\r\nER  - not an end"}])
    assert ("TI", "Two lines ER - not an end") in tags(dump(record, CTX))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example(path: Path) -> None:
    metadata = example_metadata(path)
    found = dict(tags(dump(make_record(metadata, id=path.stem), CTX)))
    assert found["TI"] and found["AU"] and found["PY"]


def _ris(**changes: object) -> list[tuple[str, str]]:
    return tags(metadata_to_ris({**FULL, **changes}).encode("utf-8"))


@pytest.mark.parametrize(("types", "expected"), [
    ({"resourceTypeGeneral": "Presentation", "resourceType": "Conference presentation"}, "SLIDE"),
    ({"resourceTypeGeneral": "Text", "resourceType": "report"}, "RPRT"),
    ({"resourceTypeGeneral": "Text", "resourceType": "Monograph"}, "BOOK"),
    ({"resourceTypeGeneral": "Audiovisual", "resourceType": "narrated video"}, "VIDEO"),
    ({"resourceTypeGeneral": "Collection", "resourceType": "Report"}, "GEN"),
])
def test_reference_type(types: dict[str, str], expected: str) -> None:
    """RIS specification reference types, as Zotero's RIS translator writes them
    (presentation SLIDE, report RPRT, book BOOK, videoRecording VIDEO); the free
    resourceType refines only Text and Other."""
    assert _ris(types=types)[0] == ("TY", expected)


def test_rights_are_not_a_recording_format() -> None:
    """Zotero's RIS translator reads C5 as an audio/video recording's format and CR as rights."""
    found = _ris()
    assert not [v for t, v in found if t == "C5"]
    assert ("CR", "Creative Commons Attribution 4.0 International") in found


def test_an_organisation_is_not_split_at_its_comma() -> None:
    """Zotero's RIS translator splits AU at its first comma into last and first name;
    an organisation's name must come out whole."""
    creators = [{"name": "European Social Fund/DABURH, Department of History, Leiden University",
                 "nameType": "Organizational"}, {"name": "Miller, Elizabeth", "nameType": "Personal"}]
    authors = [v for t, v in _ris(creators=creators) if t == "AU"]
    assert authors == ["European Social Fund/DABURH; Department of History; Leiden University",
                       "Miller, Elizabeth"]
    assert "," not in authors[0]


def test_alternative_title_is_not_a_short_title_and_parallel_titles_are_kept() -> None:
    """RIS specification: ST is the short (abbreviated) title, TT the translated title."""
    titles = [{"title": "Main", "lang": "en"}, {"title": "Principal", "lang": "fr"},
              {"title": "Sub", "titleType": "Subtitle"},
              {"title": "Other name", "titleType": "AlternativeTitle"},
              {"title": "Übersetzt", "titleType": "TranslatedTitle", "lang": "de"}]
    found = _ris(titles=titles)
    assert not [v for t, v in found if t == "ST"]
    assert ("TI", "Main: Sub") in found
    assert [v for t, v in found if t == "TT"] == ["Principal", "Übersetzt"]
    assert ("N1", "Alternative title: Other name") in found


def test_issn_of_the_journal_goes_to_sn() -> None:
    """RIS specification: SN is the ISSN/ISBN (bolognese takes it from IsPartOf)."""
    related = [{"relatedIdentifier": "0000-1111", "relatedIdentifierType": "ISSN",
                "relationType": "IsPartOf"}]
    assert ("SN", "0000-1111") in _ris(relatedItems=[], relatedIdentifiers=related)
