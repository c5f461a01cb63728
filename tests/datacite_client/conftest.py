"""Fixtures for the DataCite tests: the stand-in, a client, a database, the parts."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import repository_core.models
import repository_core.outbox  # noqa: F401  (tables)
from datacite_client.client import DataCiteClient
from datacite_client.doi_policy import DOIPolicy
from datacite_client.lifecycle import DOILifecycle, serializer_attributes
from datacite_client.retry import RetryPolicy
from datacite_client.worker import OutboxWorker
from oaiserver.config import Config
from repository_core.outbox import outbox_hook
from repository_core.service import RecordService
from tests.contexts import export_context
from tests.databases import migrated_sqlite

from .standin import DataCiteStandIn, Faults

PREFIX = "10.1234"
USER, PASSWORD = "TEST.REPO", "secret"
#: the give-up limits of the default configuration (the worker has none of its own)
LIMITS: dict[str, Any] = {
    "max_attempts": Config().datacite_max_attempts,
    "max_age": timedelta(hours=Config().datacite_max_age_hours),
}
CONTEXT = export_context(base_url="https://repo.example.org", repository_id="repo.example.org")


ATTRIBUTES = serializer_attributes


def fast_retry(seed: int = 1, attempts: int = 6) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base=0.001, cap=0.01, retry_after_cap=0.01,
                       rng=random.Random(seed))


@pytest.fixture
def standin() -> Iterator[DataCiteStandIn]:
    with DataCiteStandIn(accounts={USER: (PASSWORD, [PREFIX]), "OTHER": ("pw", ["10.9999"])},
                         faults=Faults()) as server:
        yield server


def make_client(standin: DataCiteStandIn, **kw: Any) -> DataCiteClient:
    kw.setdefault("retry", fast_retry())
    kw.setdefault("timeout", 5.0)
    return DataCiteClient(standin.url, auth=(USER, PASSWORD), contact="admin@example.org", **kw)


@pytest.fixture
def client(standin: DataCiteStandIn) -> DataCiteClient:
    return make_client(standin)


def make_sqlite(path: Path) -> Engine:
    return migrated_sqlite(path)


@dataclass
class Parts:
    engine: Engine
    records: RecordService
    lifecycle: DOILifecycle
    worker: OutboxWorker
    client: DataCiteClient


def build_parts(engine: Engine, client: DataCiteClient, *, pattern: str = "{id}",
                auto: bool = False, prefix: str | None = PREFIX,
                concepts: bool = False) -> Parts:
    """The DOI parts; ``concepts`` mints concept DOIs too, as installations do by
    default (off here, so that the tests of one record's DOI see that DOI alone)."""
    records = RecordService(engine, hooks=[outbox_hook])
    policy = DOIPolicy(prefix, pattern) if prefix else None
    lifecycle = DOILifecycle(records, policy=policy, context=CONTEXT, concept_dois=concepts)
    if auto:
        records.hooks.append(lifecycle.auto_mint_hook())
    worker = OutboxWorker(engine, client, CONTEXT, attributes_for=ATTRIBUTES, **LIMITS,
                          lease=timedelta(seconds=30), backoff=fast_retry(2),
                          row_backoff=fast_retry(3), idle_interval=0.05)
    return Parts(engine, records, lifecycle, worker, client)


@pytest.fixture
def parts(engine: Engine, client: DataCiteClient) -> Parts:
    return build_parts(engine, client)
