"""query terms for the publisher facet and the title sort

No schema change: ``query_terms`` gains two kinds of rows, written by the
write hook for every record stored from now on, and back-filled here for
the records already stored:

* ``publisher``: the publisher's name as one keyword value (the publisher
  facet and the ``publisher:`` query field), with the name as written;
* ``_title_sort``: the normalised main title the ``title`` sort orders by.

Downgrade removes those rows. An Elasticsearch / OpenSearch index needs
``oaiserver search reindex`` (its mapping gains the same two fields).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

from repository_core.query.sql import TITLE_SORT, backfill_fields

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

FIELDS = ("publisher", TITLE_SORT)


def upgrade() -> None:
    backfill_fields(op.get_bind(), FIELDS)


def downgrade() -> None:
    op.get_bind().execute(text("DELETE FROM query_terms WHERE field IN ('publisher', :t)"),
                          {"t": TITLE_SORT})
