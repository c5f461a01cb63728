"""The tables of harvesting: sources, what each harvested record came from, refusals.

``HarvestSourceRow`` holds a source's settings and its progress: the
``responseDate`` to ask ``from=`` next, and, while a run is under way, the
resumption token of the next page, so a run that dies resumes from its last
committed page. ``HarvestedRecordRow`` keys a local record by (source, the
source's OAI identifier) and keeps the provenance the OAI ``about`` shows.
``HarvestRefusalRow`` lists the source records that could not be mapped or
stored, with the reason, until a later version of them is accepted.

No foreign key ties a record to its source: ``oaiserver harvest remove``
ends a source, and its records stay (or become tombstones) with their
provenance.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

__all__ = ["HarvestRefusalRow", "HarvestSourceRow", "HarvestedRecordRow"]


class HarvestSourceRow(Base):
    """An OAI-PMH provider this repository harvests, and how far it got."""

    __tablename__ = "harvest_sources"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    base_url: Mapped[str] = mapped_column(Text)
    metadata_prefix: Mapped[str] = mapped_column(String(32))
    set_spec: Mapped[str | None] = mapped_column(String(255), nullable=True)
    collection: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the source's ``granularity`` (Identify), so ``from=`` is sent in its own form
    granularity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: ``responseDate`` of the first page of the last complete run: the next ``from=``
    harvested_until: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # -- the run under way (all NULL between runs)
    run_from: Mapped[str | None] = mapped_column(String(32), nullable=True)
    run_response_date: Mapped[str | None] = mapped_column(String(32), nullable=True)
    resumption_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_pages: Mapped[int] = mapped_column(Integer, default=0)
    #: the process harvesting the source now, until when (a run renews it each page)
    lease_owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # -- what happened
    last_run_started: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_run_finished: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    deleted_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)


class HarvestedRecordRow(Base):
    """A local record's provenance: which source, its identifier and datestamp there."""

    __tablename__ = "harvested_records"

    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(64))
    source_identifier: Mapped[str] = mapped_column(String(255))
    #: as the source wrote it, in its own granularity
    source_datestamp: Mapped[str] = mapped_column(String(32))
    metadata_namespace: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str] = mapped_column(Text)
    #: the source's page for the record, when the metadata names one
    landing_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    harvested_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("source", "source_identifier"),
    )


class HarvestRefusalRow(Base):
    """A source record that was not stored, and why (shown by ``harvest status``)."""

    __tablename__ = "harvest_refusals"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    source_datestamp: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_harvest_refusals_refused_at", "source", "refused_at"),)
