"""Revision 0009: query_terms' (field, term, record) index carries the positions; phrases agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.orm import Session

from repository_core.search import search
from tests.repository_core.migration_support import downgraded_to, insert_live_record, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TITLES = ["arctic sea ice cover", "ice on the sea", "sea ice", "the sea and ice"]


def _records_at_0008(connection: Connection) -> None:
    """Four records with the title tokens in query_terms, as 0008 stored them."""
    for i, title in enumerate(TITLES):
        stamp = STAMP + timedelta(days=i)
        insert_live_record(connection, f"r{i}", stamp, {"titles": [{"title": title}]})
        for pos, token in enumerate(title.split()):
            connection.execute(
                text("INSERT INTO query_terms (record_id, field, ord, pos, term, num, raw) "
                     "VALUES (:id, 'titles.title', 0, :pos, :term, NULL, NULL)"),
                {"id": f"r{i}", "pos": pos, "term": token})


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("query_terms")
            if ix["name"]}


def _phrase(engine: Engine, q: str) -> list[str]:
    with Session(engine) as session:
        return sorted(r.id for r in search(session, q, size=10, facets=False).hits)


def test_upgrade_puts_positions_in_the_index_and_phrases_find_the_same(
        blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0008", _records_at_0008)
    indexes = _indexes(blank_engine)
    assert indexes["ix_query_terms_field_term_pos"] == ["field", "term", "record_id", "ord",
                                                        "pos"]
    assert "ix_query_terms_field_term" not in indexes
    assert _phrase(blank_engine, 'titles.title:"sea ice"') == ["r0", "r2"]
    assert _phrase(blank_engine, 'titles.title:"ice sea"') == []
    assert _phrase(blank_engine, 'titles.title:"the sea"') == ["r1", "r3"]

    downgraded_to(blank_engine, "0008")  # downgrade brings the old index back
    indexes = _indexes(blank_engine)
    assert indexes["ix_query_terms_field_term"] == ["field", "term", "record_id"]
    assert "ix_query_terms_field_term_pos" not in indexes
    assert _phrase(blank_engine, 'titles.title:"sea ice"') == ["r0", "r2"]
