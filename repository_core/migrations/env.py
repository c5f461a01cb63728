"""Alembic environment: runs on the connection that ``schema.upgrade`` passes."""

from __future__ import annotations

from alembic import context

from repository_core.migrate import include_object_on, target_metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through schema.upgrade
    raise RuntimeError("run migrations with `oaiserver db upgrade`")

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object_on(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
