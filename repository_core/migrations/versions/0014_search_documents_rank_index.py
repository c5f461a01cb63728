"""search_documents: a RUM index of the vectors, where the extension is installed (PostgreSQL)

A search by relevance of one word matched by many records ranked every
document of the word through the GIN index to keep the best. Where the
``rum`` extension is installed (by a superuser: ``CREATE EXTENSION rum``),
its index gives the documents best ranked first, and the walk stops when
it has its hits (``repository_core.search.rank_index``). Without the
extension nothing changes; ``oaiserver db upgrade`` adds the index later,
once the extension is there. Building it reads every vector (at 100,000
records 3.7 s, 45 MB).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from repository_core.search.rank_index import RANK_INDEX, ensure_rank_index

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_rank_index(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {RANK_INDEX}")
