"""the (field, term, record) index of query_terms carries each posting's position

``ix_query_terms_field_term (field, term, record_id)`` becomes
``ix_query_terms_field_term_pos (field, term, record_id, ord, pos)``: the
same prefix, so every lookup that used the old index uses this one, and a
phrase is now answered from the index alone. The phrase walk
(:mod:`repository_core.query.phrase`) starts at every posting of its
rarest word and checks the next word at position + 1: with the position in
the index the start set is read without the table, and each check is one
probe of this index (every column given) instead of a primary-key probe
plus a read of the row for its term. Measured at 100,000 records on SQLite,
``"sea ice"`` over 12,351 postings: 122 -> 8 ms as a join, the walk 94-136
-> 23-32 ms.

Statistics are gathered again (``ANALYZE query_terms``, a sample): without them for
the new index SQLite chose it for the facet counts, 8 -> 197 ms.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_query_terms_field_term_pos", "query_terms",
                    ["field", "term", "record_id", "ord", "pos"])
    op.drop_index("ix_query_terms_field_term", table_name="query_terms")
    _analyze()


def downgrade() -> None:
    op.create_index("ix_query_terms_field_term", "query_terms", ["field", "term", "record_id"])
    op.drop_index("ix_query_terms_field_term_pos", table_name="query_terms")
    _analyze()


def _analyze() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # a sample of each index (as PostgreSQL's ANALYZE takes), not all of it
        op.execute("PRAGMA analysis_limit = 1000")
    op.execute("ANALYZE query_terms")
