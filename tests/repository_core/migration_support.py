"""Upgrading a database that was populated at an earlier revision.

Every schema change is tested on data: bring an empty database to the
revision before the change, put rows in with plain SQL (the models describe
the newest schema, not that one), then upgrade to head and look::

    upgraded_from(engine, "0001", lambda conn: conn.execute(text("INSERT ...")))
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from alembic import command
from sqlalchemy import Connection, Engine, text

from repository_core.migrate import alembic_config, current_revision, head_revision, upgrade


def upgraded_from(engine: Engine, revision: str, populate: Callable[[Connection], None]) -> None:
    """Migrate ``engine`` to ``revision``, run ``populate``, then upgrade to head."""
    upgrade(engine, revision)
    assert current_revision(engine) == revision
    with engine.begin() as connection:
        populate(connection)
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def downgraded_to(engine: Engine, revision: str) -> None:
    """Migrate ``engine`` down to ``revision`` (to check what a downgrade leaves)."""
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def insert_live_record(connection: Connection, record_id: str, stamp: datetime,
                       metadata: dict[str, Any]) -> None:
    """A live record of its own concept, as revisions 0005 and later store it
    (``stamp`` as the created time and datestamp, without a time zone)."""
    connection.execute(
        text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
             "revision, deleted, version_index, is_latest) "
             "VALUES (:id, NULL, :md, '[]', :t, :t, 1, false, 1, true)"),
        {"id": record_id, "t": stamp.replace(tzinfo=None), "md": json.dumps(metadata)})


def planner_statistics(engine: Engine) -> dict[str, tuple[int, bool]]:
    """PostgreSQL's extended statistics on ``query_terms`` in the current schema:
    name -> (statistics target, -1 for the default; whether ANALYZE has gathered them)."""
    with engine.connect() as connection:
        return {name: (int(target), bool(gathered)) for name, target, gathered in connection.execute(
            text("SELECT s.stxname, s.stxstattarget, EXISTS (SELECT 1 FROM pg_stats_ext e "
                 "WHERE e.statistics_name = s.stxname AND e.schemaname = current_schema()) "
                 "FROM pg_statistic_ext s JOIN pg_class c ON c.oid = s.stxrelid "
                 "WHERE c.relname = 'query_terms' AND c.relnamespace = s.stxnamespace "
                 "AND s.stxnamespace = (SELECT oid FROM pg_namespace "
                 "WHERE nspname = current_schema())"))}


def insert_titled_records(connection: Connection, titles: dict[str, str], stamp: datetime, *,
                          full_text_rows: bool = False) -> None:
    """Live records, one a day from ``stamp``, each with only a title (record ->
    title), their title tokens and full-text documents, as revisions 0012 to
    0013 store them; ``full_text_rows`` adds each token as a row of the full
    text's own field (``_text``), which a query of bare words matches."""
    from datetime import timedelta

    sqlite = connection.dialect.name == "sqlite"
    fields = ["titles.title", "_text"] if full_text_rows else ["titles.title"]
    for i, (rid, title) in enumerate(titles.items()):
        insert_live_record(connection, rid, stamp + timedelta(days=i),
                           {"titles": [{"title": title}]})
        for pos, token in enumerate(title.split()):
            for field in fields:
                connection.execute(
                    text("INSERT INTO query_terms (record_id, field, ord, pos, term, num, raw) "
                         "VALUES (:id, :field, 0, :pos, :term, NULL, NULL)"),
                    {"id": rid, "field": field, "pos": pos, "term": token})
        tsv = "NULL" if sqlite else "to_tsvector('simple', :body)"
        connection.execute(
            text(f"INSERT INTO search_documents (doc_id, record_id, body, tsv) "
                 f"VALUES (:doc, :id, :body, {tsv})"),
            {"doc": i + 1, "id": rid, "body": title})
        if sqlite:
            connection.execute(text("INSERT INTO search_fts (rowid, body) VALUES (:doc, :body)"),
                               {"doc": i + 1, "body": title})
