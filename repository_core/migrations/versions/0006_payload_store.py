"""payload store: each record's rendered OAI payload per format

Adds ``record_payloads`` (``repository_core.payloads``). It starts empty:
payloads are rendered when a harvester first asks for them, or ahead of
time by ``oaiserver.oai.sql.render_payloads``; nothing in the records
changes. Downgrade drops the table (it holds nothing that cannot be
rendered again).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import repository_core.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('record_payloads',
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('datestamp', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('doi', sa.String(length=255), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'],
                            name=op.f('fk_record_payloads_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'format', name=op.f('pk_record_payloads'))
    )


def downgrade() -> None:
    op.drop_table('record_payloads')
