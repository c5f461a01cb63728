"""Inserting many rows fast, inside the caller's transaction.

When to use: a batch write of thousands of plain rows (the term index of a
batch of new records) where SQLAlchemy's per-row parameter handling costs
more than the database does. PostgreSQL with psycopg: ``COPY ... FROM
STDIN``; SQLite: the driver's ``executemany`` with tuples; anything else:
a Core ``insert()`` executemany. The rows are the same either way: values
that a column's SQLAlchemy type converts (an aware datetime of a
``UTCDateTime`` column, say) are converted as a Core insert would; plain
values (str, int, bool, None) of plain columns go as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

__all__ = ["insert_rows"]


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name in ("postgresql", "sqlite"):
        rows = _converted(rows, [table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
                                 for c in columns])
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})",
                                   [tuple(r) for r in rows])
        return
    connection.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])


def _converted(rows: Sequence[Sequence[Any]],
               processors: list[Callable[[Any], Any] | None]) -> Sequence[Sequence[Any]]:
    """The rows with each value through its column's bind processor, if any has one."""
    if not any(processors):
        return rows
    return [tuple(v if p is None else p(v) for p, v in zip(processors, row, strict=True))
            for row in rows]
