"""Revision 0012: on PostgreSQL query_terms gains a partial index of the facet rows;
facet counts read it and answer as before (SQLite: no index, the same answers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from repository_core.search import search
from tests.repository_core.migration_support import downgraded_to, insert_live_record, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: (record, subjects, language, year): r1 holds its subject twice, as two rows
RECORDS = [("r0", ["ice"], "en", 2001), ("r1", ["ice", "ice", "sea"], "de", 2005),
           ("r2", ["sea"], "en", 2005)]


def _records_at_0011(connection: Connection) -> None:
    """Three records with their facet rows and a title token, as 0011 stored them."""
    for i, (rid, subjects, language, year) in enumerate(RECORDS):
        insert_live_record(connection, rid, STAMP + timedelta(days=i),
                           {"titles": [{"title": "ice"}], "publicationYear": str(year),
                            "language": language,
                            "subjects": [{"subject": s} for s in subjects]})
        rows = [("titles.title", 0, "ice", None), ("publicationYear", 0, None, year),
                ("language", 0, language, None),
                *(("subjects.subject", n, s, None) for n, s in enumerate(subjects))]
        for field, ord_, term, num in rows:
            connection.execute(
                text("INSERT INTO query_terms (record_id, field, ord, pos, term, num, raw) "
                     "VALUES (:id, :field, :ord, 0, :term, :num, :term)"),
                {"id": rid, "field": field, "ord": ord_, "term": term, "num": num})


def _index_entries(engine: Engine) -> int | None:
    """Entries of ``ix_query_terms_facets`` (its size in tuples); None without it."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                     "AND name = 'ix_query_terms_facets'")).scalar_one() or None
        conn.execute(text("ANALYZE query_terms"))
        found = conn.execute(text(
            "SELECT reltuples FROM pg_class WHERE relname = 'ix_query_terms_facets' "
            "AND relnamespace = current_schema()::regnamespace")).scalar()
        return None if found is None else int(found)


def _facets(engine: Engine) -> dict[str, dict[str, int]]:
    """The facets of a search narrower than half the store (counted by lookups)
    and of one over everything (counted from the fields' indexes)."""
    with Session(engine) as session:
        narrow = search(session, "language:de", size=10).facets
        broad = search(session, "titles.title:ice", size=10).facets
    return {f"{which}.{name}": {v.key: v.count for v in values}
            for which, facets in (("narrow", narrow), ("broad", broad))
            for name, values in facets.items() if values}


def test_upgrade_adds_the_facet_index_and_facets_count_the_same(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0011", _records_at_0011)
    # the year, language and subject rows, not the title token; none on SQLite
    postgres = blank_engine.dialect.name == "postgresql"
    assert _index_entries(blank_engine) == (3 + 3 + 5 if postgres else None)
    expected = {"narrow.subject": {"ice": 1, "sea": 1}, "narrow.language": {"de": 1},
                "narrow.year": {"2005": 1},
                "broad.subject": {"ice": 2, "sea": 2}, "broad.language": {"en": 2, "de": 1},
                "broad.year": {"2001": 1, "2005": 2}}
    assert _facets(blank_engine) == expected

    downgraded_to(blank_engine, "0011")
    assert _index_entries(blank_engine) is None
    assert _facets(blank_engine) == expected
