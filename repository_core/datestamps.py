"""Datestamps that harvesters can trust.

Every write takes its datestamp from one locked clock row, inside the write's
own transaction, so datestamps are UTC, strictly increasing in commit order,
and never earlier than a bound already served to a harvester
(``serve_bound``). That is what lets an incremental harvest ``from=T`` miss
nothing that was written while the harvest at T ran.

When to use: ``next_datestamp`` in every transaction that changes a record or
its set membership; ``serve_bound`` once per harvest (its first page), in a
short transaction of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ClockRow

__all__ = ["EPOCH", "ceil_second", "lock_clock", "next_datestamp", "next_datestamps", "serve_bound", "utcnow"]

TICK = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _clock(session: Session) -> ClockRow:
    row = session.execute(
        select(ClockRow).where(ClockRow.id == 1).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = ClockRow(id=1, last_datestamp=EPOCH, served_until=EPOCH)
        session.add(row)
        session.flush()
    return row


def last_datestamp(session: Session) -> datetime:
    """The last datestamp given to a write (read, not locked): every later
    write gets a later one."""
    found = session.execute(select(ClockRow.last_datestamp).where(ClockRow.id == 1)).scalar()
    return EPOCH if found is None else found


def lock_clock(session: Session) -> None:
    """Take the clock row first in a write that will lock record rows.

    Every writer takes the clock before any record row (set changes lock the
    clock, then many records), so writers never wait on each other in a
    cycle on PostgreSQL.
    """
    _clock(session)


def next_datestamp(session: Session, now: datetime | None = None) -> datetime:
    """The datestamp for a write in this transaction (locks the clock row)."""
    row = _clock(session)
    stamp = max(now or utcnow(), row.last_datestamp + TICK, row.served_until + TICK)
    row.last_datestamp = stamp
    return stamp


def next_datestamps(session: Session, n: int, now: datetime | None = None) -> list[datetime]:
    """``n`` datestamps for the writes of a batch in this transaction, from one
    clock update: strictly increasing, each after every datestamp given or
    served before (the guarantees of :func:`next_datestamp`, ``n`` times)."""
    row = _clock(session)
    if n <= 0:
        return []
    first = max(now or utcnow(), row.last_datestamp + TICK, row.served_until + TICK)
    stamps = [first + i * TICK for i in range(n)]
    row.last_datestamp = stamps[-1]
    return stamps


def ceil_second(value: datetime) -> datetime:
    """The first whole second at or after ``value``."""
    whole = value.replace(microsecond=0)
    return whole if whole == value else whole + timedelta(seconds=1)


def serve_bound(session: Session, now: datetime | None = None) -> datetime:
    """Promise that no later write gets a datestamp <= the returned bound.

    Waits for writes in flight (they hold the clock row), so that once the
    caller's transaction commits, a fresh read sees every record whose
    datestamp is <= the bound. The bound is a whole second (OAI datestamps
    are), at or after ``now`` and after every datestamp already given, so a
    harvest includes every write committed before it began, and a harvester
    that comes back with ``from=<bound>`` gets every write after it.
    """
    row = _clock(session)
    bound = max(ceil_second(now or utcnow()), ceil_second(row.last_datestamp), row.served_until)
    row.served_until = bound
    return bound
