"""The record store: rows in, ``Record`` objects out, keyset paging.

The caller owns the session and the transaction; nothing here commits.
Listing is by keyset ``(datestamp, id)``, never by offset, so page 10,000
costs what page 1 costs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .dois import doi_key
from .models import RecordRow
from .paging import keyset_range
from .records import Cursor, Record

__all__ = ["RecordStore", "row_to_record"]


def row_to_record(row: RecordRow) -> Record:
    return Record(
        id=row.id,
        metadata=row.metadata_json,
        created=row.created,
        datestamp=row.datestamp,
        revision=row.revision,
        doi=row.doi,
        deleted=row.deleted,
        collections=tuple(row.collections or ()),
        harvest_source=row.harvest_source,
        concept_id=row.concept_id,
        version_index=row.version_index,
        is_latest=row.is_latest,
    )


class RecordStore:
    """Reads and writes of record rows inside the caller's session."""

    def __init__(self, session: Session):
        self.session = session

    def row(self, record_id: str, *, for_update: bool = False) -> RecordRow | None:
        stmt = select(RecordRow).where(RecordRow.id == record_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def get(self, record_id: str) -> Record | None:
        row = self.row(record_id)
        return row_to_record(row) if row is not None else None

    def get_by_doi(self, doi: str) -> Record | None:
        row = self.session.execute(
            select(RecordRow).where(RecordRow.doi == doi_key(doi))
        ).scalar_one_or_none()
        return row_to_record(row) if row is not None else None

    def versions(self, concept_id: str | None) -> list[Record]:
        """The versions of a concept, oldest first, tombstones included."""
        stmt = select(RecordRow).where(RecordRow.concept_id == concept_id).order_by(
            RecordRow.version_index)
        return [row_to_record(r) for r in self.session.execute(stmt).scalars()]

    def exists(self, record_id: str) -> bool:
        return self.session.execute(
            select(func.count()).select_from(RecordRow).where(RecordRow.id == record_id)
        ).scalar_one() > 0

    def add(self, row: RecordRow) -> None:
        self.session.add(row)
        self.session.flush()

    def page(
        self,
        *,
        after: Cursor | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        include_deleted: bool = False,
        where: Any = None,
    ) -> list[Record]:
        """Records in (datestamp, id) order after the cursor, within [since, until]."""
        stmt = select(RecordRow)
        stmt = stmt.where(*self._filters(after, since, until, include_deleted, where))
        stmt = stmt.order_by(RecordRow.datestamp, RecordRow.id).limit(limit)
        return [row_to_record(r) for r in self.session.execute(stmt).scalars()]

    def count(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        include_deleted: bool = False,
        where: Any = None,
    ) -> int:
        stmt = select(func.count()).select_from(RecordRow)
        stmt = stmt.where(*self._filters(None, since, until, include_deleted, where))
        return int(self.session.execute(stmt).scalar_one())

    def earliest_datestamp(self) -> datetime | None:
        return self.session.execute(select(func.min(RecordRow.datestamp))).scalar_one()

    @staticmethod
    def _filters(
        after: Cursor | None,
        since: datetime | None,
        until: datetime | None,
        include_deleted: bool,
        where: Any,
    ) -> list[Any]:
        clauses = keyset_range(RecordRow.datestamp, RecordRow.id, after=after,
                               since=since, until=until)
        if not include_deleted:
            clauses.append(RecordRow.deleted.is_(False))
        if where is not None:
            clauses.append(where)
        return clauses
