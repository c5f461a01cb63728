"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from repository_core.migrate import (
    current_revision,
    head_revision,
    include_object_on,
    target_metadata,
    upgrade,
)


def test_migrated_database_matches_the_models(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object_on(engine.dialect.name)})
        diff = compare_metadata(context, target_metadata())
    assert diff == []


def test_upgrade_is_idempotent(engine):
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_sqlite_migrates_with_temporary_storage_in_files_and_serves_with_it_in_memory(
        tmp_path) -> None:
    """Every migration statement runs with ``temp_store`` FILE (an index built over a
    large table sorts on disk, not in memory); the connection goes back to the
    pool with MEMORY, the engine's setting for serving."""
    from sqlalchemy import event, text

    from repository_core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    seen: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _store(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("CREATE", "ALTER", "INSERT", "UPDATE")):
            seen.append(conn.connection.dbapi_connection.execute(
                "PRAGMA temp_store").fetchone()[0])

    upgrade(engine)
    event.remove(engine, "before_cursor_execute", _store)
    assert current_revision(engine) == head_revision()
    assert len(seen) > 20 and set(seen) == {1}  # 1: FILE
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA temp_store")).scalar_one() == 2  # 2: MEMORY
    engine.dispose()
