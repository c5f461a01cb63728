"""an index for searches: live records by creation

``records (deleted, created, id)``: the ``newest`` / ``oldest`` order of a
search (and of a query without bare words, ranked like ``newest``) walks
this index and stops after a page, where it sorted every match; counting
the live records reads the index alone, not every record's row with its
metadata.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_deleted_created_id", "records", ["deleted", "created", "id"])


def downgrade() -> None:
    op.drop_index("ix_records_deleted_created_id", table_name="records")
