"""PostgreSQL's planner statistics kept current while a load grows the tables.

When to use: in a writer that adds many thousands of rows in one long run
(``oaiserver load``, a harvest of another repository). When not to use: for ordinary writes, where
autovacuum's analyze (when it is on) keeps up.

Why: the load's connection prepares its repeated statements on the server
(psycopg does, after five runs), and after five custom plans PostgreSQL may
switch to a *generic* plan, built once with the table sizes of that moment
and kept until something invalidates it. A generic plan made while the
tables were small kept a sequential scan of ``concepts`` for the check that
new ids are free, with the ``id IN (...)`` list of 1,000 parameters tested
row by row; PostgreSQL switched to it once the custom plans' average cost
passed its frozen cost, near 60,000 records, and from there each batch
spent 1.7-2.7 s and growing in that one check (the load fell from 350 to
120 records/s). ``ANALYZE`` gives the planner the tables' real sizes and
value statistics, and it invalidates the cached plans that read them, so
they are made again from the new figures. PostgreSQL's own advice for bulk
loads is to run it afterwards; a server running without autovacuum (a
common setting for bulk-load and test servers) never analyzes the tables
otherwise.

``ANALYZE`` reads a sample of each table (at most 30,000 rows at the default
statistics target) and takes a lock that lets reads and writes go on.
Nothing is done on SQLite: it keeps no generic plans across table growth,
and its ``ANALYZE`` reads whole indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, text

from .models import ConceptRow, MembershipRow, PayloadRow, RecordRow
from .query.term_table import TermRow
from .search.embedded import SearchDocumentRow

__all__ = ["FIRST_AFTER", "GROWTH", "LOADED_TABLES", "StatisticsSchedule"]

#: the tables a load fills, their row counts growing with the records
LOADED_TABLES = (RecordRow.__tablename__, ConceptRow.__tablename__, TermRow.__tablename__,
                 MembershipRow.__tablename__, PayloadRow.__tablename__,
                 SearchDocumentRow.__tablename__)

#: records a run writes before its first ANALYZE (enough for the planner to
#: see the tables are not empty; a few batches)
FIRST_AFTER = 5_000
#: then again each time the records grew by this share since the last one
GROWTH = 0.5


class StatisticsSchedule:
    """When a long load analyzes the tables it writes: after ``first_after``
    records of the run, then whenever the records have grown by ``growth``
    since the last time (at the start: the stored records the planner
    knows of). About log1.5 of the final size times over a load from
    empty (14 for a million), each reading a sample of ``tables``."""

    def __init__(self, *, first_after: int = FIRST_AFTER, growth: float = GROWTH,
                 tables: Sequence[str] = LOADED_TABLES):
        self.tables = tuple(tables)
        self.first_after = first_after
        self.growth = growth
        self.since = 0
        self.known: int | None = None
        self.runs = 0

    def written(self, engine: Engine, count: int) -> bool:
        """Count ``count`` records just committed; analyze when due (in a
        transaction of its own). True when it did."""
        if count <= 0 or engine.dialect.name != "postgresql":
            return False
        if self.known is None:
            with engine.connect() as connection:
                self.known = _planner_rows(connection)
        self.since += count
        if self.since < max(self.first_after, self.growth * self.known):
            return False
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {', '.join(self.tables)}"))
        self.known += self.since
        self.since = 0
        self.runs += 1
        return True


def _planner_rows(connection: Connection) -> int:
    """The records the planner last counted (0 before the table's first ANALYZE)."""
    rows = connection.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
                              {"name": RecordRow.__tablename__}).scalar()
    return max(0, int(rows or 0))
