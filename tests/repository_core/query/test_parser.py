"""The language: what parses, what is refused (with the position), what means what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import repository_core.query as query_pkg
from repository_core.errors import InvalidQuery
from repository_core.query import matches, parse_query
from repository_core.query.fields import FIELDS, date_interval, extract, to_micros
from repository_core.query.tree import And, Exists, Interval, MatchAll, Not, Or, Phrase, Term

from .corpus import make_record

REFUSED = [
    ("", 0),
    ("colour:red", 0),
    ("language:en AND colour:red", 16),
    ("titles.title:(climate", 21),
    ("language:en AND", 15),
    ("titles.title:*mate", 13),
    ("titles.title:?limate", 13),
    ("publicationYear:20*", 16),
    ("publicationYear:twenty", 16),
    ("created:2021-13", 8),
    ("titles.title:clim~", 13),
    ('titles.title:"a b"~2', 13),
    ("titles.title:/clim.*/", 13),
    ("language:(en OR titles.title:x)", 16),
    ("[a TO b]", 0),
    ("titles.title:--", 15),
    ('titles.title:"--"', 13),
    ("_exists_:nothing", 9),
    ("titles.title:clim-*", 13),
]


@pytest.mark.parametrize(("query", "position"), REFUSED)
def test_refused_with_position(query: str, position: int) -> None:
    with pytest.raises(InvalidQuery) as info:
        parse_query(query)
    assert info.value.position == position, str(info.value)
    assert info.value.query == query


def test_set_queries_refuse_datestamp() -> None:
    parse_query("datestamp:>2020")
    with pytest.raises(InvalidQuery):
        parse_query("datestamp:>2020", for_sets=True)


@pytest.mark.parametrize(("query", "tree"), [
    ("language:EN", Term("language", "en")),
    ('titles.title:"Climate  Change"', Phrase("titles.title", ("climate", "change"))),
    ("titles.title:x-ray", Phrase("titles.title", ("x", "ray"))),
    ('subjects.subject:"Climate  Change"', Term("subjects.subject", "climate change")),
    ("a b", And((Term("_text", "a"), Term("_text", "b")))),
    ("a OR -b", Or((Term("_text", "a"), Not(Term("_text", "b"))))),
    ("+a", Term("_text", "a")),
    ("*", MatchAll()),
    ("*:*", MatchAll()),
    ("language:*", Exists("language")),
    ("publicationYear:[* TO *]", Exists("publicationYear")),
    ("publicationYear:2021", Interval("publicationYear", 2021, 2022)),
    ("publicationYear:>2021", Interval("publicationYear", 2022, None)),
    ("publicationYear:<=2021", Interval("publicationYear", None, 2022)),
    ("language:(en OR de)", Or((Term("language", "en"), Term("language", "de")))),
    ("language:en^3", Term("language", "en")),
])
def test_trees(query: str, tree: object) -> None:
    assert parse_query(query) == tree


def test_date_intervals() -> None:
    def micros(*args: int) -> int:
        return to_micros(datetime(*args, tzinfo=UTC))  # type: ignore[misc]

    assert date_interval("2021") == (micros(2021, 1, 1), micros(2022, 1, 1))
    assert date_interval("2021-02") == (micros(2021, 2, 1), micros(2021, 3, 1))
    assert date_interval("2021-12-31") == (micros(2021, 12, 31), micros(2022, 1, 1))
    assert date_interval("2021-05-03T10:00+02:00") == (micros(2021, 5, 3, 8),
                                                        micros(2021, 5, 3, 8, 1))
    assert date_interval("2021-02-30") is None
    assert date_interval("yesterday") is None


def test_semantics() -> None:
    r = make_record(1, {
        "titles": [{"title": "Climate"}, {"title": "change of the Straße"}],
        "subjects": [{"subject": "Climate Change"}],
        "types": {"resourceTypeGeneral": "Dataset"},
        "publicationYear": "2021",
    })
    yes = ["titles.title:CLIMATE", "titles.title:strasse", 'titles.title:"change of"',
           'subjects.subject:"climate change"', "subjects.subject:climate*",
           "subjects.subject:*change", "climate", '"climate change"',
           "types.resourceTypeGeneral:DataSet", "publicationYear:[2021 TO 2021]",
           "created:2024"]
    no = ['titles.title:"climate change"',      # a phrase never spans two values
          "subjects.subject:climate",            # a keyword matches whole values
          "subjects.subject:clim",
          "publicationYear:{2021 TO 2022]", "publicationYear:<2021"]
    for q in yes:
        assert matches(parse_query(q), r), q
    for q in no:
        assert not matches(parse_query(q), r), q


def test_field_list_is_one_place() -> None:
    assert {"types.resourceTypeGeneral", "creators.affiliation.name", "subjects.subject",
            "publicationYear", "language", "titles.title", "collections", "doi", "datestamp",
            "id"} <= set(FIELDS)
    doc = extract(make_record(2, {"publicationYear": 2020, "language": " EN "}))
    assert doc["publicationYear"] == (2020,) and doc["language"] == ("en",)


def test_public_api() -> None:
    for name in query_pkg.__all__:
        assert hasattr(query_pkg, name)
