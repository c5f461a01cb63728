"""Fixtures every part's tests share: databases (SQLite and PostgreSQL).

PostgreSQL tests run against the server at OAISERVER_TEST_POSTGRES_URL
(default: 127.0.0.1:5432, database ``test``), each in a schema of its own
so that concurrent runs do not meet. Locally they skip with the reason when
the server is not reachable; with OAISERVER_TEST_REQUIRE_POSTGRES=1 (CI) an
unreachable server is an error, never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from repository_core.db import make_engine
from repository_core.migrate import upgrade
from tests.databases import postgres_schema_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A migrated, empty database: SQLite file and PostgreSQL schema."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        for eng in postgres_schema_engine():
            upgrade(eng)
            yield eng


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()
