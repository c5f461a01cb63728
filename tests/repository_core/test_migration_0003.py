"""Revision 0003 (harvesting) upgrades a database that holds records."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.orm import Session

from repository_core.harvest.sources import add_source, provenance_of
from repository_core.harvest.tables import HarvestedRecordRow
from repository_core.models import RecordRow
from repository_core.service import RecordService
from tests.repository_core.migration_support import upgraded_from
from tests.sample_metadata import minimal

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _records_at_0002(connection: Connection) -> None:
    for i in range(3):
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted) VALUES (:id, :doi, :md, '[]', :t, :t, 1, :deleted)"),
            {"id": f"r{i}", "doi": f"10.5072/old.{i}", "t": STAMP.replace(tzinfo=None),
             "md": json.dumps({"titles": [{"title": f"Old {i}"}]}), "deleted": i == 2},
        )
    connection.execute(
        text("INSERT INTO usage_events (record_id, action, access_method, is_robot, session, "
             "occurred) VALUES ('r0', 'investigation', 'Regular', false, 's', :t)"),
        {"t": STAMP.replace(tzinfo=None)},
    )


def test_upgrade_keeps_records_as_our_own_and_adds_harvest_tables(blank_engine):
    upgraded_from(blank_engine, "0002", _records_at_0002)
    tables = set(inspect(blank_engine).get_table_names())
    assert {"harvest_sources", "harvested_records", "harvest_refusals"} <= tables

    service = RecordService(blank_engine)
    kept = service.get("r1")
    assert kept.doi == "10.5072/old.1" and not kept.harvested
    assert service.get("r2", include_deleted=True).deleted
    with Session(blank_engine) as s:
        assert s.execute(select(RecordRow.id).where(RecordRow.harvest_source.is_(None))
                         .order_by(RecordRow.id)).scalars().all() == ["r0", "r1", "r2"]
        usage = s.execute(text("SELECT count(*) FROM usage_events")).scalar_one()
    assert usage == 1

    # the new tables take a source and a harvested record with its provenance
    with service.transaction() as s:
        add_source(s, "peer", "https://peer.example.org/oai", "oai_dc")
        record = service.create(minimal(), session=s, harvest_source="peer")
        s.add(HarvestedRecordRow(
            record_id=record.id, source="peer", source_identifier="oai:peer:1",
            source_datestamp="2024-01-02", metadata_namespace="urn:x", base_url="https://x",
            harvested_at=STAMP,
        ))
    assert service.get(record.id).harvested
    with Session(blank_engine) as s:
        assert provenance_of(s, [record.id, "r0"])[record.id].identifier == "oai:peer:1"
