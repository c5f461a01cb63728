"""Revision 0002 (usage statistics) upgrades a database that holds records."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.orm import Session

from repository_core.service import RecordService
from repository_core.stats import UsageRecorder, item_totals, process_usage
from repository_core.stats.tables import UsageStateRow
from tests.repository_core.migration_support import upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _records_at_0001(connection: Connection) -> None:
    for i in range(3):
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted) VALUES (:id, :doi, :md, '[]', :t, :t, 2, :deleted)"),
            {"id": f"r{i}", "doi": f"10.5072/old.{i}", "t": STAMP.replace(tzinfo=None),
             "md": json.dumps({"titles": [{"title": f"Old {i}"}]}), "deleted": i == 2},
        )


def test_upgrade_keeps_records_and_adds_usage_tables(blank_engine):
    upgraded_from(blank_engine, "0001", _records_at_0001)
    tables = set(inspect(blank_engine).get_table_names())
    assert {"usage_events", "usage_daily", "usage_state"} <= tables

    service = RecordService(blank_engine)
    kept = service.get("r1")
    assert kept.doi == "10.5072/old.1" and kept.revision == 2
    assert kept.metadata["titles"] == [{"title": "Old 1"}]
    assert service.get("r2", include_deleted=True).deleted
    with Session(blank_engine) as session:
        assert session.execute(select(UsageStateRow.last_event_id)).scalar_one() == 0

    UsageRecorder(blank_engine).record("r1", "investigation", "Regular", "192.0.2.1",
                                       "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    process_usage(blank_engine)
    with Session(blank_engine) as session:
        assert item_totals(session, "r1").total_investigations == 1
