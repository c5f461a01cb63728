"""Reading usage figures: per record, for many records, as a series, as a sort key.

Figures come from the processed daily rows only (``usage_daily``), so a
read is an index range scan whatever the number of raw events. Unique
counts add up across days exactly, because a COUNTER user-session (client
and hour) never spans two days.

Statistics are not part of a record's revision: nothing here touches the
record, its datestamp or its ETag.

Dates given as strings are parsed here (``parse_period``) so that every
caller rejects the same bad input with ``InvalidUsageQuery``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Subquery, bindparam, func, select
from sqlalchemy.orm import Session

from ..errors import InvalidUsageQuery
from .tables import UsageDailyRow, UsageStateRow

__all__ = [
    "INTERVALS",
    "MAX_POINTS",
    "UsagePoint",
    "UsageTotals",
    "item_figures",
    "item_totals",
    "items_totals",
    "parse_date",
    "parse_period",
    "usage_series",
    "views_subquery",
]

INTERVALS = ("day", "month", "year")
MAX_POINTS = 3660  # ten years of days: a bound on one series
_METRICS = ("total_investigations", "unique_investigations", "total_requests", "unique_requests")


@dataclass(frozen=True)
class UsageTotals:
    """COUNTER's four dataset metrics (requests are 0 where nothing is downloaded)."""

    total_investigations: int = 0
    unique_investigations: int = 0
    total_requests: int = 0
    unique_requests: int = 0

    def __add__(self, other: UsageTotals) -> UsageTotals:
        return UsageTotals(*(getattr(self, m) + getattr(other, m) for m in _METRICS))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class UsagePoint:
    """Figures of one period (a day, a month or a year) starting on ``start``."""

    start: date
    totals: UsageTotals

    def as_dict(self) -> dict[str, object]:
        return {"period": self.start.isoformat(), **self.totals.as_dict()}


def parse_date(value: str | date | None, parameter: str) -> date | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` (first of the month) or ``YYYY`` (1 January)."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    formats = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}
    try:
        if len(text) not in formats:
            raise ValueError(text)
        return datetime.strptime(text, formats[len(text)]).date()
    except ValueError:
        raise InvalidUsageQuery(
            f"{parameter}: {value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
            parameter=parameter) from None


def _period_start(day: date, interval: str) -> date:
    if interval == "year":
        return day.replace(month=1, day=1)
    if interval == "month":
        return day.replace(day=1)
    return day


def _next_start(start: date, interval: str) -> date:
    if interval == "year":
        return start.replace(year=start.year + 1)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def parse_period(
    start: str | date | None, end: str | date | None, interval: str = "month",
    *, today: date | None = None,
) -> tuple[date, date, str]:
    """Check a series query; returns (first day, last day, interval).

    ``end`` defaults to today (UTC), ``start`` to one year before ``end``.
    ``end`` given as ``YYYY-MM`` or ``YYYY`` means the end of that month or year.
    """
    if interval not in INTERVALS:
        raise InvalidUsageQuery(
            f"interval: {interval!r} is not one of {', '.join(INTERVALS)}", parameter="interval")
    last = parse_date(end, "to")
    if isinstance(end, str) and last is not None:
        unit = {4: "year", 7: "month"}.get(len(end.strip()))
        if unit:
            last = _next_start(last, unit) - timedelta(days=1)
    last = last or today or datetime.now(UTC).date()
    first = parse_date(start, "from") or last.replace(year=last.year - 1) + timedelta(days=1)
    if first > last:
        raise InvalidUsageQuery(f"from ({first}) is after to ({last})", parameter="from")
    points, cursor = 0, _period_start(first, interval)
    while cursor <= last:
        points += 1
        if points > MAX_POINTS:
            raise InvalidUsageQuery(
                f"the period has more than {MAX_POINTS} {interval}s", parameter="interval")
        cursor = _next_start(cursor, interval)
    return first, last, interval


def _sums() -> list[ColumnElement[int]]:
    return [func.coalesce(func.sum(getattr(UsageDailyRow, m)), 0) for m in _METRICS]


def item_totals(session: Session, record_id: str) -> UsageTotals:
    """All-time figures of one record (zeros if it was never used)."""
    return items_totals(session, [record_id])[record_id]


_ITEM_FIGURES = select(
    *(func.coalesce(func.sum(getattr(UsageDailyRow, m)), 0) for m in _METRICS),
    select(UsageStateRow.processed_at).where(UsageStateRow.id == 1).scalar_subquery(),
).where(UsageDailyRow.record_id == bindparam("record_id"))


def item_figures(connection: Connection, record_id: str) -> tuple[UsageTotals, datetime | None]:
    """All-time figures of one record and when processing last changed any figure,
    in one Core statement: what a page shows and builds its validators from, on
    the request path (a tenth of the cost of ``item_totals`` in a new ORM session)."""
    *values, processed_at = connection.execute(_ITEM_FIGURES, {"record_id": record_id}).one()
    return UsageTotals(*(int(v) for v in values)), processed_at


def items_totals(session: Session, record_ids: Iterable[str]) -> dict[str, UsageTotals]:
    """All-time figures of each record, in one query (zeros for the unused)."""
    ids = list(dict.fromkeys(record_ids))
    found: dict[str, UsageTotals] = {rid: UsageTotals() for rid in ids}
    for i in range(0, len(ids), 500):
        rows = session.execute(
            select(UsageDailyRow.record_id, *_sums())
            .where(UsageDailyRow.record_id.in_(ids[i:i + 500]))
            .group_by(UsageDailyRow.record_id)
        )
        for row in rows:
            found[row[0]] = UsageTotals(*(int(v) for v in row[1:]))
    return found


def usage_series(
    session: Session,
    record_id: str,
    start: str | date | None = None,
    end: str | date | None = None,
    interval: str = "month",
) -> list[UsagePoint]:
    """Figures of one record per day, month or year from ``start`` to ``end``
    (inclusive), every period present, zeros where unused."""
    first, last, interval = parse_period(start, end, interval)
    periods: dict[date, UsageTotals] = {}
    cursor = _period_start(first, interval)
    while cursor <= last:
        periods[cursor] = UsageTotals()
        cursor = _next_start(cursor, interval)
    rows = session.execute(
        select(UsageDailyRow.day, *(getattr(UsageDailyRow, m) for m in _METRICS))
        .where(UsageDailyRow.record_id == record_id,
               UsageDailyRow.day >= first, UsageDailyRow.day <= last)
    )
    for day, *values in rows:
        key = _period_start(day, interval)
        periods[key] = periods[key] + UsageTotals(*values)
    return [UsagePoint(start, totals) for start, totals in periods.items()]


def views_subquery(metric: str = "unique_investigations") -> Subquery:
    """``(record_id, views)``: all-time ``metric`` per used record, to outer-join
    on ``records.id`` and sort search results by ("most viewed")::

        views = views_subquery()
        stmt = (select(RecordRow).outerjoin(views, views.c.record_id == RecordRow.id)
                .order_by(func.coalesce(views.c.views, 0).desc(), RecordRow.id))
    """
    if metric not in _METRICS:
        raise InvalidUsageQuery(f"no usage metric {metric!r}", parameter="metric")
    return (
        select(UsageDailyRow.record_id,
               func.sum(getattr(UsageDailyRow, metric)).label("views"))
        .group_by(UsageDailyRow.record_id)
        .subquery("record_views")
    )
