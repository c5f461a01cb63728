"""search_documents: an index of (doc_id, record_id) (SQLite)

A search by relevance of bare words walks the words' documents in the
full-text ranking's order (``repository_core.search.embedded._ranked_walk``):
for each document FTS5 matches, its record's id. Read through the table,
that is a row a document among rows that hold each record's whole text;
through this index, an entry of two numbers' size. At 1,000,000 records,
``turnout`` (38,412 documents), the ranking statement alone: 132-229 ms
through the table, 95-104 ms through the index (FTS5's ``bm25`` alone:
70 ms). The walk names the index (``INDEXED BY``): without it SQLite's
planner goes through the table's key.

Not on PostgreSQL: there the search ranks with ``ts_rank`` over each
match's ``tsvector`` and does not walk.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_search_documents_doc_record", "search_documents",
                        ["doc_id", "record_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_search_documents_doc_record", table_name="search_documents")
