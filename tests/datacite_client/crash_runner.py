"""Run ``oaiserver doi ...`` in a subprocess for the crash test.

Builds the services from ``OAISERVER_*`` like the real CLI would, but wires
the DOI parts explicitly (the outbox hook, test-speed retries, the attribute
builder the tests use) and then hands over to the real ``doi`` click group:
``python -m tests.datacite_client.crash_runner sync --lease 1``.
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import timedelta

from datacite_client.client import DataCiteClient
from datacite_client.doi_policy import DOIPolicy
from datacite_client.lifecycle import DOILifecycle
from datacite_client.retry import RetryPolicy
from datacite_client.worker import OutboxWorker
from oaiserver.cli import main
from oaiserver.config import load_config
from oaiserver.services import DOIParts, build_services
from repository_core.db import make_engine
from repository_core.outbox import outbox_hook
from repository_core.service import RecordService

from .conftest import ATTRIBUTES, CONTEXT, LIMITS


def run(argv: list[str]) -> None:
    config = load_config()
    engine = make_engine(config.effective_database_url)
    records = RecordService(engine, hooks=[outbox_hook])
    client = DataCiteClient(config.datacite_url,
                            auth=(config.datacite_username, config.datacite_password),
                            timeout=5.0,
                            retry=RetryPolicy(attempts=8, base=0.001, cap=0.01,
                                              retry_after_cap=0.01, rng=random.Random()))
    worker = OutboxWorker(engine, client, CONTEXT, attributes_for=ATTRIBUTES, **LIMITS,
                          lease=timedelta(seconds=1), idle_interval=0.05,
                          backoff=RetryPolicy(base=0.001, cap=0.05),
                          row_backoff=RetryPolicy(base=0.001, cap=0.05))
    lifecycle = DOILifecycle(records, policy=DOIPolicy(config.datacite_prefix),
                             context=CONTEXT)
    services = replace(build_services(config, engine=engine), records=records,
                       export_context=CONTEXT, doi=DOIParts(lifecycle, client, worker))
    main(["doi", *argv], obj=services)


if __name__ == "__main__":
    run(sys.argv[1:])
