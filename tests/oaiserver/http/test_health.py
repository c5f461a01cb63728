"""``/health`` and ``/health/ready`` over HTTP, on both databases."""

from __future__ import annotations

import requests
from sqlalchemy import Engine

from repository_core.db import make_engine
from tests.oaiserver.oai.oai_support import make_app, make_services, populate, serve


def test_liveness_and_readiness_with_the_backlogs(engine: Engine) -> None:
    services = make_services(engine)
    populate(services, 2)
    with serve(make_app(services)) as oai_url:
        base = oai_url.removesuffix("/oai")
        live = requests.get(base + "/health", timeout=30)
        assert live.status_code == 200 and live.json() == {"status": "ok"}
        assert live.headers["Cache-Control"] == "no-store"

        ready = requests.get(base + "/health/ready", timeout=30).json()
        assert ready["status"] == "ok"
        assert ready["database"]["ok"] is True
        assert ready["database"]["dialect"] == engine.dialect.name
        assert ready["backlogs"] == {"usage_events": 0}  # no minting, no external search

        for _ in range(3):  # three uses, not yet processed
            assert requests.get(base + "/records/r0000", timeout=30).status_code == 200
        ready = requests.get(base + "/health/ready", timeout=30).json()
        assert ready["backlogs"]["usage_events"] == 3
        # the checks themselves are no use of any record
        assert requests.get(base + "/health/ready", timeout=30).json()["backlogs"] == {
            "usage_events": 3}


def test_readiness_fails_when_the_database_does_not_answer(sqlite_engine: Engine) -> None:
    services = make_services(sqlite_engine)
    with serve(make_app(services)) as oai_url:
        base = oai_url.removesuffix("/oai")
        services.engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none",
                                      connect_args={"connect_timeout": 2})
        try:
            ready = requests.get(base + "/health/ready", timeout=30)
            assert ready.status_code == 503
            assert ready.json()["status"] == "unavailable"
            assert ready.json()["database"]["ok"] is False
            live = requests.get(base + "/health", timeout=30)  # the process is still up
            assert live.status_code == 200
        finally:
            services.engine.dispose()


def test_health_checks_are_not_rate_limited(sqlite_engine: Engine) -> None:
    services = make_services(sqlite_engine, ratelimit_enabled=True,
                             ratelimit_guest="2/minute")
    with serve(make_app(services)) as oai_url:
        base = oai_url.removesuffix("/oai")
        statuses = [requests.get(base + path, timeout=30).status_code
                    for _ in range(4) for path in ("/health", "/health/ready")]
        assert statuses == [200] * 8
        limited = [requests.get(base + "/api/records", timeout=30).status_code for _ in range(3)]
        assert limited[-1] == 429  # the limit is real for the API
