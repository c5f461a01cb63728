"""Revision 0008 gives PostgreSQL's planner statistics of query_terms' (field, term) pairs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from repository_core.search import search
from tests.repository_core.migration_support import (
    downgraded_to,
    insert_live_record,
    planner_statistics,
    upgraded_from,
)

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NAME = "st_query_terms_field_term"


def _records_at_0007(connection: Connection) -> None:
    """Six records with their query_terms rows, as 0007 stored them."""
    for i in range(6):
        stamp = STAMP + timedelta(days=i)
        kind = "Dataset" if i % 2 else "Software"
        insert_live_record(connection, f"r{i}", stamp, {"titles": [{"title": f"record {i}"}],
                                                        "types": {"resourceTypeGeneral": kind}})
        connection.execute(
            text("INSERT INTO query_terms (record_id, field, ord, pos, term, num, raw) "
                 "VALUES (:id, 'types.resourceTypeGeneral', 0, 0, :term, NULL, :raw), "
                 "(:id, '_title_sort', 0, 0, :title, NULL, NULL)"),
            {"id": f"r{i}", "term": kind.lower(), "raw": kind, "title": f"record {i}"})


def test_upgrade_adds_the_statistics_and_searches_find_the_same(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0007", _records_at_0007)
    postgres = blank_engine.dialect.name == "postgresql"
    if postgres:  # gathered by the migration: the planner has the pairs now
        assert planner_statistics(blank_engine)[NAME] == (-1, True)  # (0011 adds another)
    with Session(blank_engine) as session:
        found = search(session, "types.resourceTypeGeneral:Dataset", size=10, facets=False)
    assert [r.id for r in found.hits] == ["r5", "r3", "r1"]
    assert found.total == 3

    downgraded_to(blank_engine, "0007")  # downgrade removes them (and nothing else)
    if postgres:
        assert planner_statistics(blank_engine) == {}
