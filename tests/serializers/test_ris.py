"""DataCite -> RIS: tag table, one tag per line, ER-terminated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from serializers.ris import dump
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record

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
    ("title", "TI", "Deep water temperatures"),
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
    ("rightsURI", "C5", "https://creativecommons.org/licenses/by/4.0/"),
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
