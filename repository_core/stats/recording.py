"""Recording a use of a record on the request path: one INSERT, nothing read.

When to use: the web layer calls ``UsageRecorder.record`` after it served a
landing page (``Regular``) or a record through the REST API or OAI-PMH
(``Machine``). The cost is one hash, one cached regular-expression match and
one INSERT, committed on its own; no counter row is read or updated, so a
crawler storm only appends rows that processing skips.

The INSERT is compiled once for the engine's dialect and run straight on a
pooled DBAPI connection (``_DirectInsert``): a single statement needs no
explicit transaction, and on a landing page this costs a third of what a
Core ``engine.begin()`` block does (BEGIN IMMEDIATE, INSERT, COMMIT). Values
still go through the columns' own bind processors, so rows are stored
exactly as SQLAlchemy stores them. On PostgreSQL the commit is asynchronous
(``synchronous_commit`` off for that transaction only): the request does not
wait for the WAL flush, and a server crash can lose at most the last fraction
of a second of events (PostgreSQL's guarantee), never corrupt anything.

When not to use: counting happens in ``processing``; nothing here reads
figures back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, insert

from ..datestamps import utcnow
from .robots import is_robot
from .sessions import DailySalts, client_hash
from .tables import ACCESS_METHODS, ACTIONS, UsageEventRow

__all__ = ["UsageRecorder"]

MAX_USER_AGENT = 1000  # longer strings are cut before matching (bounded work)


class _DirectInsert:
    """One INSERT into ``table``, compiled once, run on a raw pooled connection
    and committed at once (SQLite connections here are in autocommit mode;
    other databases get an explicit ``commit``)."""

    def __init__(self, engine: Engine, table: Table, columns: list[str]):
        dialect = engine.dialect
        compiled = insert(table).values({c: bindparam(c) for c in columns}).compile(
            dialect=dialect)
        self._engine = engine
        self._sql = str(compiled)
        # PostgreSQL: an asynchronous commit (no WAL flush to wait for); a
        # crash may lose the last moment's events, never a record's data
        self._prelude = ("SET LOCAL synchronous_commit TO OFF"
                         if dialect.name == "postgresql" else None)
        self._positions = list(compiled.positiontup or [])
        # the dialect's own form of each type (SQLite's DATETIME text keeps microseconds)
        self._processors = [(c, table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
                            for c in columns]

    def __call__(self, row: Mapping[str, Any]) -> None:
        values = {c: (p(row[c]) if p is not None else row[c]) for c, p in self._processors}
        params: Any = [values[c] for c in self._positions] if self._positions else values
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                if self._prelude:
                    cursor.execute(self._prelude)
                cursor.execute(self._sql, params)
            finally:
                cursor.close()
            connection.commit()
        finally:
            connection.close()  # back to the pool


class UsageRecorder:
    """Appends usage events; one instance per process, safe across threads."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow):
        self._salts = DailySalts(engine)
        self._clock = clock
        self._insert = _DirectInsert(engine, cast(Table, UsageEventRow.__table__), [
            "record_id", "action", "access_method", "is_robot", "session", "occurred"])

    def record(
        self,
        record_id: str,
        action: str,
        access_method: str,
        client_ip: str,
        user_agent: str,
        when: datetime | None = None,
    ) -> None:
        """Append one event. ``action`` is in ``ACTIONS``, ``access_method`` in
        ``ACCESS_METHODS``; the IP address and user agent are not stored."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if access_method not in ACCESS_METHODS:
            raise ValueError(f"unknown access method {access_method!r}")
        occurred = (when or self._clock()).astimezone(UTC)
        agent = (user_agent or "")[:MAX_USER_AGENT]
        row = {
            "record_id": record_id,
            "action": action,
            "access_method": access_method,
            "is_robot": is_robot(agent),
            "session": client_hash(self._salts.for_day(occurred.date()), client_ip, agent),
            "occurred": occurred,
        }
        self._insert(row)
