"""The tables the domain owns: records, the datestamp clock, OAI sets.

Other parts add their own tables to the same ``Base`` (the search index,
the DOI outbox); ``repository_core.migrate.target_metadata()`` imports them all so
that migrations see one metadata.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime

__all__ = [
    "ClockRow", "ConceptRow", "InstanceSettingRow", "JSONType", "MembershipRow", "PayloadRow",
    "RecordRow", "SetRow",
]

JSONType = JSON().with_variant(JSONB(), "postgresql")


class RecordRow(Base):
    """A record and its envelope; a deleted record stays as a tombstone."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    doi: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType)
    collections: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the harvest source's name for a harvested record (``repository_core.harvest``);
    #: NULL for the repository's own: ``harvest_source IS NULL`` selects what is ours
    harvest_source: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    #: the concept this record is a version of (``ConceptRow``); set on every
    #: write since revision 0005, which gave each older record a concept of its own.
    #: No foreign key: SQLite cannot add one to a populated table without copying it.
    concept_id: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    #: 1, 2, 3 ... in the order the versions were made (unique within a concept)
    version_index: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: the version the concept resolves to: the newest one that is not deleted
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (
        Index("ix_records_datestamp_id", "datestamp", "id"),
        Index("ix_records_concept_version", "concept_id", "version_index", unique=True),
        # searches by creation, counting live records, and a match's
        # flags and time without its row (0007)
        Index("ix_records_deleted_created_id", "deleted", "created", "id", "is_latest"),
        Index("ix_records_id_deleted_created", "id", "deleted", "created", "is_latest"),
    )


class ConceptRow(Base):
    """What every version of a record shares: the concept (Zenodo's "parent").

    Its id comes from the record id generator, and no id names both a record
    and a concept, so a DOI suffix made from an id never collides. ``latest_id``
    is the version the concept resolves to; when every version is deleted it
    is NULL and the concept is ``deleted`` (a tombstone, like its versions).
    """

    __tablename__ = "concepts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the concept DOI, once one is minted (never for a DOI outside our prefix)
    doi: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    latest_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class ClockRow(Base):
    """One row: the last datestamp given to a write and the last one served.

    Writers lock it, so datestamps increase strictly in commit order; a
    harvest's first page raises ``served_until``, so no later write can get
    a datestamp a harvester has already been told is past.
    """

    __tablename__ = "datestamp_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_datestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    served_until: Mapped[datetime] = mapped_column(UTCDateTime())


class SetRow(Base):
    """An OAI set defined by a search query."""

    __tablename__ = "oai_sets"

    spec: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    query: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    updated: Mapped[datetime] = mapped_column(UTCDateTime())


class MembershipRow(Base):
    """Materialised set membership: (set, record) with the datestamp it changed.

    ``member`` false means the record left the set: a set-selective harvest
    shows it as deleted for that set. ``datestamp`` mirrors the record's
    datestamp so that listing a set is one index range scan.
    """

    __tablename__ = "set_membership"

    set_spec: Mapped[str] = mapped_column(
        String(255), ForeignKey("oai_sets.spec", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    member: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        Index("ix_set_membership_spec_datestamp", "set_spec", "datestamp", "record_id"),
        Index("ix_set_membership_record", "record_id"),
    )


class InstanceSettingRow(Base):
    """Values an installation makes once and keeps, e.g. its signing key.

    Kept in the database so that every server process of an installation
    shares them without configuration, across restarts.
    """

    __tablename__ = "instance_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PayloadRow(Base):
    """A record's OAI payload in one format, rendered once and kept (``repository_core.payloads``).

    Valid only while the record's ``revision`` and ``datestamp``, the DOI the
    public sees (``doi``: None while the DOI is a draft) and the
    configuration ``fingerprint`` are those it was rendered with; a read
    checks all four, so a stale payload is never served whatever wrote
    the record. Only payloads of records the format can represent are kept.
    """

    __tablename__ = "record_payloads"

    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    doi: Mapped[str | None] = mapped_column(String(255), nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
