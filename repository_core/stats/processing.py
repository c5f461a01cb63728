"""Turning raw usage events into COUNTER figures per record and day.

When to use: ``process_usage`` from the ``stats process`` command or a
worker thread, every few minutes. It reads events past its cursor in
batches (by id); for every (record, UTC day) a batch touches it recomputes
that day's figures from the day's raw human events, and commits them with
the advanced cursor in one transaction. So:

* it is idempotent: a (record, day) row is always a function of that day's
  events, never an increment, and processing again changes nothing;
* it is resumable: a run killed mid-batch rolls that batch back; the
  cursor still points before it and the next run does it again;
* several workers never double-count: each batch locks the state row.

COUNTER's rules, applied per record, day and access method:

* events flagged as robots are left out;
* double clicks: events of the same session, record, action (and access
  method) no more than ``DOUBLE_CLICK`` apart count once (a chain of such
  clicks counts once, as COUNTER's "only the last click is counted");
* unique counts: one per user-session, i.e. per client hash and hour of day.

Raw events older than the retention period (whole UTC days) are purged once
processed; a late event for an already purged day cannot be counted right
(its day can no longer be recomputed), so it is skipped. Salts of past days
are deleted, so old session hashes cannot be tied to anyone.

When not to use: on the request path (use ``recording``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import cast

from sqlalchemy import Engine, Table, and_, delete, func, insert, select
from sqlalchemy.orm import Session

from ..datestamps import utcnow
from ..db import write_engine
from .sessions import forget_salts_before
from .tables import UsageDailyRow, UsageEventRow, UsageStateRow

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_RETENTION_DAYS",
    "DOUBLE_CLICK",
    "BatchResult",
    "DayFigures",
    "ProcessingResult",
    "count_day",
    "pending_events",
    "process_batch",
    "process_usage",
    "purge",
]

DOUBLE_CLICK = timedelta(seconds=30)
DEFAULT_BATCH_SIZE = 20_000
DEFAULT_RETENTION_DAYS = 30
_IN_CHUNK = 500  # record ids per IN (...) list

DayKey = tuple[str, date]  # (record_id, day)


@dataclass
class DayFigures:
    total_investigations: int = 0
    unique_investigations: int = 0
    total_requests: int = 0
    unique_requests: int = 0


@dataclass(frozen=True)
class BatchResult:
    events: int
    robots: int
    days: int
    skipped_late: int


@dataclass
class ProcessingResult:
    events: int = 0
    robots: int = 0
    days: int = 0
    skipped_late: int = 0
    batches: int = 0
    purged: int = 0
    salts_forgotten: int = 0


def count_day(
    events: Iterable[tuple[str, str, str, datetime]],
) -> dict[str, DayFigures]:
    """COUNTER figures of one record's human events of one day, per access method.

    ``events`` are (action, access_method, session, occurred) tuples in any order.
    """
    clicks: dict[tuple[str, str, str], list[datetime]] = defaultdict(list)
    for action, method, session, occurred in events:
        clicks[(action, method, session)].append(occurred)
    figures: dict[str, DayFigures] = defaultdict(DayFigures)
    sessions: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for (action, method, session), times in clicks.items():
        times.sort()
        counted = 1 + sum(1 for a, b in pairwise(times) if b - a > DOUBLE_CLICK)
        day = figures[method]
        if action == "investigation":
            day.total_investigations += counted
        else:
            day.total_requests += counted
        sessions[(action, method)].update((session, t.hour) for t in times)
    for (action, method), seen in sessions.items():
        if action == "investigation":
            figures[method].unique_investigations = len(seen)
        else:
            figures[method].unique_requests = len(seen)
    return dict(figures)


def _state(session: Session) -> UsageStateRow:
    state = session.execute(
        select(UsageStateRow).where(UsageStateRow.id == 1).with_for_update()
    ).scalar_one_or_none()
    if state is None:
        state = UsageStateRow(id=1, last_event_id=0)
        session.add(state)
        session.flush()
    return state


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def process_batch(engine: Engine, batch_size: int) -> BatchResult:
    """Process the next ``batch_size`` events past the cursor, in one transaction.

    Events of days already purged are skipped. Returns what was done;
    ``events == 0`` means nothing was left.
    """
    e = UsageEventRow.__table__.c
    daily = cast(Table, UsageDailyRow.__table__)
    with Session(write_engine(engine)) as session, session.begin():
        state = _state(session)
        keep_from = state.purged_before
        conn = session.connection()  # Core statements: no ORM work per row
        batch = conn.execute(
            select(e.id, e.record_id, e.occurred, e.is_robot)
            .where(e.id > state.last_event_id).order_by(e.id).limit(batch_size)
        ).all()
        if not batch:
            return BatchResult(0, 0, 0, 0)
        last_id = batch[-1].id
        robots = late = 0
        touched: dict[date, set[str]] = defaultdict(set)
        for row in batch:
            day = row.occurred.date()
            if row.is_robot:
                robots += 1
            elif keep_from is not None and day < keep_from:
                late += 1
            else:
                touched[day].add(row.record_id)

        days = 0
        for day, record_ids in touched.items():
            start, end = _day_bounds(day)
            for chunk in _chunks(sorted(record_ids), _IN_CHUNK):
                by_record: dict[str, list[tuple[str, str, str, datetime]]] = defaultdict(list)
                for rid, action, method, sess, occurred in conn.execute(
                    select(e.record_id, e.action, e.access_method, e.session, e.occurred)
                    .where(e.record_id.in_(chunk), e.occurred >= start, e.occurred < end,
                           e.is_robot.is_(False), e.id <= last_id)
                ):
                    by_record[rid].append((action, method, sess, occurred))
                conn.execute(delete(daily).where(daily.c.day == day,
                                                 daily.c.record_id.in_(chunk)))
                rows = [
                    {"record_id": rid, "day": day, "access_method": method,
                     "total_investigations": f.total_investigations,
                     "unique_investigations": f.unique_investigations,
                     "total_requests": f.total_requests,
                     "unique_requests": f.unique_requests}
                    for rid, events in by_record.items()
                    for method, f in count_day(events).items()
                ]
                if rows:
                    conn.execute(insert(daily), rows)
                days += len(chunk)
        state.last_event_id = last_id
        state.processed_at = utcnow()
        return BatchResult(len(batch), robots, days, late)


def purge(engine: Engine, *, retention_days: int, now: datetime) -> tuple[int, int]:
    """Delete processed events of days older than ``retention_days``, and past salts.

    Returns (events deleted, salts deleted).
    """
    cutoff_day = now.astimezone(UTC).date() - timedelta(days=retention_days)
    cutoff, _ = _day_bounds(cutoff_day)
    with Session(write_engine(engine)) as session, session.begin():
        state = _state(session)
        result = session.execute(delete(UsageEventRow).where(and_(
            UsageEventRow.occurred < cutoff, UsageEventRow.id <= state.last_event_id)))
        if state.purged_before is None or state.purged_before < cutoff_day:
            state.purged_before = cutoff_day
        salts = forget_salts_before(session, now.astimezone(UTC).date())
    return int(getattr(result, "rowcount", 0) or 0), salts


def pending_events(engine: Engine) -> int:
    """How many recorded events processing has not taken in yet."""
    with Session(engine) as session:
        state = session.get(UsageStateRow, 1)
        last = state.last_event_id if state is not None else 0
        return int(session.execute(
            select(func.count()).select_from(UsageEventRow).where(UsageEventRow.id > last)
        ).scalar_one())


def process_usage(
    engine: Engine,
    batch_size: int = DEFAULT_BATCH_SIZE,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    *,
    now: datetime | None = None,
    max_batches: int | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> ProcessingResult:
    """Process every event recorded so far, then purge what retention allows.

    ``max_batches`` stops early (the rest is left for the next run, as after a kill);
    ``on_batch`` is called after each committed batch (progress bars).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if retention_days < 0:
        raise ValueError("retention_days must not be negative")
    now = now or utcnow()
    result = ProcessingResult()
    while max_batches is None or result.batches < max_batches:
        done = process_batch(engine, batch_size)
        if done.events == 0:
            break
        result.batches += 1
        result.events += done.events
        result.robots += done.robots
        result.days += done.days
        result.skipped_late += done.skipped_late
        if on_batch is not None:
            on_batch(done)
    else:
        return result  # stopped early: purge only once everything is in
    result.purged, result.salts_forgotten = purge(engine, retention_days=retention_days, now=now)
    return result
