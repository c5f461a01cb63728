"""Revision 0013: on SQLite search_documents gains an index of (doc_id, record_id),
which the walk by relevance names; a search by bare words answers as before
(PostgreSQL: no index, no walk, the same answers)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from repository_core.search import search
from tests.repository_core.migration_support import (
    downgraded_to,
    insert_titled_records,
    upgraded_from,
)
from tests.repository_core.query.walk_support import spy_on_walk

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: record -> its title: 'ice' once, twice, three times, or not at all
TITLES = {"r0": "ice", "r1": "ice ice", "r2": "ice ice ice", "r3": "sea"}


def _records_at_0012(connection: Connection) -> None:
    """Four records, their title tokens and full-text documents, as 0012 stored them."""
    insert_titled_records(connection, TITLES, STAMP)


def _index_present(engine: Engine) -> bool:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                      "AND name = 'ix_search_documents_doc_record'"))
        else:
            found = conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname = "
                                      "'ix_search_documents_doc_record' AND schemaname = "
                                      "current_schema()"))
        return bool(found.scalar_one())


def _ranked(engine: Engine) -> list[str]:
    """The hits of 'ice' by relevance, the top two wanted (so that SQLite walks)."""
    with Session(engine) as session:
        return [r.id for r in search(session, "ice", size=1, facet_hits=2).hits]


def test_upgrade_adds_the_index_the_walk_reads(blank_engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    upgraded_from(blank_engine, "0012", _records_at_0012)
    sqlite = blank_engine.dialect.name == "sqlite"
    assert _index_present(blank_engine) == sqlite
    walked, _ = spy_on_walk(monkeypatch)
    assert _ranked(blank_engine) == ["r2"]  # the most 'ice', by bm25 and by ts_rank
    assert walked == ([True] if sqlite else [])  # it names the index: it would fail without

    downgraded_to(blank_engine, "0012")
    assert not _index_present(blank_engine)
