"""The in-memory and SQL evaluators agree, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from repository_core.models import RecordRow
from repository_core.query import matches, parse_query, to_sql
from repository_core.query import sql as query_sql
from repository_core.query.sql import index_record_terms, sparse_fields
from repository_core.query.tree import Exists, walk
from repository_core.records import Record

from .corpus import CORPUS, QUERIES, queries, records

#: generated examples per database; raise it for a long hunt (600 found nothing)
EXAMPLES = int(os.environ.get("OAISERVER_TEST_QUERY_EXAMPLES", "60"))


def _store(session: Session, recs: Sequence[Record]) -> None:
    session.execute(insert(RecordRow), [
        {"id": r.id, "doi": r.doi.lower() if r.doi else None, "metadata_json": r.metadata,
         "collections": list(r.collections), "created": r.created,
         "datestamp": r.datestamp, "revision": 1, "deleted": False} for r in recs
    ])
    for r in recs:
        index_record_terms(session, r, None)


def _sql_ids(session: Session, query: str, among: Sequence[Record] = CORPUS, *,
             probe: bool = False) -> set[str]:
    ids = [r.id for r in among]
    stmt = select(RecordRow.id).where(to_sql(parse_query(query), probe=probe),
                                      RecordRow.id.in_(ids))
    return set(session.execute(stmt).scalars())


def _exists_fields(query: str) -> set[str]:
    return {n.field for n in walk(parse_query(query)) if isinstance(n, Exists)}


def _memory_ids(recs: Sequence[Record], query: str) -> set[str]:
    tree = parse_query(query)
    return {r.id for r in recs if matches(tree, r)}


@pytest.fixture(scope="module")
def corpus_session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as session:
        _store(session, CORPUS)
        session.commit()
        yield session


@pytest.mark.parametrize("query", QUERIES)
def test_corpus_query_agrees(corpus_session: Session, query: str) -> None:
    assert _sql_ids(corpus_session, query) == _memory_ids(CORPUS, query)


@pytest.mark.parametrize("query", QUERIES)
def test_corpus_query_probing_each_record_agrees(corpus_session: Session, query: str) -> None:
    assert _sql_ids(corpus_session, query, probe=True) == _memory_ids(CORPUS, query)


def test_corpus_queries_are_not_trivial() -> None:
    """Most shapes select some but not all records (else agreement proves little)."""
    sizes = [len(_memory_ids(CORPUS, q)) for q in QUERIES]
    informative = [s for s in sizes if 0 < s < len(CORPUS)]
    assert len(informative) >= 0.8 * len(QUERIES)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(recs=records(), query_list=st.lists(queries(), min_size=1, max_size=4))
def test_generated_queries_agree(db_engine: Engine, recs: list[Record],
                                 query_list: list[str]) -> None:
    with db_engine.connect() as conn:
        tx = conn.begin()
        try:
            session = Session(bind=conn)
            _store(session, recs)
            session.flush()
            for query in query_list:
                expected = _memory_ids(recs, query)
                assert _sql_ids(session, query, recs) == expected, query
                assert _sql_ids(session, query, recs, probe=True) == expected, query
        finally:
            tx.rollback()


EXISTS_QUERIES = [q for q in QUERIES if _exists_fields(q)]


@pytest.mark.parametrize("query", EXISTS_QUERIES)
def test_exists_read_whole_agrees(corpus_session: Session, query: str) -> None:
    """``_exists_`` over a sparse field reads the field's rows once, elsewhere it
    probes each record: both forms give the in-memory answer."""
    ids = [r.id for r in CORPUS]
    stmt = select(RecordRow.id).where(
        to_sql(parse_query(query), sparse=_exists_fields(query)), RecordRow.id.in_(ids))
    assert set(corpus_session.execute(stmt).scalars()) == _memory_ids(CORPUS, query)


def test_sparse_fields_are_those_with_few_rows(corpus_session: Session,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tree = parse_query("_exists_:titles.title OR _exists_:version OR NOT _exists_:language "
                       "OR _exists_:created")
    assert sparse_fields(corpus_session, tree) == {"titles.title", "version", "language"}
    monkeypatch.setattr(query_sql, "SPARSE_FIELD_ROWS", 3)
    # the corpus's titles are 32 tokens, its languages 5 values, one record has a version
    assert sparse_fields(corpus_session, tree) == {"version"}
