"""harvesting other OAI-PMH providers: sources, provenance, refusals

Adds ``records.harvest_source`` (NULL: the repository's own record; every
record stored before this revision is), and the tables of
``repository_core.harvest.tables``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import repository_core.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('harvest_sources',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('base_url', sa.Text(), nullable=False),
    sa.Column('metadata_prefix', sa.String(length=32), nullable=False),
    sa.Column('set_spec', sa.String(length=255), nullable=True),
    sa.Column('collection', sa.String(length=200), nullable=True),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('granularity', sa.String(length=32), nullable=True),
    sa.Column('harvested_until', sa.String(length=32), nullable=True),
    sa.Column('run_from', sa.String(length=32), nullable=True),
    sa.Column('run_response_date', sa.String(length=32), nullable=True),
    sa.Column('resumption_token', sa.Text(), nullable=True),
    sa.Column('run_pages', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=32), nullable=True),
    sa.Column('lease_until', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('last_run_started', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('last_run_finished', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('deleted_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('refused_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_harvest_sources'))
    )
    op.create_table('harvested_records',
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_identifier', sa.String(length=255), nullable=False),
    sa.Column('source_datestamp', sa.String(length=32), nullable=False),
    sa.Column('metadata_namespace', sa.Text(), nullable=False),
    sa.Column('base_url', sa.Text(), nullable=False),
    sa.Column('landing_url', sa.Text(), nullable=True),
    sa.Column('harvested_at', repository_core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'],
                            name=op.f('fk_harvested_records_record_id_records'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_harvested_records')),
    sa.UniqueConstraint('source', 'source_identifier', name=op.f('uq_harvested_records_source'))
    )
    op.create_table('harvest_refusals',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_identifier', sa.String(length=255), nullable=False),
    sa.Column('source_datestamp', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('refused_at', repository_core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'source_identifier', name=op.f('pk_harvest_refusals'))
    )
    with op.batch_alter_table('harvest_refusals', schema=None) as batch_op:
        batch_op.create_index('ix_harvest_refusals_refused_at', ['source', 'refused_at'],
                              unique=False)
    # A plain ADD COLUMN on both databases (nullable, no default): existing rows
    # read NULL, i.e. the repository's own records.
    op.add_column('records', sa.Column('harvest_source', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_column('harvest_source')
    with op.batch_alter_table('harvest_refusals', schema=None) as batch_op:
        batch_op.drop_index('ix_harvest_refusals_refused_at')
    op.drop_table('harvest_refusals')
    op.drop_table('harvested_records')
    op.drop_table('harvest_sources')
