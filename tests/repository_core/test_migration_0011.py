"""Revision 0011 gives PostgreSQL's planner the most common (field, num) pairs of query_terms."""

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
NAME = "st_query_terms_field_num"


def _records_at_0010(connection: Connection) -> None:
    """Six records with their query_terms rows, as 0010 stored them."""
    for i in range(6):
        year = 2018 + i
        insert_live_record(connection, f"r{i}", STAMP + timedelta(days=i),
                           {"titles": [{"title": f"record {i}"}], "publicationYear": str(year)})
        connection.execute(
            text("INSERT INTO query_terms (record_id, field, ord, pos, term, num, raw) "
                 "VALUES (:id, 'publicationYear', 0, 0, NULL, :year, NULL), "
                 "(:id, '_title_sort', 0, 0, :title, NULL, NULL)"),
            {"id": f"r{i}", "year": year, "title": f"record {i}"})


def test_upgrade_adds_the_statistics_and_searches_find_the_same(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0010", _records_at_0010)
    postgres = blank_engine.dialect.name == "postgresql"
    if postgres:  # gathered by the migration, up to 300 pairs
        assert planner_statistics(blank_engine)[NAME] == (300, True)
    with Session(blank_engine) as session:
        found = search(session, "publicationYear:[2020 TO 2022]", size=10, facets=False)
    assert [r.id for r in found.hits] == ["r4", "r3", "r2"]
    assert found.total == 3

    downgraded_to(blank_engine, "0010")  # downgrade removes them (and nothing else)
    if postgres:
        assert list(planner_statistics(blank_engine)) == ["st_query_terms_field_term"]
