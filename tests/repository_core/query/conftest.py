"""Engines for the query tests: SQLite (a file) and PostgreSQL (a schema of its own).

PostgreSQL engines come from ``tests.databases`` (skipped locally when the
server is unreachable, a failure under OAISERVER_TEST_REQUIRE_POSTGRES).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.conftest import BOTH_DATABASES
from tests.databases import migrated_engine


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def db_engine(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh database with the core, query and search tables (per test module)."""
    yield from migrated_engine(request.param, tmp_path_factory.mktemp("db"))


@pytest.fixture(params=BOTH_DATABASES)
def fresh_engine(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Like ``db_engine`` but per test (parametrise indirectly with 'sqlite'/'postgresql')."""
    yield from migrated_engine(request.param, tmp_path_factory.mktemp("db"))
