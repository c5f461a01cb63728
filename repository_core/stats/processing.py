"""Turning raw usage events into COUNTER figures per record and day.

When to use: ``process_usage`` from the ``stats process`` command or a
worker thread, every few minutes. It reads events past its cursor in
batches (by id); for every (record, UTC day) a batch touches it recomputes
that day's figures from the day's raw human events, and commits them with
the advanced cursor in one transaction. The counting is set-wise SQL
(``count_touched``: one ``DELETE`` and one ``INSERT ... SELECT`` a batch),
not Python work per record-day. So:

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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Delete,
    Engine,
    Insert,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    distinct,
    func,
    insert,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..datestamps import utcnow
from ..db import write_engine
from .sessions import forget_salts_before
from .tables import UsageDailyRow, UsageEventRow, UsageStateRow

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_RETENTION_DAYS",
    "DOUBLE_CLICK",
    "BatchResult",
    "ProcessingResult",
    "count_touched",
    "pending_events",
    "process_batch",
    "process_usage",
    "purge",
]

DOUBLE_CLICK = timedelta(seconds=30)
DEFAULT_BATCH_SIZE = 20_000
DEFAULT_RETENTION_DAYS = 30

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


class _UTCDay(FunctionElement[date]):
    """The UTC day of a stored (naive UTC) timestamp, as a ``DATE``."""

    type = Date()
    inherit_cache = True


class _Hour(FunctionElement[str]):
    """The hour of day (two digits) of a stored timestamp, as text."""

    type = String()
    inherit_cache = True


class _Micros(FunctionElement[int]):
    """A stored timestamp as whole microseconds since the epoch: exact, so
    that a gap of exactly 30 s is "no more than 30 s" on every database."""

    type = BigInteger()
    inherit_cache = True


@compiles(_UTCDay)
def _utc_day(element: _UTCDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(_UTCDay, "sqlite")
def _utc_day_sqlite(element: _UTCDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(_Hour)
def _hour(element: _Hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'HH24')"


@compiles(_Hour, "sqlite")
def _hour_sqlite(element: _Hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%H', {compiler.process(element.clauses, **kw)})"


@compiles(_Micros)
def _micros(element: _Micros, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"


@compiles(_Micros, "sqlite")
def _micros_sqlite(element: _Micros, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff': the whole seconds (cut before
    # strftime, which would round .9995 up), then the fraction
    column = compiler.process(element.clauses, **kw)
    return (f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21, 6) AS INTEGER))")


class _DayStart(FunctionElement[datetime]):
    """The first instant of a ``DATE`` column's day (plus ``days``), comparable
    with stored timestamps; computed per row in SQL, so a join on it is a
    range of the (record_id, occurred) index."""

    type = DateTime()
    inherit_cache = True

    def __init__(self, day: Any, days: int = 0):
        self.days = days
        super().__init__(day)


@compiles(_DayStart)
def _day_start(element: _DayStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} + {int(element.days)} AS TIMESTAMP)"


@compiles(_DayStart, "sqlite")
def _day_start_sqlite(element: _DayStart, compiler: SQLCompiler, **kw: Any) -> str:
    # stored 'YYYY-MM-DD HH:MM:SS.ffffff' sorts after the bare 'YYYY-MM-DD' of its day
    return f"date({compiler.process(element.clauses, **kw)}, '+{int(element.days)} day')"


_E = UsageEventRow.__table__.c
_EVENTS = cast(Table, UsageEventRow.__table__)
_DAILY = cast(Table, UsageDailyRow.__table__)
# The (day, record) pairs the batch in progress touched; each session has its
# own, emptied every batch.
_TOUCHED = Table(
    "usage_touched", MetaData(),
    Column("day", Date(), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)
_DAILY_COLUMNS = ["record_id", "day", "access_method", "total_investigations",
                  "unique_investigations", "total_requests", "unique_requests"]


def _count_statements() -> tuple[Delete, Insert]:
    """The two statements of ``count_touched``, built once; ``last_id`` is their
    one parameter (events past it belong to the next batch)."""
    touched = _TOUCHED.c
    micros = _Micros(_E.occurred)
    # one touched (day, record) joins that record's events of that day: a
    # range of the (record_id, occurred) index, whatever the table's size
    clicks = select(
        touched.day, _E.record_id, _E.action, _E.access_method, _E.session,
        _Hour(_E.occurred).label("hour"), micros.label("t"),
        func.lag(micros).over(
            partition_by=(touched.day, _E.record_id, _E.action, _E.access_method, _E.session),
            order_by=_E.occurred,
        ).label("previous"),
    ).select_from(_TOUCHED.join(_EVENTS, and_(
        _E.record_id == touched.record_id,
        _E.occurred >= _DayStart(touched.day), _E.occurred < _DayStart(touched.day, 1),
    ))).where(_E.id <= bindparam("last_id"), _E.is_robot.is_(False)).subquery("clicks")
    # a click counts unless the one before it (same session, record, action
    # and method, same day) was no more than DOUBLE_CLICK earlier
    gap = int(DOUBLE_CLICK / timedelta(microseconds=1))
    counted = case((or_(clicks.c.previous.is_(None), clicks.c.t - clicks.c.previous > gap), 1),
                   else_=0)
    user_session = clicks.c.session + ":" + clicks.c.hour  # COUNTER: client and hour

    def total(action: str) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((clicks.c.action == action, counted), else_=0)), 0)

    def unique(action: str) -> ColumnElement[Any]:
        return func.count(distinct(case((clicks.c.action == action, user_session))))

    figures = select(
        clicks.c.record_id, clicks.c.day, clicks.c.access_method,
        total("investigation"), unique("investigation"), total("request"), unique("request"),
    ).group_by(clicks.c.day, clicks.c.record_id, clicks.c.access_method)
    forget = delete(_DAILY).where(
        tuple_(_DAILY.c.day, _DAILY.c.record_id).in_(select(touched.day, touched.record_id)))
    return forget, insert(_DAILY).from_select(_DAILY_COLUMNS, figures)


_FORGET_TOUCHED, _COUNT_TOUCHED = _count_statements()


def count_touched(connection: Connection, last_id: int) -> None:
    """Recompute the figures of every (record, day) in ``usage_touched`` from
    all of that record's human events of the day up to ``last_id``, in two
    set-wise statements for the whole batch.

    COUNTER's rules are SQL here: robots by the stored flag, double clicks by
    ``LAG`` over (day, record, action, method, session) ordered by time, unique
    counts as ``COUNT(DISTINCT session:hour)``.
    ``tests/repository_core/test_stats_rules.py`` checks it against a plain
    Python statement of the same rules.
    """
    params = {"last_id": last_id}
    connection.execute(_FORGET_TOUCHED, params)
    connection.execute(_COUNT_TOUCHED, params)


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


def process_batch(engine: Engine, batch_size: int) -> BatchResult:
    """Process the next ``batch_size`` events past the cursor, in one transaction.

    Events of days already purged are skipped. Returns what was done;
    ``events == 0`` means nothing was left.
    """
    with Session(write_engine(engine)) as session, session.begin():
        state = _state(session)
        keep_from = state.purged_before
        after_id = state.last_event_id
        conn = session.connection()  # Core statements: no ORM work per row
        ids = select(_E.id).where(_E.id > after_id).order_by(_E.id).limit(batch_size).subquery()
        last_id = conn.execute(select(func.max(ids.c.id))).scalar()
        if last_id is None:
            return BatchResult(0, 0, 0, 0)
        in_batch = (_E.id > after_id, _E.id <= last_id)
        day = _UTCDay(_E.occurred)
        events = robots = 0
        for is_robot, n in conn.execute(
                select(_E.is_robot, func.count()).where(*in_batch).group_by(_E.is_robot)):
            events += n
            robots += n if is_robot else 0
        _TOUCHED.create(conn, checkfirst=True)
        conn.execute(delete(_TOUCHED))
        humans = [*in_batch, _E.is_robot.is_(False)]
        if keep_from is not None:  # days already purged cannot be recomputed
            humans.append(_E.occurred >= _day_bounds(keep_from)[0])
        conn.execute(insert(_TOUCHED).from_select(
            ["day", "record_id"], select(day, _E.record_id).where(*humans).distinct()))
        days = conn.execute(select(func.count()).select_from(_TOUCHED)).scalar_one()
        if days:
            count_touched(conn, last_id)
        late = 0
        if keep_from is not None:
            late = conn.execute(select(func.count()).where(
                *in_batch, _E.is_robot.is_(False),
                _E.occurred < _day_bounds(keep_from)[0])).scalar_one()
        state.last_event_id = last_id
        state.processed_at = utcnow()
        return BatchResult(events, robots, days, late)


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
