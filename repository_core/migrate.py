"""The database schema as a whole: every table, and migrating to it.

Tables are declared next to the code that owns them (records and sets in
``models``, others beside their feature); ``target_metadata()`` imports them
all so that Alembic sees one schema. ``upgrade(engine)`` is what
``oaiserver db upgrade`` runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

from .db import Base
from .search.rank_index import RANK_INDEX, ensure_rank_index

__all__ = [
    "alembic_config", "current_revision", "head_revision", "include_object", "include_object_on",
    "target_metadata", "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"
TABLE_MODULES = (
    "repository_core.models",
    "repository_core.outbox",
    "repository_core.query.term_table",
    "repository_core.search.embedded",
    "repository_core.search.queue",
    "repository_core.stats.tables",
    "repository_core.harvest.tables",
)
# SQLite's FTS5 table and its shadow tables: made by search.create_search_schema,
# not declared in the metadata, so comparisons must not see them.
UNDECLARED_TABLE_PREFIX = "search_fts"
# PostgreSQL's RUM index, made only where the extension is installed
UNDECLARED_INDEXES = frozenset({RANK_INDEX})


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Alembic filter: leave out tables and indexes the metadata cannot declare."""
    if type_ == "index" and name in UNDECLARED_INDEXES:
        return False
    return not (type_ == "table" and name is not None
                and name.startswith(UNDECLARED_TABLE_PREFIX))


def include_object_on(dialect: str) -> Callable[[object, str | None, str, bool, object], bool]:
    """:func:`include_object`, and leave out what the metadata declares for other
    databases only (``.ddl_if(dialect=...)``, such as query_terms' SQLite-only key)."""
    def include(obj: object, name: str | None, type_: str, reflected: bool,
                compare_to: object) -> bool:
        only = getattr(obj, "_ddl_if", None)  # SQLAlchemy keeps ddl_if()'s arguments here
        if not reflected and only is not None and only.dialect not in (None, dialect):
            return False
        return include_object(obj, name, type_, reflected, compare_to)
    return include


def target_metadata() -> MetaData:
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base.metadata


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (idempotent); at the head, with
    PostgreSQL's ``rum`` extension installed, its index too
    (:mod:`.search.rank_index`), whenever the extension came.

    On SQLite the migration's connection keeps its temporary storage in files,
    not in memory as the engine sets it for serving: a migration that builds
    an index over a large table (``query_terms`` holds some 150 rows a record)
    would otherwise sort all of it in memory. The setting goes back before the
    connection returns to the pool.
    """
    cfg = alembic_config()
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        # set outside a transaction, as SQLite requires of this pragma
        raw: Any = connection.connection.dbapi_connection
        if sqlite:
            raw.execute("PRAGMA temp_store = FILE")
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
                if revision == "head":
                    # the extension may have come after the migration that adds the index
                    ensure_rank_index(connection)
        finally:
            if sqlite:
                raw.execute("PRAGMA temp_store = MEMORY")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
