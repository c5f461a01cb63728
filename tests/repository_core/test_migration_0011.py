"""Revision 0011 gives PostgreSQL's planner the most common (field, num) pairs of query_terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from repository_core.migrate import alembic_config
from repository_core.search import search
from tests.repository_core.migration_support import insert_live_record, upgraded_from

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


def _statistics(connection: Connection) -> list[tuple[str, int]]:
    return [(name, int(target)) for name, target in connection.execute(text(
        "SELECT s.stxname, s.stxstattarget FROM pg_statistic_ext s "
        "JOIN pg_class c ON c.oid = s.stxrelid "
        "WHERE c.relname = 'query_terms' AND c.relnamespace = s.stxnamespace "
        "AND s.stxnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
        "ORDER BY s.stxname"))]


def test_upgrade_adds_the_statistics_and_searches_find_the_same(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0010", _records_at_0010)
    postgres = blank_engine.dialect.name == "postgresql"
    if postgres:
        with blank_engine.connect() as connection:
            assert (NAME, 300) in _statistics(connection)
            # gathered by the migration: the planner has the pairs now
            assert connection.execute(text(
                "SELECT count(*) FROM pg_stats_ext WHERE statistics_name = :n "
                "AND schemaname = current_schema() AND most_common_vals IS NOT NULL"),
                {"n": NAME}).scalar_one() == 1
    with Session(blank_engine) as session:
        found = search(session, "publicationYear:[2020 TO 2022]", size=10, facets=False)
    assert [r.id for r in found.hits] == ["r4", "r3", "r2"]
    assert found.total == 3

    cfg = alembic_config()  # downgrade removes them (and nothing else)
    with blank_engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0010")
    if postgres:
        with blank_engine.connect() as connection:
            assert [name for name, _ in _statistics(connection)] == ["st_query_terms_field_term"]
