"""Test databases every part's tests share: SQLite files and PostgreSQL schemas.

PostgreSQL tests run against the server at OAISERVER_TEST_POSTGRES_URL
(default: 127.0.0.1:5432, database ``test``), each in a schema of its own
so that concurrent runs do not meet. Locally they skip with the reason when
the server is not reachable; with OAISERVER_TEST_REQUIRE_POSTGRES=1 (CI) an
unreachable server is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from repository_core.db import make_engine
from repository_core.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "OAISERVER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("OAISERVER_TEST_REQUIRE_POSTGRES", "") not in {"", "0"}

_postgres_reason: str | None = None
_postgres_checked = False


def postgres_unavailable() -> str | None:
    """Why PostgreSQL can't be used, or None if it can (checked once)."""
    global _postgres_checked, _postgres_reason
    if not _postgres_checked:
        _postgres_checked = True
        try:
            engine = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure to connect is the reason
            _postgres_reason = f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}"
    return _postgres_reason


_rum_reason: str | None = None
_rum_checked = False


def rum_unavailable() -> str | None:
    """Why PostgreSQL's ``rum`` extension can't be used, or None if it can (checked
    once). Where its package is installed and the extension is not yet created in
    the test database, it is created (in ``public``, outside the tests' schemas),
    as an operator would once; the tests' schemas then get its index when they
    are migrated (``repository_core.search.rank_index``)."""
    global _rum_checked, _rum_reason
    if not _rum_checked:
        _rum_checked = True
        _rum_reason = postgres_unavailable()
        if _rum_reason is None:
            engine = make_engine(POSTGRES_URL)
            with engine.begin() as conn:
                if conn.execute(text("SELECT 1 FROM pg_available_extensions "
                                     "WHERE name = 'rum'")).first() is None:
                    _rum_reason = ("PostgreSQL's rum extension is not available "
                                   "(Debian: postgresql-NN-rum)")
                else:
                    conn.execute(text("CREATE EXTENSION IF NOT EXISTS rum SCHEMA public"))
            engine.dispose()
    return _rum_reason


def require_rum() -> None:
    """Skip the calling test when the ``rum`` extension can't be had (fail instead
    with OAISERVER_TEST_REQUIRE_POSTGRES: CI installs it)."""
    reason = rum_unavailable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (OAISERVER_TEST_REQUIRE_POSTGRES is set)")
        pytest.skip(reason)


def migrated_sqlite(path: str | os.PathLike[str]) -> Engine:
    """A SQLite database file at ``path``, migrated to the latest revision."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def migrated_engine(kind: str, directory: str | os.PathLike[str]) -> Iterator[Engine]:
    """The one migrated, empty database of the test suite: ``sqlite`` (a file in
    ``directory``) or ``postgresql`` (a schema of its own); disposed afterwards."""
    if kind == "sqlite":
        engine = migrated_sqlite(os.path.join(directory, "test.db"))
        yield engine
        engine.dispose()
    else:
        for engine in postgres_schema_engine():
            rum_unavailable()  # the extension, where it can be had, before the migration
            upgrade(engine)
            yield engine


def postgres_schema() -> Iterator[str]:
    """The name of a new, empty schema (dropped afterwards); skips (or, with
    OAISERVER_TEST_REQUIRE_POSTGRES, fails) when PostgreSQL is not reachable."""
    reason = postgres_unavailable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (OAISERVER_TEST_REQUIRE_POSTGRES is set)")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_schema_engine() -> Iterator[Engine]:
    """An engine whose search_path is a new, empty schema (dropped afterwards)."""
    for schema in postgres_schema():
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine
        finally:
            engine.dispose()
