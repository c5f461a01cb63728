"""planner statistics of query_terms: how field and term go together (PostgreSQL)

PostgreSQL estimates ``field = 'types.resourceTypeGeneral' AND term =
'dataset'`` as if the two columns were independent: at 100,000 records
it expected 226 rows where 30,498 came, and sorted every match by
creation (78 ms) instead of walking the ``records (deleted, created, ...)``
index backwards and probing ``query_terms`` for each record until a page
is full (10 ms). Extended statistics (the most common ``(field, term)``
pairs, their distinct count and dependency) give it the real frequencies
of a search's terms. The migration gathers them once (``ANALYZE
query_terms``, a sample); autovacuum keeps them up to date.

SQLite has no such statistics (its ``ANALYZE`` already counts the index's
``(field, term)`` prefixes): nothing to do there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

NAME = "st_query_terms_field_term"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE STATISTICS IF NOT EXISTS {NAME} (ndistinct, dependencies, mcv) "
               "ON field, term FROM query_terms")
    op.execute("ANALYZE query_terms")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP STATISTICS IF EXISTS {NAME}")
