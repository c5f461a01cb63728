"""record versions: every record is version 1 of a concept of its own

Adds the ``concepts`` table, ``records.concept_id``, ``version_index``
and ``is_latest``, and ``concept_doi_registrations`` (the concept DOIs this
repository manages at DataCite, as ``doi_registrations`` for records). Each
stored record gets a concept with a new random id (the record id generator's
alphabet and shape, free among record and concept ids); a deleted record's
concept is a tombstone. Nothing is minted:
concept DOIs are registered only when an operator asks
(``oaiserver records concept-dois --mint``). The query fields ``parent.id``,
``versions.is_latest`` and ``versions.index`` get their ``query_terms``
rows for every stored record (searches and set queries can name them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import repository_core.db
from repository_core.query.sql import backfill_fields

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

#: the record id generator's alphabet (Crockford base32, lower case), kept
#: here so that this revision means the same whatever the code becomes
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_BATCH = 1000


def _new_id() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def upgrade() -> None:
    op.create_table('concepts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('doi', sa.String(length=255), nullable=True),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('latest_id', sa.String(length=64), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concepts')),
    sa.UniqueConstraint('doi', name=op.f('uq_concepts_doi'))
    )
    op.create_table('concept_doi_registrations',
    sa.Column('doi', sa.String(length=255), nullable=False),
    sa.Column('concept_id', sa.String(length=64), nullable=False),
    sa.Column('intended_state', sa.String(length=16), nullable=False),
    sa.Column('confirmed_state', sa.String(length=16), nullable=True),
    sa.Column('confirmed_at', repository_core.db.UTCDateTime(), nullable=True),
    sa.Column('created', repository_core.db.UTCDateTime(), nullable=False),
    sa.Column('updated', repository_core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['concept_id'], ['concepts.id'],
                            name=op.f('fk_concept_doi_registrations_concept_id_concepts'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('doi', name=op.f('pk_concept_doi_registrations')),
    sa.UniqueConstraint('concept_id', name=op.f('uq_concept_doi_registrations_concept_id'))
    )
    op.add_column('records', sa.Column('concept_id', sa.String(length=64), nullable=True))
    op.add_column('records', sa.Column('version_index', sa.Integer(), server_default='1',
                                       nullable=False))
    op.add_column('records', sa.Column('is_latest', sa.Boolean(), server_default=sa.true(),
                                       nullable=False))

    bind = op.get_bind()
    records = sa.table('records', sa.column('id', sa.String), sa.column('created'),
                       sa.column('deleted', sa.Boolean), sa.column('concept_id', sa.String),
                       sa.column('is_latest', sa.Boolean))
    concepts = sa.table('concepts', sa.column('id', sa.String), sa.column('created'),
                        sa.column('latest_id', sa.String), sa.column('deleted', sa.Boolean))
    taken = set(bind.execute(sa.select(records.c.id)).scalars())
    rows = bind.execute(sa.select(records.c.id, records.c.created, records.c.deleted)
                        .order_by(records.c.id)).all()
    for start in range(0, len(rows), _BATCH):
        new_concepts, links = [], []
        for record_id, created, deleted in rows[start:start + _BATCH]:
            concept_id = _new_id()
            while concept_id in taken:
                concept_id = _new_id()
            taken.add(concept_id)
            new_concepts.append({"id": concept_id, "created": created,
                                 "latest_id": None if deleted else record_id,
                                 "deleted": bool(deleted)})
            links.append({"rid": record_id, "cid": concept_id, "latest": not deleted})
        bind.execute(sa.insert(concepts), new_concepts)
        bind.execute(sa.update(records).where(records.c.id == sa.bindparam("rid"))
                     .values(concept_id=sa.bindparam("cid"), is_latest=sa.bindparam("latest")),
                     links)
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_concept_version', ['concept_id', 'version_index'],
                              unique=True)
    backfill_fields(bind, _VERSION_FIELDS)


#: the query fields this revision adds (their terms go when it is undone)
_VERSION_FIELDS = ("parent.id", "versions.is_latest", "versions.index")


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM query_terms WHERE field IN "
                       "('parent.id', 'versions.is_latest', 'versions.index')"))
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_concept_version')
    # SQLite drops a column without copying the table (3.35+): no cascade from a copy
    op.drop_column('records', 'is_latest')
    op.drop_column('records', 'version_index')
    op.drop_column('records', 'concept_id')
    op.drop_table('concept_doi_registrations')
    op.drop_table('concepts')
