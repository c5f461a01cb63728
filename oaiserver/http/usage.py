"""Usage statistics on the request path: recording a use, reading a record's figures.

Which request counts as what (COUNTER Code of Practice for Research Data;
this server hosts no files, so every use is an *investigation*):

=====================================================  ===========
a landing page, or a metadata export by content         ``Regular``
negotiation or by an export link (``/records/...``)
a record read through the REST API, an OAI-PMH          ``Machine``
``GetRecord`` of a live record
=====================================================  ===========

Only ``GET`` requests (and OAI-PMH's equivalent ``POST``) answered ``200``
or ``304`` count (a ``HEAD`` is no use of the record; errors are none either). Recording is one INSERT
(:class:`repository_core.stats.UsageRecorder`); the client address and user
agent are hashed there with the day's salt and never stored. A failure to
record is logged and never fails the request: statistics must not take
pages down.

When statistics are off (``OAISERVER_STATS_ENABLED=false``) nothing is
recorded and :func:`record_figures` returns None.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import request
from sqlalchemy.orm import Session

from repository_core.stats import UsageTotals, item_figures, items_totals

from .clients import request_client_address
from .current import current_services

__all__ = ["COUNTED_STATUSES", "RecordFigures", "count_use", "hits_figures", "record_figures"]

log = logging.getLogger(__name__)

COUNTED_METHODS = frozenset({"GET", "POST"})  # POST: OAI-PMH's form-encoded requests
COUNTED_STATUSES = frozenset({200, 304})


def count_use(record_id: str, access_method: str, status: int = 200) -> None:
    """Record one investigation of ``record_id`` by the current request, if it counts."""
    recorder = current_services().usage
    if (recorder is None or request.method not in COUNTED_METHODS
            or status not in COUNTED_STATUSES):
        return
    try:
        recorder.record(record_id, "investigation", access_method,
                        request_client_address(), request.headers.get("User-Agent", ""))
    except Exception:  # a lost event must not cost the reader the page
        log.exception("could not record a use of record %r", record_id)


@dataclass(frozen=True)
class RecordFigures:
    """A record's all-time figures and when figures were last processed."""

    totals: UsageTotals
    processed_at: datetime | None

    def as_dict(self) -> dict[str, int]:
        return self.totals.as_dict()


def record_figures(record_id: str) -> RecordFigures | None:
    """The figures shown with a record, or None when statistics are off."""
    services = current_services()
    if services.usage is None:
        return None
    with services.engine.connect() as connection:
        totals, processed_at = item_figures(connection, record_id)
    return RecordFigures(totals, processed_at)


def hits_figures(record_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """The all-time figures of a page of search hits, in one query."""
    with Session(current_services().engine) as session:
        return {rid: totals.as_dict()
                for rid, totals in items_totals(session, record_ids).items()}
