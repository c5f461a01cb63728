"""Harvest sources: adding, listing, removing, and their status; provenance reads.

The caller owns the session (``with service.transaction() as s``), except
:func:`remove_source`, which writes tombstones through the record service.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..datestamps import utcnow
from ..errors import RepositoryError
from ..records import Provenance
from ..service import RecordService
from .mapping import METADATA_NAMESPACES, PREFIXES
from .tables import HarvestedRecordRow, HarvestRefusalRow, HarvestSourceRow

__all__ = [
    "HarvestError",
    "SourceExists",
    "SourceNotFound",
    "SourceStatus",
    "add_source",
    "get_source",
    "list_sources",
    "provenance_of",
    "refusals",
    "remove_source",
    "source_status",
]

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class HarvestError(RepositoryError):
    """Root of the harvesting errors."""


class SourceNotFound(HarvestError):
    def __init__(self, name: str):
        super().__init__(f"no harvest source named {name!r}")
        self.name = name


class SourceExists(HarvestError):
    def __init__(self, name: str):
        super().__init__(f"a harvest source named {name!r} exists")
        self.name = name


class InvalidSource(HarvestError):
    """A source's settings are unusable; the message says which."""


def add_source(
    session: Session,
    name: str,
    base_url: str,
    prefix: str,
    *,
    set_spec: str | None = None,
    collection: str | None = None,
) -> HarvestSourceRow:
    if not NAME.fullmatch(name):
        raise InvalidSource(f"{name!r}: a source name is 1 to 64 letters, digits, '.', '_' "
                            "or '-', starting with a letter or digit")
    if not base_url.startswith(("http://", "https://")):
        raise InvalidSource(f"{base_url!r}: the base URL is an http:// or https:// address")
    if prefix not in PREFIXES:
        raise InvalidSource(f"{prefix!r}: the metadataPrefix is one of {', '.join(PREFIXES)}")
    if collection is not None and not collection.strip():
        raise InvalidSource("the collection tag is not empty")
    if session.get(HarvestSourceRow, name) is not None:
        raise SourceExists(name)
    row = HarvestSourceRow(
        name=name, base_url=base_url, metadata_prefix=prefix, set_spec=set_spec or None,
        collection=collection, created=utcnow(), run_pages=0, created_count=0,
        updated_count=0, deleted_count=0, unchanged_count=0, refused_count=0,
    )
    session.add(row)
    session.flush()
    return row


def get_source(session: Session, name: str, *, for_update: bool = False) -> HarvestSourceRow:
    stmt = select(HarvestSourceRow).where(HarvestSourceRow.name == name)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise SourceNotFound(name)
    return row


def list_sources(session: Session) -> list[HarvestSourceRow]:
    return list(session.execute(select(HarvestSourceRow).order_by(HarvestSourceRow.name)).scalars())


@dataclass(frozen=True)
class SourceStatus:
    """What ``oaiserver harvest status`` shows of one source."""

    name: str
    base_url: str
    metadata_prefix: str
    set_spec: str | None
    collection: str | None
    harvested_until: str | None
    in_progress: bool
    pages_of_run: int
    last_run_started: datetime | None
    last_run_finished: datetime | None
    last_error: str | None
    records: int
    tombstones: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    refused: int
    refusals: tuple[tuple[str, str], ...]


def source_status(session: Session, name: str, *, refusals_shown: int = 10) -> SourceStatus:
    from ..models import RecordRow

    row = get_source(session, name)
    counts: dict[bool, int] = {
        bool(deleted): int(n) for deleted, n in session.execute(
            select(RecordRow.deleted, func.count())
            .join(HarvestedRecordRow, HarvestedRecordRow.record_id == RecordRow.id)
            .where(HarvestedRecordRow.source == name)
            .group_by(RecordRow.deleted)
        )
    }
    return SourceStatus(
        name=row.name, base_url=row.base_url, metadata_prefix=row.metadata_prefix,
        set_spec=row.set_spec, collection=row.collection, harvested_until=row.harvested_until,
        in_progress=row.run_from is not None or row.resumption_token is not None,
        pages_of_run=row.run_pages, last_run_started=row.last_run_started,
        last_run_finished=row.last_run_finished, last_error=row.last_error,
        records=counts.get(False, 0), tombstones=counts.get(True, 0),
        created=row.created_count, updated=row.updated_count, deleted=row.deleted_count,
        unchanged=row.unchanged_count, refused=row.refused_count,
        refusals=tuple(refusals(session, name, limit=refusals_shown)),
    )


def refusals(session: Session, name: str, *, limit: int = 10) -> list[tuple[str, str]]:
    """(source identifier, reason) of the records refused, newest first."""
    r = HarvestRefusalRow
    return [(i, why) for i, why in session.execute(
        select(r.source_identifier, r.reason).where(r.source == name)
        .order_by(r.refused_at.desc(), r.source_identifier).limit(limit)
    )]


def remove_source(records: RecordService, name: str, *, delete_records: bool = False) -> int:
    """End a source; its records stay, or (``delete_records``) become tombstones.

    Returns the number of records turned into tombstones. Their provenance
    stays either way: a tombstone still says where it came from.
    """
    with records.transaction() as s:
        get_source(s, name)
        ids: Sequence[str] = []
        if delete_records:
            from ..models import RecordRow

            ids = list(s.execute(
                select(RecordRow.id)
                .join(HarvestedRecordRow, HarvestedRecordRow.record_id == RecordRow.id)
                .where(HarvestedRecordRow.source == name, RecordRow.deleted.is_(False))
                .order_by(RecordRow.id)
            ).scalars())
            for record_id in ids:
                records.delete(record_id, session=s)
        s.execute(delete(HarvestRefusalRow).where(HarvestRefusalRow.source == name))
        s.execute(delete(HarvestSourceRow).where(HarvestSourceRow.name == name))
    return len(ids)


def provenance_of(session: Session, record_ids: Sequence[str]) -> dict[str, Provenance]:
    """The provenance of those of ``record_ids`` that were harvested."""
    if not record_ids:
        return {}
    h = HarvestedRecordRow
    rows = session.execute(select(h).where(h.record_id.in_(sorted(set(record_ids))))).scalars()
    return {
        row.record_id: Provenance(
            source=row.source, base_url=row.base_url, identifier=row.source_identifier,
            datestamp=row.source_datestamp, metadata_namespace=row.metadata_namespace,
            harvested_at=row.harvested_at, landing_url=row.landing_url,
        )
        for row in rows
    }


def namespace_of(prefix: str) -> str:
    return METADATA_NAMESPACES[prefix]
