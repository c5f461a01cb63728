"""Usage statistics by the COUNTER Code of Practice for Research Data.

::

    recording   UsageRecorder.record(...)      request path: one INSERT an event
    processing  process_usage(engine, ...)     worker / CLI: events -> daily figures
    reading     item_totals, items_totals,     REST API, landing page, "most viewed"
                usage_series, views_subquery
    report      dataset_report(session, ...)   COUNTER R5 Dataset Report (SUSHI JSON)
    tables      the three tables; sessions, robots: how an event is made anonymous

Nothing here imports Flask; bad queries raise ``errors.InvalidUsageQuery``.
"""

from __future__ import annotations

from .processing import ProcessingResult, process_usage
from .reading import (
    INTERVALS,
    UsagePoint,
    UsageTotals,
    item_figures,
    item_totals,
    items_totals,
    parse_period,
    usage_series,
    views_subquery,
)
from .recording import UsageRecorder
from .report import dataset_report
from .tables import ACCESS_METHODS, ACTIONS

__all__ = [
    "ACCESS_METHODS",
    "ACTIONS",
    "INTERVALS",
    "ProcessingResult",
    "UsagePoint",
    "UsageRecorder",
    "UsageTotals",
    "dataset_report",
    "item_figures",
    "item_totals",
    "items_totals",
    "parse_period",
    "process_usage",
    "usage_series",
    "views_subquery",
]
