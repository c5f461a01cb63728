"""Engines for the query tests: SQLite (a file) and PostgreSQL (a schema of its own).

PostgreSQL engines come from ``tests.databases`` (skipped locally when the
server is unreachable, a failure under OAISERVER_TEST_REQUIRE_POSTGRES).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from repository_core.db import make_engine
from repository_core.migrate import upgrade
from tests.databases import postgres_schema_engine


def create_tables(engine: Engine) -> None:
    upgrade(engine)


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    create_tables(engine)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    for engine in postgres_schema_engine():
        create_tables(engine)
        yield engine


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                                marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh database with the core, query and search tables (per test module)."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory)
    else:
        yield from _postgres_engine()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_engine(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Like ``db_engine`` but per test (parametrise indirectly with 'sqlite'/'postgresql')."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory)
    else:
        yield from _postgres_engine()
