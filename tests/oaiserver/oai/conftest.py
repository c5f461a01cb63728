"""Fixtures of the OAI-PMH tests (databases come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from oaiserver.services import Services

from .oai_support import make_services


@pytest.fixture
def services(engine: Engine) -> Services:
    """Services over a fresh database (SQLite and PostgreSQL)."""
    return make_services(engine)


@pytest.fixture
def sqlite_services(sqlite_engine: Engine) -> Services:
    return make_services(sqlite_engine)
