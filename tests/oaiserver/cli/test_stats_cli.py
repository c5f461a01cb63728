"""``serve`` starts the usage processing thread only when configured to."""

from __future__ import annotations

import pytest

from oaiserver.cli.serve import _start_usage_worker
from oaiserver.config import load_config
from oaiserver.services import build_services


@pytest.mark.parametrize("settings, started", [
    ({}, True),
    ({"stats_worker": False}, False),
    ({"stats_enabled": False}, False),
])
def test_serve_starts_the_processing_thread_when_configured(sqlite_engine, settings, started):
    services = build_services(load_config({"stats_worker_interval_seconds": 3600, **settings},
                                          environ={}), engine=sqlite_engine)
    thread = _start_usage_worker(services)
    try:
        assert (thread is not None) == started
        if thread is not None:
            assert thread.running and thread.interval == 3600
            assert thread.retention_days == 30
    finally:
        if thread is not None:
            thread.stop()
