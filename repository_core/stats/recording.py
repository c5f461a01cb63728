"""Recording a use of a record on the request path: one INSERT, nothing read.

When to use: the web layer calls ``UsageRecorder.record`` after it served a
landing page (``Regular``) or a record through the REST API or OAI-PMH
(``Machine``). The cost is one hash, one cached regular-expression match and
one INSERT in a short transaction of its own; no counter row is read or
updated, so a crawler storm only appends rows that processing skips.

When not to use: counting happens in ``processing``; nothing here reads
figures back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from ..datestamps import utcnow
from ..db import write_engine
from .robots import is_robot
from .sessions import DailySalts, client_hash
from .tables import ACCESS_METHODS, ACTIONS, UsageEventRow

__all__ = ["UsageRecorder"]

MAX_USER_AGENT = 1000  # longer strings are cut before matching (bounded work)


class UsageRecorder:
    """Appends usage events; one instance per process, safe across threads."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow):
        self._engine = write_engine(engine)
        self._salts = DailySalts(engine)
        self._clock = clock
        self._insert = insert(UsageEventRow)

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
        with self._engine.begin() as connection:
            connection.execute(self._insert, row)
