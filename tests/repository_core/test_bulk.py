"""``insert_rows`` stores what a Core insert stores, converted values included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    select,
    text,
)
from sqlalchemy.orm import Session

from repository_core.bulk import insert_rows
from repository_core.db import UTCDateTime


def test_bulk_rows_are_stored_as_a_core_insert_stores_them(engine: Engine) -> None:
    metadata = MetaData()
    tables = [Table(name, metadata, Column("id", Integer, primary_key=True),
                    Column("name", String(20)), Column("stamp", UTCDateTime),
                    Column("flag", Boolean))
              for name in ("bulk_rows", "core_rows")]
    metadata.create_all(engine)
    moment = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
    rows = [(1, "whole second", moment, True),
            (2, "microseconds", moment + timedelta(microseconds=7), False),
            (3, "another zone", moment.astimezone(timezone(timedelta(hours=-5))), True),
            (4, None, None, None)]
    with Session(engine) as session, session.begin():
        insert_rows(session, tables[0], ("id", "name", "stamp", "flag"), rows)
        session.execute(tables[1].insert(), [dict(zip(("id", "name", "stamp", "flag"), r,
                                                      strict=True)) for r in rows])
    with engine.connect() as conn:
        read = [conn.execute(select(t).order_by(t.c.id)).all() for t in tables]
        # the stored form too: SQLite keeps datetimes as text, which must sort alike
        stored = [conn.execute(text(f"SELECT CAST(stamp AS VARCHAR), flag FROM {t.name} "
                                    "ORDER BY id")).all() for t in tables]
    assert read[0] == read[1]
    assert [tuple(r) for r in read[0]][2] == (3, "another zone", moment, True)
    assert stored[0] == stored[1]


def test_plain_values_keep_every_character_and_limit(engine: Engine) -> None:
    """Strings with COPY's special characters, integers at each width's limits,
    booleans and NULLs come back as given (PostgreSQL: ``COPY``'s text form)."""
    metadata = MetaData()
    tables = [Table(name, metadata, Column("id", Integer, primary_key=True),
                    Column("word", String(600)), Column("small", SmallInteger),
                    Column("big", BigInteger), Column("flag", Boolean))
              for name in ("plain_bulk", "plain_core")]
    metadata.create_all(engine)
    columns = ("id", "word", "small", "big", "flag")
    rows = [(1, "tab\there, newline\nthere, back\\slash", -32768, -(2 ** 63), False),
            (2, "ünïcødé 雪 \U0001F600", 32767, 2 ** 63 - 1, True),
            (3, "", 0, 0, None),
            (4, None, None, None, None)]
    with Session(engine) as session, session.begin():
        insert_rows(session, tables[0], columns, rows)
        session.execute(tables[1].insert(), [dict(zip(columns, r, strict=True)) for r in rows])
    with engine.connect() as conn:
        read = [[tuple(r) for r in conn.execute(select(t).order_by(t.c.id))] for t in tables]
    assert read[0] == read[1] == rows
