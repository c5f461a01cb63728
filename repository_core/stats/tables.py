"""The tables of usage statistics: raw events, daily aggregates, processing state.

``usage_events`` is append-only on the request path (one INSERT an event);
it holds no IP address and no user agent, only a robot flag and a session
hash that cannot be linked across days (see ``sessions``). The processor
(``processing``) turns events into ``usage_daily`` rows, one per record, day
and access method, and keeps its cursor in ``usage_state``; raw events are
purged once processed and older than the retention period.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

__all__ = [
    "ACCESS_METHODS",
    "ACTIONS",
    "UsageDailyRow",
    "UsageEventRow",
    "UsageStateRow",
]

# COUNTER's two kinds of use: looking at an item's description (investigation)
# and getting its content (request). This server hosts no files, so it only
# ever records investigations; requests are kept so that reports stay COUNTER.
ACTIONS = ("investigation", "request")
# COUNTER Code of Practice for Research Data: web pages are Regular, APIs Machine.
ACCESS_METHODS = ("Regular", "Machine")

# SQLite only auto-increments an INTEGER PRIMARY KEY.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class UsageEventRow(Base):
    """One use of one record, as recorded on the request path."""

    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    access_method: Mapped[str] = mapped_column(String(8))
    is_robot: Mapped[bool] = mapped_column(Boolean)
    session: Mapped[str] = mapped_column(String(32))
    occurred: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        # Processing re-reads one record's human events of one day.
        Index("ix_usage_events_record_occurred", "record_id", "occurred"),
        # Retention purges by age.
        Index("ix_usage_events_occurred", "occurred"),
    )


class UsageDailyRow(Base):
    """COUNTER metrics of one record on one UTC day by one access method."""

    __tablename__ = "usage_daily"

    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    access_method: Mapped[str] = mapped_column(String(8), primary_key=True)
    total_investigations: Mapped[int] = mapped_column(Integer, default=0)
    unique_investigations: Mapped[int] = mapped_column(Integer, default=0)
    total_requests: Mapped[int] = mapped_column(Integer, default=0)
    unique_requests: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # A month's report and "most viewed" scan by day across records.
        Index("ix_usage_daily_day_record", "day", "record_id"),
    )


class UsageStateRow(Base):
    """One row: the id of the last raw event processing has taken in, and the
    first day whose raw events are all still kept (earlier ones were purged)."""

    __tablename__ = "usage_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(EventId, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    purged_before: Mapped[date | None] = mapped_column(Date, nullable=True)
