"""query_terms' (field, num, record) index keeps only the rows that have a number

``ix_query_terms_field_num`` indexed every row, and about 95 of 100 rows are
tokens and keywords whose ``num`` is NULL: entries no query reads (a range
on a number or date field compares ``num``, which a NULL never satisfies).
It becomes partial, ``WHERE num IS NOT NULL``: the same entries for every
lookup that used it, a fraction of the size, and one index less to update
for most rows a load writes. Measured on SQLite, inserting the term rows of
3,000 synthetic records three times: 20.8 -> 16.6 s.

Both databases use a partial index when the query's condition implies its
predicate (``num >= x`` implies ``num IS NOT NULL``); the facet counts over
every record say ``num IS NOT NULL`` outright.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_HAS_NUMBER = sa.text("num IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_query_terms_field_num", table_name="query_terms")
    op.create_index("ix_query_terms_field_num", "query_terms", ["field", "num", "record_id"],
                    sqlite_where=_HAS_NUMBER, postgresql_where=_HAS_NUMBER)
    _analyze()


def downgrade() -> None:
    op.drop_index("ix_query_terms_field_num", table_name="query_terms")
    op.create_index("ix_query_terms_field_num", "query_terms", ["field", "num", "record_id"])
    _analyze()


def _analyze() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA analysis_limit = 1000")  # a sample, as PostgreSQL's ANALYZE takes
    op.execute("ANALYZE query_terms")
