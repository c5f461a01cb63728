"""Engines and sessions: one code path for SQLite (WAL) and PostgreSQL.

The caller owns the session (``with Session(engine) as s, s.begin(): ...``).
Two engine flavours exist only because SQLite needs to know up front that a
transaction will write: ``write_engine(engine)`` makes SQLite start with
``BEGIN IMMEDIATE`` so that read-then-write transactions (the datestamp
clock) never deadlock; on PostgreSQL it is the same engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["BINARY_ROWS", "Base", "UTCDateTime", "is_sqlite", "make_engine", "write_engine"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, microseconds kept.

    Stored naive (as UTC) so that SQLite's text form sorts correctly and both
    databases compare the same way.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """One C call per value where the driver allows it (a list page reads thousands).

        SQLite hands back the text SQLAlchemy stored (``YYYY-MM-DD HH:MM:SS.ffffff``):
        ``fromisoformat`` with the offset appended reads it aware at once, instead
        of SQLAlchemy's regular expression and then ``replace``. Any other text
        takes the general path. A driver that hands back datetimes itself
        (psycopg) has them made aware by one function, not SQLAlchemy's two.
        """
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite":
            own = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
            return _aware if own is None else general
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str) and len(value) == 26:
                try:
                    return parse(value + "+00:00")
                except ValueError:
                    pass
            return general(value) if general is not None else value

        return process


def _aware(value: datetime | None) -> datetime | None:
    """A driver's naive UTC datetime, aware (:meth:`UTCDateTime.process_result_value`)."""
    return None if value is None else value.replace(tzinfo=UTC)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and their folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(parsed, **kwargs)
        if parsed.get_driver_name() == "psycopg":
            event.listen(engine, "do_execute", _execute_binary_rows)
        return engine

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")  # sorts and scratch tables of processing
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


#: An execution option: psycopg returns the statement's rows in binary. Its text
#: form sends a ``bytea`` as hexadecimal, twice its size, which the driver then
#: decodes: a list page's hundred kept payloads (100 rows of 2.5 KB: 0.78 ->
#: 0.30-0.36 ms of CPU, 1.4 -> 0.5-0.8 ms of wall time, best of five x 300).
#: Other drivers ignore it.
BINARY_ROWS = "binary_rows"


def _execute_binary_rows(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """``do_execute`` of a psycopg engine: a statement run with :data:`BINARY_ROWS`
    asks for binary rows (the values are the same Python objects)."""
    if context is None or not context.execution_options.get(BINARY_ROWS):
        return False
    cursor.execute(statement, parameters, binary=True)
    return True


def write_engine(engine: Engine) -> Engine:
    """The engine to use for a transaction that will write."""
    if is_sqlite(engine):
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine
