"""What the public sees of a record's DOI: nothing while it is a draft.

A DOI this repository asked DataCite for as a ``draft`` (and that DataCite
has not since registered) does not resolve and may be deleted: it is for
token holders only. Public faces (landing page, exports, OAI-PMH, the REST
API for guests) show the record without it until it is registered or
findable. The DOI stays in the record itself, where the DOI machinery
keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from .models import RecordRow
from .outbox import DOIRegistrationRow
from .records import Record

__all__ = ["doi_is_draft", "draft_dois", "has_public_doi", "public_records", "without_doi"]


def _is_draft() -> ColumnElement[bool]:
    r = DOIRegistrationRow
    return and_(r.intended_state == "draft",
                or_(r.confirmed_state.is_(None), r.confirmed_state == "draft"))


def draft_dois(session: Session, dois: Iterable[str]) -> set[str]:
    """Those of ``dois`` that are drafts here."""
    wanted = sorted({d for d in dois if d})
    if not wanted:
        return set()
    r = DOIRegistrationRow
    rows = session.execute(select(r.doi).where(r.doi.in_(wanted), _is_draft())).scalars()
    return set(rows)


def has_public_doi() -> ColumnElement[bool]:
    """SQL: the record row has a DOI that is not a draft."""
    r = DOIRegistrationRow
    return and_(RecordRow.doi.is_not(None),
                ~exists().where(r.doi == RecordRow.doi, _is_draft()))


def doi_is_draft() -> ColumnElement[bool]:
    """SQL: the record row's DOI is a draft here (a column a page selects with the row)."""
    r = DOIRegistrationRow
    return exists().where(r.doi == RecordRow.doi, _is_draft())


def without_doi(record: Record) -> Record:
    metadata = {k: v for k, v in (record.metadata or {}).items() if k != "doi"}
    return replace(record, doi=None, metadata=metadata)


def public_records(session: Session, records: Sequence[Record]) -> list[Record]:
    """The records as the public sees them (draft DOIs left out)."""
    drafts = draft_dois(session, (r.doi for r in records if r.doi))
    return [without_doi(r) if r.doi in drafts else r for r in records]
