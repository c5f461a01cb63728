"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import repository_core.db
from repository_core.search import create_search_schema

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('datestamp_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_datestamp', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('served_until', repository_core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_datestamp_clock'))
    )
    # The one clock row exists from the start, so writers only ever lock it.
    epoch = datetime(1970, 1, 1)
    op.bulk_insert(
        sa.table('datestamp_clock', sa.column('id', sa.Integer()),
                 sa.column('last_datestamp', sa.DateTime()),
                 sa.column('served_until', sa.DateTime())),
        [{'id': 1, 'last_datestamp': epoch, 'served_until': epoch}],
    )
    op.create_table('doi_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('doi', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('lease_until', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('finished', repository_core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_doi_outbox'))
    )
    with op.batch_alter_table('doi_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_doi_outbox_doi_state', ['doi', 'state'], unique=False)
        batch_op.create_index('ix_doi_outbox_state_id', ['state', 'id'], unique=False)

    op.create_table('instance_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_instance_settings'))
    )
    op.create_table('oai_sets',
    sa.Column('spec', sa.String(length=255), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('updated', repository_core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('spec', name=op.f('pk_oai_sets'))
    )
    op.create_table('records',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('doi', sa.String(length=255), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('collections', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('datestamp', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records')),
    sa.UniqueConstraint('doi', name=op.f('uq_records_doi'))
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_datestamp_id', ['datestamp', 'id'], unique=False)

    op.create_table('search_index_queue',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_index_queue'))
    )
    with op.batch_alter_table('search_index_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_index_queue_record_id'), ['record_id'], unique=False)

    op.create_table('doi_registrations',
    sa.Column('doi', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('intended_state', sa.String(length=16), nullable=False),
    sa.Column('confirmed_state', sa.String(length=16), nullable=True),
    sa.Column('confirmed_at', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('updated', repository_core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_doi_registrations_record_id_records'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('doi', name=op.f('pk_doi_registrations')),
    sa.UniqueConstraint('record_id', name=op.f('uq_doi_registrations_record_id'))
    )
    op.create_table('query_terms',
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('ord', sa.Integer(), nullable=False),
    sa.Column('pos', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=600).with_variant(sa.String(length=600, collation='C'), 'postgresql'), nullable=True),
    sa.Column('num', sa.BigInteger(), nullable=True),
    sa.Column('raw', sa.String(length=600), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_query_terms_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'field', 'ord', 'pos', name=op.f('pk_query_terms'))
    )
    with op.batch_alter_table('query_terms', schema=None) as batch_op:
        batch_op.create_index('ix_query_terms_field_num', ['field', 'num', 'record_id'], unique=False)
        batch_op.create_index('ix_query_terms_field_term', ['field', 'term', 'record_id'], unique=False)

    op.create_table('search_documents',
    sa.Column('doc_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_search_documents_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('doc_id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('record_id', name=op.f('uq_search_documents_record_id'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_tsv', ['tsv'], unique=False, postgresql_using='gin')

    op.create_table('set_membership',
    sa.Column('set_spec', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('datestamp', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('member', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_set_membership_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_spec'], ['oai_sets.spec'], name=op.f('fk_set_membership_set_spec_oai_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_spec', 'record_id', name=op.f('pk_set_membership'))
    )
    with op.batch_alter_table('set_membership', schema=None) as batch_op:
        batch_op.create_index('ix_set_membership_record', ['record_id'], unique=False)
        batch_op.create_index('ix_set_membership_spec_datestamp', ['set_spec', 'datestamp', 'record_id'], unique=False)

    # What the metadata cannot declare: SQLite's FTS5 full-text table.
    create_search_schema(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS search_fts')
    with op.batch_alter_table('set_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_set_membership_spec_datestamp')
        batch_op.drop_index('ix_set_membership_record')

    op.drop_table('set_membership')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_tsv', postgresql_using='gin')

    op.drop_table('search_documents')
    with op.batch_alter_table('query_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_query_terms_field_term')
        batch_op.drop_index('ix_query_terms_field_num')

    op.drop_table('query_terms')
    op.drop_table('doi_registrations')
    with op.batch_alter_table('search_index_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_index_queue_record_id'))

    op.drop_table('search_index_queue')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_datestamp_id')

    op.drop_table('records')
    op.drop_table('oai_sets')
    op.drop_table('instance_settings')
    with op.batch_alter_table('doi_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_doi_outbox_state_id')
        batch_op.drop_index('ix_doi_outbox_doi_state')

    op.drop_table('doi_outbox')
    op.drop_table('datestamp_clock')
