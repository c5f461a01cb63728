"""usage statistics (COUNTER)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import repository_core.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('usage_events',
    sa.Column('id', EVENT_ID, autoincrement=True, nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('access_method', sa.String(length=8), nullable=False),
    sa.Column('is_robot', sa.Boolean(), nullable=False),
    sa.Column('session', sa.String(length=32), nullable=False),
    sa.Column('occurred', repository_core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_events'))
    )
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.create_index('ix_usage_events_occurred', ['occurred'], unique=False)
        batch_op.create_index('ix_usage_events_record_occurred', ['record_id', 'occurred'],
                              unique=False)

    op.create_table('usage_daily',
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('access_method', sa.String(length=8), nullable=False),
    sa.Column('total_investigations', sa.Integer(), nullable=False),
    sa.Column('unique_investigations', sa.Integer(), nullable=False),
    sa.Column('total_requests', sa.Integer(), nullable=False),
    sa.Column('unique_requests', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', 'day', 'access_method', name=op.f('pk_usage_daily'))
    )
    with op.batch_alter_table('usage_daily', schema=None) as batch_op:
        batch_op.create_index('ix_usage_daily_day_record', ['day', 'record_id'], unique=False)

    op.create_table('usage_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_event_id', EVENT_ID, nullable=False),
    sa.Column('processed_at', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('purged_before', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_state'))
    )
    # The one state row exists from the start, so processors only ever lock it.
    op.bulk_insert(
        sa.table('usage_state', sa.column('id', sa.Integer()),
                 sa.column('last_event_id', sa.Integer())),
        [{'id': 1, 'last_event_id': 0}],
    )


def downgrade() -> None:
    op.drop_table('usage_state')
    with op.batch_alter_table('usage_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_daily_day_record')
    op.drop_table('usage_daily')
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_events_record_occurred')
        batch_op.drop_index('ix_usage_events_occurred')
    op.drop_table('usage_events')
