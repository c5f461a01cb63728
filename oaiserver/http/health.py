"""Health checks for load balancers and monitors: ``/health`` and ``/health/ready``.

``GET /health`` (liveness) answers 200 while the process can answer at all;
it touches nothing else, so a slow database never gets a process restarted.
``GET /health/ready`` (readiness) asks the database one ``SELECT 1`` and
reads the backlogs of background work as plain numbers: 200 when the
database answers, 503 when it does not (a load balancer then sends no
traffic here). Both are JSON, never cached, and exempt from rate limits.

The backlogs: ``doi_outbox`` (DOI changes waiting for DataCite, counted
when minting is configured), ``usage_events`` (recorded uses not yet
processed into figures, when statistics are on) and ``search_index`` (records
waiting for the external search engine, when one is configured).
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from repository_core.outbox import pending_count
from repository_core.search.queue import IndexQueueRow
from repository_core.stats.processing import pending_events

from .current import current_services

__all__ = ["HEALTH_ENDPOINTS", "bp"]

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

#: endpoint names that rate limits and usage statistics leave alone
HEALTH_ENDPOINTS = frozenset({"health.live", "health.ready"})


def _answer(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health")
def live() -> Response:
    return _answer({"status": "ok"}, 200)


@bp.get("/health/ready")
def ready() -> Response:
    services = current_services()
    started = time.perf_counter()
    try:
        with Session(services.engine) as session:
            session.execute(text("SELECT 1"))
            database_ms = round((time.perf_counter() - started) * 1000, 1)
            backlogs: dict[str, int] = {}
            if services.doi.worker is not None:
                backlogs["doi_outbox"] = pending_count(session)
            if services.search_engine is not None:
                backlogs["search_index"] = int(session.execute(
                    select(func.count()).select_from(IndexQueueRow)).scalar_one())
        if services.usage is not None:
            backlogs["usage_events"] = pending_events(services.engine)
    except SQLAlchemyError as exc:
        log.warning("readiness check: the database does not answer: %s", exc)
        return _answer({"status": "unavailable", "database": {"ok": False,
                        "error": type(exc).__name__}}, 503)
    return _answer({"status": "ok",
                    "database": {"ok": True, "dialect": services.engine.dialect.name,
                                 "ms": database_ms},
                    "backlogs": backlogs}, 200)
