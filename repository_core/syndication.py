"""The records this repository publishes to crawlers and aggregators, in pages.

Sitemaps and ResourceSync list the records that are live and ours.
:func:`syndicated` is the one place that says which those are: records
taken in from elsewhere (harvested) are not ours to announce and are left
out here, and nowhere else. A draft DOI hides only the DOI, never the record
(``public_doi``), so every live record has a public landing page.

Pages are fixed keyset ranges ``(after, last]`` in ``(datestamp, id)``
order, the order every list of the store uses. A page's range is written
into its URL, so a page read while records change only loses the records
that changed (their new datestamp is beyond every range given out), never
gains one: no page exceeds its size and no record is listed twice.
:func:`page_ranges` finds the boundaries with one pass over the
``(datestamp, id)`` index (``row_number()``, never OFFSET), and
:func:`entries_in` reads one range with :func:`~.paging.keyset_range`.

Not for: the documents themselves (``oaiserver.syndication``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, tuple_
from sqlalchemy.orm import Session

from .db import UTCDateTime
from .models import ClockRow, RecordRow
from .paging import keyset_range
from .records import Cursor, Record
from .store import row_to_record

__all__ = [
    "PageRange",
    "PageRangeCache",
    "entries_in",
    "first_datestamp",
    "page_ranges",
    "records_in",
    "syndicated",
]


def syndicated(*, include_deleted: bool = False) -> ColumnElement[bool]:
    """SQL: the record belongs in sitemaps and ResourceSync (live, and ours).

    ``include_deleted`` keeps our tombstones too: a change list announces
    deletions.
    """
    # ours: not harvested from another provider (``oaiserver harvest``)
    clauses: list[ColumnElement[bool]] = [RecordRow.harvest_source.is_(None)]
    if not include_deleted:
        clauses.append(RecordRow.deleted.is_(False))
    return and_(*clauses)


@dataclass(frozen=True)
class PageRange:
    """The records with ``after < (datestamp, id) <= last``; ``after`` None: from the start."""

    after: Cursor | None
    last: Cursor


def page_ranges(session: Session, page_size: int, *,
                include_deleted: bool = False) -> list[PageRange]:
    """The ranges of pages of ``page_size`` records, in order; [] when there are none.

    One pass over the index numbers the rows and keeps every
    ``page_size``-th one (a page's last row); the last row of all closes the
    final page. The cost grows with the number of records, not of pages
    times their size, and no row's metadata is read.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    where = syndicated(include_deleted=include_deleted)
    number = func.row_number().over(order_by=(RecordRow.datestamp, RecordRow.id)).label("n")
    numbered = select(RecordRow.datestamp, RecordRow.id, number).where(where).subquery()
    ends = [Cursor(d, i) for d, i in session.execute(
        select(numbered.c.datestamp, numbered.c.id)
        .where(numbered.c.n % page_size == 0)
        .order_by(numbered.c.n)
    )]
    final = session.execute(
        select(RecordRow.datestamp, RecordRow.id).where(where)
        .order_by(RecordRow.datestamp.desc(), RecordRow.id.desc()).limit(1)
    ).first()
    if final is not None and (not ends or ends[-1] != Cursor(final[0], final[1])):
        ends.append(Cursor(final[0], final[1]))
    return [PageRange(ends[k - 1] if k else None, end) for k, end in enumerate(ends)]


def _in_range(page: PageRange, include_deleted: bool) -> list[Any]:
    last = tuple_(literal(page.last.datestamp, UTCDateTime()), literal(page.last.id))
    return [*keyset_range(RecordRow.datestamp, RecordRow.id, after=page.after,
                          until=page.last.datestamp),
            tuple_(RecordRow.datestamp, RecordRow.id) <= last,
            syndicated(include_deleted=include_deleted)]


def entries_in(session: Session, page: PageRange, *, limit: int,
               include_deleted: bool = False) -> list[Cursor]:
    """(datestamp, id) of the records in ``page``, at most ``limit`` (metadata not read)."""
    stmt = (select(RecordRow.datestamp, RecordRow.id)
            .where(*_in_range(page, include_deleted))
            .order_by(RecordRow.datestamp, RecordRow.id).limit(limit))
    return [Cursor(d, i) for d, i in session.execute(stmt)]


def records_in(session: Session, page: PageRange, *, limit: int,
               include_deleted: bool = False) -> list[Record]:
    """The records in ``page`` (tombstones too if ``include_deleted``), at most ``limit``."""
    stmt = (select(RecordRow)
            .where(*_in_range(page, include_deleted))
            .order_by(RecordRow.datestamp, RecordRow.id).limit(limit))
    return [row_to_record(r) for r in session.execute(stmt).scalars()]


def first_datestamp(session: Session, *, include_deleted: bool = False) -> datetime | None:
    """The earliest datestamp among the listed records (None when there are none)."""
    return session.execute(
        select(func.min(RecordRow.datestamp)).where(syndicated(include_deleted=include_deleted))
    ).scalar_one()


class PageRangeCache:
    """:func:`page_ranges` kept until the next write, in one process.

    Finding the boundaries reads the whole datestamp index; the answer can
    only change with a write, and every write moves the datestamp clock
    (``datestamps.next_datestamp``). So the ranges are kept with the clock's
    value read before them, and computed again once it has moved. (Read
    first, the clock can only be older than the ranges kept with it, so a
    write in between costs one computation more, never a stale answer.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[int, bool], tuple[datetime, list[PageRange]]] = {}

    def ranges(self, session: Session, page_size: int, *,
               include_deleted: bool = False) -> list[PageRange]:
        clock = session.execute(
            select(ClockRow.last_datestamp).where(ClockRow.id == 1)
        ).scalar_one_or_none()
        key = (page_size, include_deleted)
        with self._lock:
            kept = self._kept.get(key)
        if clock is not None and kept is not None and kept[0] == clock:
            return kept[1]
        ranges = page_ranges(session, page_size, include_deleted=include_deleted)
        if clock is not None:
            with self._lock:
                self._kept[key] = (clock, ranges)
        return ranges
