"""Query limits: every hostile shape is refused by name, and nothing within them is."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repository_core.errors import InvalidQuery, QueryTooComplex
from repository_core.query import DEFAULT_LIMITS, QueryLimits, parse_query
from repository_core.query.limits import check_tree, scan
from repository_core.query.parser import MAX_QUERY_LENGTH

from .corpus import QUERIES, queries

PHRASE = " ".join(f"w{i}" for i in range(65))

HOSTILE = [
    ("(" * 1000 + "climate" + ")" * 1000, "max_depth", 32),
    ("NOT " * 2000 + "climate", "max_depth", 32),
    ("-" * 5000 + "climate", "max_depth", 32),
    ("+" * 5000 + "climate", "max_depth", 32),
    ("!" * 5000 + "climate", "max_depth", 32),
    ("- + " * 1000 + "climate", "max_depth", 32),
    ("titles.title:(" * 40 + "x" + ")" * 40, "max_depth", 32),
    (" ".join(["climate"] * 500), "max_clauses", 128),
    (" OR ".join(f"subjects.subject:s{i}" for i in range(129)), "max_clauses", 128),
    (" AND ".join(f"publicationYear:[{i} TO {i + 1}]" for i in range(200)), "max_clauses", 128),
    ('"' + " ".join(["word"] * 129) + '"', "max_phrase_words", 128),
    ("titles.title:" + "-".join(["x"] * 300), "max_phrase_words", 128),
    (" OR ".join(["subjects.subject:*a*a*a*a*a*a*c"] * 9), "max_wildcards", 8),
]


@pytest.mark.parametrize(("query", "limit", "value"), HOSTILE)
@pytest.mark.parametrize("for_sets", [False, True])
def test_hostile_queries_name_the_limit(query: str, limit: str, value: int,
                                        for_sets: bool) -> None:
    assert len(query) <= MAX_QUERY_LENGTH
    with pytest.raises(QueryTooComplex) as caught:
        parse_query(query, for_sets=for_sets)
    exc = caught.value
    assert (exc.limit, exc.value) == (limit, value)
    assert exc.found > value
    assert isinstance(exc, InvalidQuery)  # one except catches every query error
    assert str(value) in str(exc)


AT_THE_LIMITS = [
    "(" * 31 + "climate" + ")" * 31,                      # 31 groups and a word: 32 levels
    "NOT " * 31 + "climate",
    " ".join(["climate"] * 128),
    " OR ".join(f"subjects.subject:s{i}" for i in range(128)),
    '"' + " ".join(["word"] * 128) + '"',
    " OR ".join(["subjects.subject:*a*a*a*a*a*a*c"] * 8),
    PHRASE,
]


@pytest.mark.parametrize("query", AT_THE_LIMITS)
def test_queries_at_the_limits_parse(query: str) -> None:
    parse_query(query)


@pytest.mark.parametrize(("query", "depth"), [
    ("climate", 1),
    ("titles.title:climate", 2),
    ("a AND b", 2),
    ("(a OR b) AND NOT (c OR d)", 5),
    ("titles.title:(a OR b)", 4),
    ("-(-(a))", 5),
])
def test_depth_is_exact(query: str, depth: int) -> None:
    parse_query(query, limits=QueryLimits(max_depth=depth))
    with pytest.raises(QueryTooComplex) as caught:
        parse_query(query, limits=QueryLimits(max_depth=depth - 1))
    assert caught.value.limit == "max_depth"


@pytest.mark.parametrize(("query", "clauses"), [
    ("a", 1),
    ("a b OR c", 3),
    ('titles.title:"a b c" AND publicationYear:[2000 TO 2010] _exists_:doi', 3),
    ("subjects.subject:(a OR b OR c) NOT d", 4),
    ("publicationYear:>=2000 AND created:<2020", 2),
])
def test_clause_count_is_exact(query: str, clauses: int) -> None:
    parse_query(query, limits=QueryLimits(max_clauses=clauses))
    with pytest.raises(QueryTooComplex) as caught:
        parse_query(query, limits=QueryLimits(max_clauses=clauses - 1))
    assert caught.value.limit == "max_clauses"


def test_wildcard_and_phrase_limits_are_exact() -> None:
    query = 'titles.title:clim* OR subjects.subject:*ocean* OR "a b c"'
    parse_query(query, limits=QueryLimits(max_wildcards=2, max_phrase_words=3))
    with pytest.raises(QueryTooComplex, match="more than 1 wildcard"):
        parse_query(query, limits=QueryLimits(max_wildcards=1))
    with pytest.raises(QueryTooComplex, match="phrase of more than 2 words"):
        parse_query(query, limits=QueryLimits(max_phrase_words=2))


@pytest.mark.parametrize("query", QUERIES)
def test_the_scan_never_refuses_what_the_tree_accepts(query: str) -> None:
    """The raw-string scan is a lower bound: tight limits from the exact check pass it."""
    from luqum.thread import parse as luqum_parse

    syntax = luqum_parse(query)
    for depth in range(1, 40):
        try:
            check_tree(syntax, query, QueryLimits(max_depth=depth))
        except QueryTooComplex:
            continue
        scan(query, QueryLimits(max_depth=depth))  # must not raise
        break


@settings(max_examples=200, deadline=None)
@given(query=queries())
def test_generated_queries_pass_the_scan_when_the_tree_does(query: str) -> None:
    from luqum.exceptions import IllegalCharacterError, ParseError
    from luqum.thread import parse as luqum_parse

    try:
        syntax = luqum_parse(query)
    except (IllegalCharacterError, ParseError):
        return
    for depth in range(1, 40):
        try:
            check_tree(syntax, query, QueryLimits(max_depth=depth, max_clauses=10_000))
        except QueryTooComplex:
            continue
        scan(query, QueryLimits(max_depth=depth, max_clauses=10_000))
        break


def test_defaults_are_one_value() -> None:
    assert DEFAULT_LIMITS == QueryLimits()
    assert (DEFAULT_LIMITS.max_depth, DEFAULT_LIMITS.max_clauses,
            DEFAULT_LIMITS.max_phrase_words, DEFAULT_LIMITS.max_wildcards) == (32, 128, 128, 8)


# -- wildcards in memory: no backtracking -----------------------------------

def _segments(query: str) -> tuple[tuple[str, str], ...]:
    from repository_core.query.tree import Wildcard

    node = parse_query(query)
    assert isinstance(node, Wildcard)
    return node.segments


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("*a*a*a*a*a*a*c", "a" * 511 + "b", False),
    ("*a*a*a*a*a*a*c*", "a" * 512, False),
    ("*a*a*a*a*a*a*c", "a" * 511 + "c", True),
    ("*a?a*a?a*a*c*", "ab" * 256, False),
    ("a*?*?*?*?*?*?*?*?*b", "a" * 512, False),
])
def test_wildcards_in_memory_are_linear(pattern: str, value: str, expected: bool) -> None:
    from repository_core.query.glob import Steps, glob_match

    segments = _segments("subjects.subject:" + pattern)
    steps = Steps()
    assert glob_match(segments, value, steps) is expected
    # at most one pass over the value per piece of the pattern
    pieces = pattern.count("*") + 1
    assert steps.count <= pieces * (len(value) + len(pattern))


def test_placing_a_record_with_a_hostile_set_query_is_linear() -> None:
    """The set placement path (``matches``) uses the same matcher."""
    from repository_core.query import matches

    from .corpus import make_record

    tree = parse_query("subjects.subject:*a*a*a*a*a*a*c")
    record = make_record(1, {"subjects": [{"subject": "a" * 512}]})
    assert matches(tree, record) is False
    record = make_record(2, {"subjects": [{"subject": "a" * 500 + "c"}]})
    assert matches(tree, record) is True


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab*?", min_size=1, max_size=8),
       value=st.text(alphabet="ab", max_size=10))
def test_glob_agrees_with_a_regular_expression(pattern: str, value: str) -> None:
    import re

    from repository_core.query.glob import glob_match
    from repository_core.query.tree import ONE, STAR

    segments = tuple((STAR, "*") if c == "*" else (ONE, "?") if c == "?" else ("lit", c)
                     for c in pattern)
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    assert glob_match(segments, value) is bool(re.fullmatch(regex, value, re.DOTALL))
