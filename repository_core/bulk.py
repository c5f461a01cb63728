"""Inserting many rows fast, inside the caller's transaction.

When to use: a batch write of thousands of plain rows (the term index of a
batch of new records) where SQLAlchemy's per-row parameter handling costs
more than the database does. PostgreSQL with psycopg: ``COPY ... FROM
STDIN``; SQLite: the driver's ``executemany`` with tuples; anything else:
a Core ``insert()`` executemany. The rows are the same either way; values
must be plain Python values the column takes as they are (str, int, bool,
None), not ones a SQLAlchemy type would convert.
"""

from __future__ import annotations

from collections.abc import Sequence
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
