"""Revision 0006 adds the payload store, empty, and leaves the records as they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.orm import Session

from repository_core.models import RecordRow
from repository_core.payloads import keep_payloads, valid_payloads
from repository_core.store import row_to_record
from tests.repository_core.migration_support import downgraded_to, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _records_at_0005(connection: Connection) -> None:
    """A live record with a concept and a tombstone."""
    t = STAMP.replace(tzinfo=None)
    for rid, concept, deleted in [("r1", "c1", False), ("r2", "c2", True)]:
        connection.execute(
            text("INSERT INTO concepts (id, created, latest_id, deleted) "
                 "VALUES (:c, :t, :latest, :deleted)"),
            {"c": concept, "t": t, "latest": None if deleted else rid, "deleted": deleted})
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted, concept_id, version_index, is_latest) VALUES "
                 "(:id, NULL, :md, '[]', :t, :t, 3, :deleted, :c, 1, :latest)"),
            {"id": rid, "t": t, "deleted": deleted, "c": concept, "latest": not deleted,
             "md": json.dumps({"titles": [{"title": f"Record {rid}"}]})})


def test_upgrade_adds_an_empty_store_and_downgrade_drops_it(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0005", _records_at_0005)
    assert "record_payloads" in inspect(blank_engine).get_table_names()
    with Session(blank_engine) as session:
        assert session.execute(text("SELECT count(*) FROM record_payloads")).scalar_one() == 0
        rows = {r.id: r for r in session.execute(select(RecordRow)).scalars()}
        assert {rid: (r.revision, r.datestamp, r.deleted) for rid, r in rows.items()} == {
            "r1": (3, STAMP, False), "r2": (3, STAMP, True)}
        record = row_to_record(rows["r1"])
    # the table works at this revision: a payload kept is found again
    assert keep_payloads(blank_engine, "oai_dc", "f" * 64, [(record, b"<x/>")])
    with Session(blank_engine) as session:
        assert valid_payloads(session, "oai_dc", "f" * 64, [record]) == {"r1": b"<x/>"}

    downgraded_to(blank_engine, "0005")
    assert "record_payloads" not in inspect(blank_engine).get_table_names()
    with blank_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM records")).scalar_one() == 2
