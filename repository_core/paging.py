"""Keyset paging in (datestamp, id) order: the one range condition every list uses.

The store's record lists, a set's membership pages and the OAI-PMH lists all
page by the pair (datestamp, id), never by offset, so page 10,000 costs what
page 1 costs. :func:`keyset_range` builds the WHERE clauses for "after this
cursor, within [since, until]" over any two columns of that shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import literal, tuple_

from .db import UTCDateTime
from .records import Cursor

__all__ = ["keyset_range"]


def keyset_range(
    datestamp: Any,
    record_id: Any,
    *,
    after: Cursor | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Any]:
    """Clauses selecting rows strictly after ``after`` with since <= datestamp <= until.

    The row-value comparison is one index range even when a set change gave
    thousands of records one datestamp; the plain lower bound beside it (the
    cursor's datestamp folded into ``since``) lets the planner, SQLite's in
    particular, start the range scan at the cursor instead of sorting
    everything after it.
    """
    clauses: list[Any] = []
    lower = since
    if after is not None:
        clauses.append(tuple_(datestamp, record_id)
                       > tuple_(literal(after.datestamp, UTCDateTime()), literal(after.id)))
        lower = after.datestamp if since is None else max(since, after.datestamp)
    if lower is not None:
        clauses.append(datestamp >= lower)
    if until is not None:
        clauses.append(datestamp <= until)
    return clauses
