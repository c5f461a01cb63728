"""Revision 0010: query_terms' (field, num) index holds only the rows with a number;
ranges and number facets answer as before, through it; the foreign key stays on SQLite only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.orm import Session

from repository_core.search import search
from tests.repository_core.migration_support import downgraded_to, insert_live_record, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
YEARS = [2001, 2005, 2005, 2019]


def _records_at_0009(connection: Connection) -> None:
    """Four records with a title token and a publication year, as 0009 stored them."""
    for i, year in enumerate(YEARS):
        stamp = STAMP + timedelta(days=i)
        insert_live_record(connection, f"r{i}", stamp,
                           {"titles": [{"title": "ice"}], "publicationYear": str(year)})
        connection.execute(
            text("INSERT INTO query_terms (record_id, field, ord, pos, term, num, raw) VALUES "
                 "(:id, 'titles.title', 0, 0, 'ice', NULL, NULL), "
                 "(:id, 'publicationYear', 0, 0, NULL, :year, NULL)"),
            {"id": f"r{i}", "year": year})


def _index_sql(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                    "AND name = 'ix_query_terms_field_num'")).scalar_one()
        else:
            sql = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                    "'ix_query_terms_field_num' AND schemaname = "
                                    "current_schema()")).scalar_one()
    return " ".join(str(sql).split())


def _entries(engine: Engine) -> int:
    """Entries of the index (SQLite: counted through it; PostgreSQL: its size in tuples)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return int(conn.execute(text(
                "SELECT count(*) FROM query_terms INDEXED BY ix_query_terms_field_num "
                "WHERE num IS NOT NULL")).scalar_one())
        conn.execute(text("ANALYZE query_terms"))
        return int(conn.execute(text(
            "SELECT reltuples FROM pg_class WHERE relname = 'ix_query_terms_field_num' "
            "AND relnamespace = current_schema()::regnamespace")).scalar_one())


def _answers(engine: Engine) -> tuple[list[str], list[str], dict[str, int]]:
    with Session(engine) as session:
        ranged = sorted(r.id for r in search(session, "publicationYear:[2004 TO 2010]",
                                             size=10, facets=False).hits)
        words = sorted(r.id for r in search(session, "titles.title:ice", size=10,
                                            facets=False).hits)
        result = search(session, "", size=10)
    years = {v.key: v.count for v in result.facets["year"]}
    return ranged, words, years


def _plan_uses_index(engine: Engine) -> bool:
    query = ("SELECT record_id FROM query_terms WHERE field = 'publicationYear' "
             "AND num >= 2004 AND num < 2011")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {query}")))
    return "ix_query_terms_field_num" in plan


def _keys(engine: Engine) -> list[list[str]]:
    return [fk["constrained_columns"] for fk in inspect(engine).get_foreign_keys("query_terms")]


def test_upgrade_makes_the_number_index_partial_and_answers_stay(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0009", _records_at_0009)
    sqlite = blank_engine.dialect.name == "sqlite"
    assert _keys(blank_engine) == ([["record_id"]] if sqlite else [])
    assert "WHERE" in _index_sql(blank_engine) and "num IS NOT NULL" in _index_sql(blank_engine)
    assert _entries(blank_engine) == 4  # the year rows, not the title tokens
    expected = (["r1", "r2"], ["r0", "r1", "r2", "r3"], {"2001": 1, "2005": 2, "2019": 1})
    assert _answers(blank_engine) == expected
    assert _plan_uses_index(blank_engine)

    downgraded_to(blank_engine, "0009")  # downgrade brings the index of every row back
    assert "WHERE" not in _index_sql(blank_engine)
    assert _keys(blank_engine) == [["record_id"]]
    assert _answers(blank_engine) == expected
