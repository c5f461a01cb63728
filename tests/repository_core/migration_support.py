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

from sqlalchemy import Connection, Engine, text

from repository_core.migrate import current_revision, head_revision, upgrade


def upgraded_from(engine: Engine, revision: str, populate: Callable[[Connection], None]) -> None:
    """Migrate ``engine`` to ``revision``, run ``populate``, then upgrade to head."""
    upgrade(engine, revision)
    assert current_revision(engine) == revision
    with engine.begin() as connection:
        populate(connection)
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def insert_live_record(connection: Connection, record_id: str, stamp: datetime,
                       metadata: dict[str, Any]) -> None:
    """A live record of its own concept, as revisions 0005 and later store it
    (``stamp`` as the created time and datestamp, without a time zone)."""
    connection.execute(
        text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
             "revision, deleted, version_index, is_latest) "
             "VALUES (:id, NULL, :md, '[]', :t, :t, 1, false, 1, true)"),
        {"id": record_id, "t": stamp.replace(tzinfo=None), "md": json.dumps(metadata)})
