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
