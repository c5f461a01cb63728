"""Fixtures every part's tests share: migrated databases (SQLite and PostgreSQL).

PostgreSQL tests run against the server at OAISERVER_TEST_POSTGRES_URL
(default: 127.0.0.1:5432, database ``test``), each in a schema of its own
so that concurrent runs do not meet. Locally they skip with the reason when
the server is not reachable; with OAISERVER_TEST_REQUIRE_POSTGRES=1 (CI) an
unreachable server is an error, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.databases import migrated_engine

BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH_DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A migrated, empty database: SQLite file and PostgreSQL schema."""
    yield from migrated_engine(request.param, tmp_path)


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    yield from migrated_engine("sqlite", tmp_path)


def pytest_configure(config: pytest.Config) -> None:
    """Rate limits off for the suite: it measures other things, from one address, fast.

    Tests of the limits themselves switch them on with small budgets
    (tests/oaiserver/http/test_rate_limits.py); configurations built with
    ``environ={}`` say ``ratelimit_enabled=False`` themselves.
    """
    os.environ.setdefault("OAISERVER_RATELIMIT_ENABLED", "false")
