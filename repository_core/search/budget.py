"""A time budget for one search: past it, the database stops and the search is refused.

The query limits (:mod:`repository_core.query.limits`) bound a query's
shape; they cannot bound what a short query costs on a large store (``data
OR model OR ...`` over words that every record has reads millions of index
entries). This module bounds the time instead, in the database:

* SQLite: a progress handler, called every few thousand virtual machine
  steps, interrupts the statement once the request's deadline has passed
  (one deadline for all the statements of the search);
* PostgreSQL: ``SET LOCAL statement_timeout`` for the search's transaction,
  lowered before a statement to the time left of the same deadline
  (:class:`_Deadline`), so that a search of several statements cannot take
  the budget once for each of them.

Either way the search raises :class:`~repository_core.errors.QueryTooExpensive`
(a 400 problem: narrow the query), the transaction is rolled back, and the
connection goes back to the pool as it was.

What this module is not for: operator work (filling a set over the whole
store may take longer, and does not come through here).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import QueryTooExpensive

__all__ = ["PROGRESS_STEPS", "budget_exhausted", "time_budget"]

#: SQLite virtual machine instructions between two looks at the clock (well under 1 ms)
PROGRESS_STEPS = 20_000


@contextmanager
def time_budget(session: Session, seconds: float | None, query: str = "") -> Iterator[None]:
    """Run the body's statements on ``session`` within ``seconds`` (None: no budget)."""
    if seconds is None:
        yield
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw: Any = connection.connection.driver_connection
        deadline = time.monotonic() + seconds
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
        try:
            yield
        except OperationalError as exc:
            if budget_exhausted(exc) and time.monotonic() > deadline:
                raise _too_expensive(seconds, query) from None
            raise
        finally:
            raw.set_progress_handler(None, 0)
        return
    bound = _Deadline(seconds)
    session.execute(text(f"SET LOCAL statement_timeout = {_ms(seconds)}"))
    event.listen(connection, "before_cursor_execute", bound.narrow)
    try:
        yield
    except OperationalError as exc:
        if budget_exhausted(exc):
            raise _too_expensive(seconds, query) from None
        raise
    finally:
        event.remove(connection, "before_cursor_execute", bound.narrow)


#: transaction control, which must run as it is: after a stopped statement only
#: ``ROLLBACK TO SAVEPOINT`` is accepted, and each is instant anyway
_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN")


class _Deadline:
    """PostgreSQL: one deadline for every statement of a search.

    ``statement_timeout`` bounds each statement, not their sum: at 1,000,000
    records a refused phrase took 1.2 to 1.6 s a request (``bench_search.py``),
    its statements before the one stopped each under the budget. Before each
    statement the timeout is set to the time left, but only when the one
    set last would let the statement end more than a twentieth of the
    budget past the deadline: the few statements of a fast search go
    without the extra round trip, and a slow one overruns by that much at
    most.
    """

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.slack = seconds / 20
        self.timeout = seconds  # the statement_timeout set last

    def narrow(self, _conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        now = time.monotonic()
        if now + self.timeout <= self.deadline + self.slack or statement.startswith(_CONTROL):
            return
        # the time left (past the deadline: the least, and the database stops
        # the statement at once). A setting made inside a savepoint that is
        # rolled back reverts to the one before, which ``self.timeout`` does
        # not follow: facet counts, the only statements so wrapped, come last.
        self.timeout = max(0.001, self.deadline - now)
        cursor.execute(f"SET LOCAL statement_timeout = {_ms(self.timeout)}")


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def budget_exhausted(exc: OperationalError) -> bool:
    """Whether the database stopped a statement because the budget ran out."""
    if getattr(exc.orig, "sqlstate", None) == "57014":  # PostgreSQL: query_canceled
        return True
    return str(exc.orig) == "interrupted"  # SQLite: the progress handler said stop


def _too_expensive(seconds: float, query: str) -> QueryTooExpensive:
    return QueryTooExpensive(
        f"the query needs more than {seconds:g} s of the database; narrow it "
        "(fewer or rarer words, a field, a filter)",
        limit="max_seconds", value=seconds, found=seconds, query=query)
