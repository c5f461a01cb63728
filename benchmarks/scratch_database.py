"""A database a benchmark may fill and throw away.

SQLite: a file in a temporary folder (the folder also serves as the
configuration's ``data_dir``). PostgreSQL (or any URL given): a fresh schema
of its own on that server, dropped at the end, so a benchmark never touches
the tables already there. :func:`kept_database` is the one a later run finds
again (``--keep``).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from repository_core.db import make_engine


@contextmanager
def scratch_database(url: str, name: str) -> Iterator[tuple[Engine, Path]]:
    """(engine, temporary folder) for a benchmark called ``name``; ``url`` empty means SQLite."""
    with tempfile.TemporaryDirectory(prefix=f"{name}_") as folder:
        if not url:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                yield engine, Path(folder)
            finally:
                engine.dispose()
            return
        admin = make_engine(url)
        schema = f"{name}_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine, Path(folder)
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@contextmanager
def kept_database(url: str, keep: str) -> Iterator[tuple[Engine, Path]]:
    """(engine, folder) of a database kept between runs: SQLite file ``keep``, or
    schema ``keep`` of the PostgreSQL server at ``url``."""
    if not url:
        path = Path(keep).resolve()
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine, path.parent
        finally:
            engine.dispose()
        return
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{keep}"'))
    admin.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={keep}"})
    try:
        with tempfile.TemporaryDirectory(prefix="kept_database_") as folder:
            yield engine, Path(folder)
    finally:
        engine.dispose()
