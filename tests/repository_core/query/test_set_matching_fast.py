"""The batch set matcher says what ``matches`` says, query by query, record by record.

:class:`~repository_core.query.memory.BatchMatcher` looks plain term queries
up by field and value instead of evaluating them; these tests compare its
answer with :func:`~repository_core.query.memory.matches` for every query of
many lists over hand-made, generated and synthetic records, and check the
batch write hook against the same evaluation.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fixtures.synthetic import RESOURCE_TYPES_GENERAL, generate
from repository_core.errors import InvalidQuery
from repository_core.models import MembershipRow
from repository_core.query import matches, memory, parse_query
from repository_core.query.fields import extract
from repository_core.query.memory import BatchMatcher, Prepared, prepare
from repository_core.query.tree import Interval, Node, Or, Term
from repository_core.records import Record
from repository_core.service import RecordService
from repository_core.sets import SetMembershipHook, create_set, set_query_tree

from .corpus import CORPUS, QUERIES, make_record, queries, records

TITLE_WORDS = ["arctic", "ocean", "climate", "data", "model", "river", "soil", "gene", "survey"]
CREATOR_NAMES = ["campbell", "smith", "garcia", "muller", "wang", "kim", "novak", "rossi"]

#: what set queries look like, and the edges of the look-up: keyword case and
#: spaces, text words and phrases, numbers and dates, envelope fields, ORs
#: (nested, mixed with what is not looked up), wildcards, missing fields
EDGE_QUERIES = [
    *(f"publicationYear:{y}" for y in range(1995, 2026)),
    *(f"types.resourceTypeGeneral:{t}" for t in RESOURCE_TYPES_GENERAL),
    *(f"titles.title:{w}" for w in TITLE_WORDS),
    *(f"creators.name:{n}" for n in CREATOR_NAMES),
    "types.resourceTypeGeneral:DATASET",
    'types.resourceTypeGeneral:"  data set "',
    'types.resourceTypeGeneral:"Dataset"',
    "types.resourceType:*",
    "types.resourceTypeGeneral:Data*",
    "types.resourceTypeGeneral:?ataset",
    "language:EN",
    "language:en OR language:de",
    "language:en OR (language:de OR (language:fr OR language:ja))",
    "language:en OR titles.title:climate",
    "language:en OR titles.title:\"climate change\"",
    "language:en OR titles.title:clim*",
    "language:en OR NOT language:de",
    "language:en AND titles.title:climate",
    "titles.title:climate-change",
    "titles.title:\"Climate Change\"",
    "titles.title:CLIMATE",
    "titles.title:café",
    "titles.title:strasse",
    "titles.title:Straße",
    "climate",
    "ocean OR café",
    "publicationYear:[2000 TO 2010]",
    "publicationYear:>2015",
    "publicationYear:<=2000",
    "publicationYear:2019 OR publicationYear:2020",
    "publicationYear:2019 OR types.resourceTypeGeneral:Software",
    "versions.index:1",
    "versions.index:2 OR versions.is_latest:true",
    "versions.is_latest:TRUE",
    "created:2024",
    "created:2024-03-01",
    "dates.date:2020",
    "collections:earth OR collections:Earth",
    "collections:test-set",
    "doi:10.1234/ABC-1",
    "fundingReferences.awardNumber:x",
    "_exists_:language",
    "NOT _exists_:subjects.subject",
    "subjects.subject:\"ice cores\"",
    "subjects.subject:climate*",
    "creators.affiliation.name:\"university of oslo\"",
    "*",
]


def _expected(trees: list[Node], record: Any) -> set[int]:
    doc = prepare(extract(record) if isinstance(record, Record) else record)
    return {i for i, tree in enumerate(trees) if matches(tree, doc)}


def _actual(trees: list[Node], record: Any) -> set[int]:
    return BatchMatcher(trees).matching(extract(record) if isinstance(record, Record) else record)


def _synthetic(count: int, seed: int) -> list[Record]:
    return [make_record(i, r["metadata"], tuple(r["collections"]), i, prefix=f"s{seed}-")
            for i, r in enumerate(generate(count, seed=seed))]


def test_the_edge_queries_on_the_corpus_and_synthetic_records() -> None:
    trees = [parse_query(q) for q in EDGE_QUERIES + QUERIES]
    matcher = BatchMatcher(trees)
    seen: set[int] = set()
    for record in CORPUS + _synthetic(300, seed=7):
        doc = extract(record)
        expected = _expected(trees, doc)
        assert matcher.matching(doc) == expected, record.id
        seen |= expected
    # the comparison means something: most queries match some record
    assert len(seen) > len(trees) * 2 // 3


def test_the_benchmark_sets_are_looked_up_not_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    trees = [parse_query(q) for q in EDGE_QUERIES[:60]]
    records = _synthetic(100, seed=3)
    expected = [_expected(trees, r) for r in records]

    def no_evaluation(node: Node, doc: Prepared) -> bool:
        raise AssertionError(f"evaluated {node!r}")

    monkeypatch.setattr(memory, "_eval", no_evaluation)
    matcher = BatchMatcher(trees)
    assert [matcher.matching(extract(r)) for r in records] == expected
    assert any(expected)


def test_what_is_not_looked_up_is_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluated: list[Node] = []
    real = memory._eval

    def counting(node: Node, doc: Prepared) -> bool:
        evaluated.append(node)
        return real(node, doc)

    monkeypatch.setattr(memory, "_eval", counting)
    wildcard = parse_query("types.resourceTypeGeneral:Data*")
    mixed = parse_query("language:en OR titles.title:\"climate change\"")
    BatchMatcher([parse_query("language:en"), wildcard, mixed]).matching(extract(CORPUS[0]))
    assert wildcard in evaluated and mixed in evaluated


@pytest.mark.parametrize("values", [
    (2019,), (2018, 2019), (2020,), (), (2019.5,), (2019.0,), (True,), (1, 2019.25),
])
def test_numbers_not_as_extract_gives_them_are_compared_as_intervals(
        values: tuple[Any, ...]) -> None:
    trees: list[Node] = [
        Interval("publicationYear", 2019, 2020), Interval("publicationYear", 1, 2),
        Or((Interval("publicationYear", 2018, 2019), Term("language", "en"))),
        Interval("publicationYear", 2019, 2021),
    ]
    doc = {"publicationYear": values, "language": ("de",)}
    assert _actual(trees, doc) == _expected(trees, doc)


def test_same_query_twice_and_an_empty_or() -> None:
    trees: list[Node] = [parse_query("language:en"), parse_query("language:en"), Or(()),
                         Or((Term("language", "en"), Term("language", "en")))]
    doc = extract(CORPUS[0])
    assert _actual(trees, doc) == _expected(trees, doc) == {0, 1, 3}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.lists(queries(), min_size=1, max_size=12))
def test_generated_queries_and_records(recs: list[Record], texts: list[str]) -> None:
    trees = []
    for text in texts:
        try:
            trees.append(parse_query(text))
        except InvalidQuery:
            continue
    matcher = BatchMatcher(trees)
    for record in recs:
        doc = extract(record)
        assert matcher.matching(doc) == _expected(trees, doc)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(EDGE_QUERIES), min_size=1, max_size=8), st.integers(0, 10_000))
def test_ors_of_set_queries(texts: list[str], seed: int) -> None:
    rng = random.Random(seed)
    trees: list[Node] = [parse_query(t) for t in texts]
    while len(trees) > 1 and rng.random() < 0.7:
        a, b = trees.pop(rng.randrange(len(trees))), trees.pop(rng.randrange(len(trees)))
        trees.append(Or((a, b)))
    matcher = BatchMatcher(trees)
    for record in CORPUS:
        doc = extract(record)
        assert matcher.matching(doc) == _expected(trees, doc)


SPECS_AND_QUERIES = {
    "a": "types.resourceTypeGeneral:Dataset",
    "a:b": "titles.title:climate OR titles.title:ocean",
    "a:b:c": "publicationYear:2021",
    "d:e": "language:EN OR collections:earth",
    "f": "titles.title:clim*",
    "g": "publicationYear:[2000 TO 2015]",
    "h": "creators.name:smith",
}


@pytest.mark.parametrize("fresh_engine", ["sqlite"], indirect=True)
def test_the_batch_hook_writes_what_matches_says(fresh_engine: Engine) -> None:
    service = RecordService(fresh_engine, validate=lambda md, **kw: [],
                            hooks=[SetMembershipHook()])
    with service.transaction() as session:
        for spec, query in SPECS_AND_QUERIES.items():
            create_set(session, spec, name=spec, query=query)
    metadata = [r["metadata"] for r in generate(60, seed=5)] + [r.metadata for r in CORPUS]
    prepared = [service.prepare(md, collections=("earth",) if i % 3 else ())
                for i, md in enumerate(metadata)]
    with service.transaction() as session:
        stored = service.create_many(prepared, session)
    assert all(isinstance(r, Record) for r in stored)
    expected: set[tuple[str, str]] = set()
    for record in stored:
        assert isinstance(record, Record)
        for spec in SPECS_AND_QUERIES:
            trees = [set_query_tree(q) for s, q in SPECS_AND_QUERIES.items()
                     if s == spec or s.startswith(spec + ":")]
            if matches(Or(tuple(trees)), record):
                expected.add((spec, record.id))
    with Session(fresh_engine) as session:
        rows = session.execute(select(MembershipRow.set_spec, MembershipRow.record_id,
                                      MembershipRow.member)).all()
    assert all(member for _, _, member in rows)
    assert {(s, rid) for s, rid, _ in rows} == expected
    assert len({s for s, _ in expected}) >= 5
    assert not any(s == "d" for s, _ in expected)  # not defined: no rows of its own
