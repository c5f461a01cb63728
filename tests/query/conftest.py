"""Engines for the query tests: SQLite (a file) and PostgreSQL (a schema of its own).

Reusable by other parts; the lead may move these to a shared conftest.
PostgreSQL tests use ``OAISERVER_TEST_POSTGRES_URL`` (default: the local
server's ``test`` database) and are skipped when it cannot be reached.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from repository_core.db import make_engine
from repository_core.query import models as query_models  # noqa: F401  (registers tables)
from repository_core.schema import upgrade

PG_URL = os.environ.get(
    "OAISERVER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

def create_tables(engine: Engine) -> None:
    upgrade(engine)


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    create_tables(engine)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    schema = f"q_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means: skip
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        create_tables(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
