"""Revision 0007 adds the two indexes of records that searches read instead of rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.orm import Session

from repository_core.search import search
from tests.repository_core.migration_support import downgraded_to, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
INDEXES = {"ix_records_deleted_created_id", "ix_records_id_deleted_created"}


def _records_at_0004(connection: Connection) -> None:
    """Three live records and a tombstone, as 0004 stored them."""
    for i in range(4):
        stamp = (STAMP + timedelta(days=i)).replace(tzinfo=None)
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted) VALUES (:id, NULL, :md, '[]', :t, :t, 1, :deleted)"),
            {"id": f"r{i}", "t": stamp, "deleted": i == 2,
             "md": json.dumps({"titles": [{"title": f"record {i}"}]})})


def _indexes(engine: Engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("records") if ix["name"]}


def test_upgrade_adds_the_index_and_searches_keep_their_order(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0004", _records_at_0004)
    assert INDEXES <= _indexes(blank_engine)
    with Session(blank_engine) as session:
        newest = search(session, None, sort="newest", size=10, facets=False)
        oldest = search(session, None, sort="oldest", size=10, facets=False)
    assert [r.id for r in newest.hits] == ["r3", "r1", "r0"]
    assert [r.id for r in oldest.hits] == ["r0", "r1", "r3"]
    assert newest.total == 3

    downgraded_to(blank_engine, "0004")  # downgrade removes exactly those indexes
    assert not INDEXES & _indexes(blank_engine)
    assert "ix_records_datestamp_id" in _indexes(blank_engine)
