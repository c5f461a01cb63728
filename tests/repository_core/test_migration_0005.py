"""Revision 0005 makes every stored record version 1 of a concept of its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.orm import Session

from repository_core.models import ConceptRow, RecordRow
from repository_core.service import ID_PATTERN
from tests.repository_core.migration_support import downgraded_to, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _records_at_0004(connection: Connection) -> None:
    """Two live records (one with a DOI), a tombstone, a set with members and an outbox row."""
    for rid, doi, deleted in [("r1", "10.5072/old.1", False), ("r2", None, False),
                              ("r3", "10.5072/old.3", True)]:
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted) VALUES (:id, :doi, :md, '[]', :t, :t, 2, :deleted)"),
            {"id": rid, "doi": doi, "t": STAMP.replace(tzinfo=None), "deleted": deleted,
             "md": json.dumps({"titles": [{"title": f"Record {rid}"}]})})
    connection.execute(
        text("INSERT INTO oai_sets (spec, name, query, created, updated) "
             "VALUES ('all', 'All', 'record', :t, :t)"), {"t": STAMP.replace(tzinfo=None)})
    connection.execute(
        text("INSERT INTO set_membership (set_spec, record_id, datestamp, member) "
             "VALUES ('all', 'r1', :t, true)"), {"t": STAMP.replace(tzinfo=None)})
    t = STAMP.replace(tzinfo=None)
    connection.execute(
        text("INSERT INTO doi_registrations (doi, record_id, intended_state, confirmed_state, "
             "confirmed_at, created, updated) VALUES ('10.5072/old.1', 'r1', 'findable', "
             "'findable', :t, :t, :t)"), {"t": t})
    connection.execute(
        text("INSERT INTO doi_outbox (doi, record_id, reason, revision, state, attempts, "
             "not_before, created) VALUES ('10.5072/old.1', 'r1', 'update', 2, 'pending', 0, "
             ":t, :t)"), {"t": t})


def test_upgrade_gives_each_record_a_concept_and_mints_nothing(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0004", _records_at_0004)
    with Session(blank_engine) as session:
        records = {r.id: r for r in session.execute(select(RecordRow)).scalars()}
        concepts = {c.id: c for c in session.execute(select(ConceptRow)).scalars()}
        assert len(concepts) == 3
        assert {r.concept_id for r in records.values()} == set(concepts)
        for record in records.values():
            concept = concepts[record.concept_id]
            assert ID_PATTERN.fullmatch(concept.id) and concept.id not in records
            assert record.version_index == 1
            assert concept.doi is None  # nothing minted
            # untouched: revision, datestamp, DOI
            assert record.revision == 2 and record.datestamp == STAMP
        assert records["r1"].is_latest and records["r2"].is_latest
        assert not records["r3"].is_latest
        assert concepts[records["r1"].concept_id].latest_id == "r1"
        tomb = concepts[records["r3"].concept_id]
        assert tomb.deleted and tomb.latest_id is None
        assert session.execute(text("SELECT count(*) FROM set_membership")).scalar_one() == 1
        # the outbox keeps its work; the migration queued nothing for DataCite
        assert session.execute(text("SELECT doi, reason, state FROM doi_outbox")).all() == [
            ("10.5072/old.1", "update", "pending")]
        assert session.execute(text("SELECT count(*) FROM doi_registrations")).scalar_one() == 1
        # the version query fields are searchable at once
        terms = {tuple(r) for r in session.execute(text(
            "SELECT record_id, field, term, num FROM query_terms WHERE field IN "
            "('parent.id', 'versions.is_latest', 'versions.index')")).all()}
        expected = set()
        for rid, record in records.items():
            expected |= {(rid, "parent.id", record.concept_id, None),
                         (rid, "versions.is_latest", "true" if rid != "r3" else "false", None),
                         (rid, "versions.index", None, 1)}
        assert terms == expected
        assert session.execute(
            text("SELECT count(*) FROM concept_doi_registrations")).scalar_one() == 0

    downgraded_to(blank_engine, "0004")
    columns = {c["name"] for c in inspect(blank_engine).get_columns("records")}
    assert not {"concept_id", "version_index", "is_latest"} & columns
    assert not {"concepts", "concept_doi_registrations"} & set(
        inspect(blank_engine).get_table_names())
    with blank_engine.connect() as connection:
        assert connection.execute(text(
            "SELECT count(*) FROM query_terms WHERE field = 'parent.id'")).scalar_one() == 0
    with blank_engine.connect() as connection:  # the records and their members are still there
        assert connection.execute(text("SELECT count(*) FROM records")).scalar_one() == 3
        assert connection.execute(text("SELECT count(*) FROM set_membership")).scalar_one() == 1
