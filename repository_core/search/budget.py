"""A time budget for one search: past it, the database stops and the search is refused.

The query limits (:mod:`repository_core.query.limits`) bound a query's
shape; they cannot bound what a short query costs on a large store (``data
OR model OR ...`` over words that every record has reads millions of index
entries). This module bounds the time instead, in the database:

* SQLite: a progress handler, called every few thousand virtual machine
  steps, interrupts the statement once the request's deadline has passed
  (one deadline for all the statements of the search);
* PostgreSQL: ``SET LOCAL statement_timeout`` for the search's transaction
  (each statement gets the budget).

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

from sqlalchemy import text
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
    session.execute(text(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}"))
    try:
        yield
    except OperationalError as exc:
        if budget_exhausted(exc):
            raise _too_expensive(seconds, query) from None
        raise


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
