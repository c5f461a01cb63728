"""Revision 0004 back-fills the publisher and title-sort terms of stored records."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from repository_core.query.sql import TITLE_SORT
from repository_core.query.term_table import TermRow
from repository_core.search import search
from tests.repository_core.migration_support import downgraded_to, upgraded_from

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TITLES = ["banana split", "Apple pie", "cherry tart"]
PUBLISHERS = ["Zenodo", "PANGAEA", "zenodo"]


def _records_at_0003(connection: Connection) -> None:
    """Records as 0003 stored them: their terms are those 0003's code wrote
    (one facet row here, as the old hook would have; no publisher, no title key)."""
    for i, (title, publisher) in enumerate(zip(TITLES, PUBLISHERS, strict=True)):
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted) VALUES (:id, :doi, :md, '[]', :t, :t, 1, false)"),
            {"id": f"r{i}", "doi": f"10.5072/old.{i}", "t": STAMP.replace(tzinfo=None),
             "md": json.dumps({"titles": [{"title": title}],
                               "publisher": {"name": publisher},
                               "types": {"resourceTypeGeneral": "Dataset"}})})
        connection.execute(
            text("INSERT INTO query_terms (record_id, field, ord, pos, term, raw) "
                 "VALUES (:id, 'types.resourceTypeGeneral', 0, 0, 'dataset', 'Dataset')"),
            {"id": f"r{i}"})
    # a record with neither (a title-less record sorts first)
    connection.execute(
        text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
             "revision, deleted) VALUES ('r9', NULL, '{}', '[]', :t, :t, 1, false)"),
        {"t": STAMP.replace(tzinfo=None)})


def test_upgrade_back_fills_publisher_and_title_terms(blank_engine: Engine) -> None:
    upgraded_from(blank_engine, "0003", _records_at_0003)
    with Session(blank_engine) as session:
        rows = session.execute(select(TermRow.record_id, TermRow.field, TermRow.term,
                                      TermRow.raw)
                               .where(TermRow.field.in_(["publisher", TITLE_SORT]))
                               .order_by(TermRow.record_id, TermRow.field)).all()
        assert [tuple(r) for r in rows] == [
            ("r0", TITLE_SORT, "banana split", None), ("r0", "publisher", "zenodo", "Zenodo"),
            ("r1", TITLE_SORT, "apple pie", None), ("r1", "publisher", "pangaea", "PANGAEA"),
            ("r2", TITLE_SORT, "cherry tart", None), ("r2", "publisher", "zenodo", "zenodo"),
            ("r9", TITLE_SORT, "", None),
        ]
        # the other rows were left alone
        assert session.execute(select(TermRow.record_id).where(
            TermRow.field == "types.resourceTypeGeneral").order_by(TermRow.record_id)
        ).scalars().all() == ["r0", "r1", "r2"]
        by_title = search(session, None, sort="title", size=10, facets=True)
        assert [r.id for r in by_title.hits] == ["r9", "r1", "r0", "r2"]
        assert {(f.key, f.count) for f in by_title.facets["publisher"]} == {
            ("zenodo", 2), ("pangaea", 1)}

    downgraded_to(blank_engine, "0003")  # downgrade removes exactly those rows
    with Session(blank_engine) as session:
        assert session.execute(select(TermRow.field).where(
            TermRow.field.in_(["publisher", TITLE_SORT]))).all() == []
        assert session.execute(select(TermRow.field)).scalars().all() == [
            "types.resourceTypeGeneral"] * 3
