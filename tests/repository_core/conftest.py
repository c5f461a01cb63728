"""Fixtures of the store's tests: an empty, unmigrated database for migration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from repository_core.db import make_engine
from tests.databases import postgres_schema_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """An empty, unmigrated database: a SQLite file, and a PostgreSQL schema."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
        yield eng
        eng.dispose()
    else:
        yield from postgres_schema_engine()
