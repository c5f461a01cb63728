"""Upgrading a database that was populated at an earlier revision.

Every schema change is tested on data: bring an empty database to the
revision before the change, put rows in with plain SQL (the models describe
the newest schema, not that one), then upgrade to head and look::

    upgraded_from(engine, "0001", lambda conn: conn.execute(text("INSERT ...")))
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from repository_core.migrate import current_revision, head_revision, upgrade


def upgraded_from(engine: Engine, revision: str, populate: Callable[[Connection], None]) -> None:
    """Migrate ``engine`` to ``revision``, run ``populate``, then upgrade to head."""
    upgrade(engine, revision)
    assert current_revision(engine) == revision
    with engine.begin() as connection:
        populate(connection)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
