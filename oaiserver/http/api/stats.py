"""``/api/stats`` and ``/api/reports``: COUNTER usage figures of the repository.

=============================================================  ==================================
``GET /api/stats/records/<id>?from=&to=&interval=``            one record's figures per day,
                                                               month (default) or year, and its
                                                               all-time totals
``GET /api/reports/dsr?begin_date=&end_date=``                 the COUNTER R5 Dataset Report
                                                               (SUSHI JSON), as Make Data Count
                                                               collects it
=============================================================  ==================================

Dates are ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; a bad one is a 400
problem naming the parameter (``InvalidUsageQuery``). Figures come from
processed events only (``oaiserver stats process`` or the worker of
``serve``), so the latest uses show up after the next processing run.
With statistics off (``OAISERVER_STATS_ENABLED=false``) both answer 404.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from oaiserver.services import Services
from repository_core.errors import InvalidUsageQuery
from repository_core.stats import dataset_report, item_totals, parse_period, usage_series

from ..current import current_services

__all__ = ["CREATED_BY", "bp"]

bp = Blueprint("stats_api", __name__, url_prefix="/api")

CREATED_BY = "oaiserver"


def _enabled() -> Services:
    services = current_services()
    if services.usage is None:
        raise NotFound("usage statistics are turned off on this server (OAISERVER_STATS_ENABLED)")
    return services


@bp.get("/stats/records/<record_id>")
def record_stats(record_id: str) -> Response:
    services = _enabled()
    record = services.records.get(record_id)
    first, last, interval = parse_period(request.args.get("from") or None,
                                         request.args.get("to") or None,
                                         request.args.get("interval") or "month")
    with Session(services.engine) as session:
        series = usage_series(session, record.id, first, last, interval)
        totals = item_totals(session, record.id)
    base = services.config.base_url.rstrip("/")
    return jsonify({
        "id": record.id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "interval": interval,
        "totals": totals.as_dict(),
        "series": [point.as_dict() for point in series],
        "links": {"record": f"{base}/api/records/{quote(record.id, safe='')}"},
    })


@bp.get("/reports/dsr")
def dsr() -> Response:
    services = _enabled()
    for name in ("begin_date", "end_date"):
        if not request.args.get(name):
            raise InvalidUsageQuery(f"{name} is required (YYYY-MM or YYYY-MM-DD)",
                                    parameter=name)
    with Session(services.engine) as session:
        report = dataset_report(
            session, request.args["begin_date"], request.args["end_date"],
            platform=services.config.repository_id,
            institution_name=services.config.repository_name,
            created_by=CREATED_BY,
        )
    return jsonify(report)
