"""Revision 0014: on PostgreSQL with the ``rum`` extension, search_documents gains
a RUM index of its vectors, and a search by relevance of one word matched by
more records than it counts walks the word's documents in that index's
order; downgraded, the index is gone and the same search ranks through the
GIN index, with the same answers. SQLite: nothing changes.

``oaiserver db upgrade`` adds the index at the head as well, so that an
installation whose extension came after the migration gets it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from repository_core.migrate import upgrade
from repository_core.search import search
from repository_core.search.rank_index import RANK_INDEX
from tests.databases import require_rum
from tests.repository_core.migration_support import (
    downgraded_to,
    insert_titled_records,
    upgraded_from,
)
from tests.repository_core.query.walk_support import spy_on_walk

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: record -> its title: 'ice' up to three times; ids not in the order written
TITLES = {"r5": "ice", "r3": "ice ice", "r4": "ice ice ice", "r1": "ice", "r2": "ice",
          "r0": "sea"}


def _records_at_0013(connection: Connection) -> None:
    """Six records, their title tokens and full-text documents, as 0013 stored them."""
    insert_titled_records(connection, TITLES, STAMP, full_text_rows=True)


def _index_present(engine: Engine) -> bool:
    if engine.dialect.name == "sqlite":
        return False
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT to_regclass('{RANK_INDEX}') IS NOT NULL")).scalar_one()


def _ranked(engine: Engine) -> list[str]:
    """The hits of 'ice' by relevance, counting at most two matches (so that
    PostgreSQL walks: five match)."""
    engine.dispose()  # connections forget what they knew of the index
    with Session(engine) as session:
        page = search(session, "ice", size=4, facet_hits=4, track_total=2)
        return [r.id for r in page.hits]


def test_upgrade_adds_the_index_the_walk_reads(blank_engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    postgres = blank_engine.dialect.name == "postgresql"
    if postgres:
        require_rum()
    upgraded_from(blank_engine, "0013", _records_at_0013)
    assert _index_present(blank_engine) == postgres
    walked, _ = spy_on_walk(monkeypatch, "_walk_rank_index")
    # the most 'ice' first; ties ('ice' once: r1, r2, r5) by record id
    expected = ["r4", "r3", "r1", "r2"]
    assert _ranked(blank_engine) == expected
    assert walked == ([True] if postgres else [])

    downgraded_to(blank_engine, "0013")
    assert not _index_present(blank_engine)
    walked.clear()
    assert _ranked(blank_engine) == expected
    assert walked == []

    if postgres:  # at the head again without the index: ``db upgrade`` makes it
        upgrade(blank_engine)
        with blank_engine.begin() as conn:
            conn.execute(text(f"DROP INDEX {RANK_INDEX}"))
        upgrade(blank_engine)
        assert _index_present(blank_engine)
