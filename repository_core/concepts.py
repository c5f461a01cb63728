"""Reading concepts: what the public faces show of a record's versions.

When to use: to show a record with its concept (``parent``), to page
through a concept's versions, to resolve a concept id or a concept DOI to
the version it stands for. Everything here reads; the writes (new versions,
which version is the latest) are :mod:`.versions` and the record service.

A concept DOI that is still a draft at DataCite is shown to nobody but
token holders, as a record's own draft DOI is (:mod:`.public_doi`):
``public=True`` leaves such DOIs out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .dois import bare_doi, doi_key
from .models import ConceptRow, RecordRow
from .public_doi import draft_dois
from .records import Record
from .store import row_to_record

__all__ = ["Concept", "concept_by_doi", "concept_dois", "get_concept", "version_page"]


@dataclass(frozen=True)
class Concept:
    """A concept as readers see it: ``latest_id`` is None once every version is deleted."""

    id: str
    doi: str | None
    latest_id: str | None
    deleted: bool


def _concept(row: ConceptRow, hidden: set[str]) -> Concept:
    doi = row.doi if row.doi not in hidden else None
    return Concept(row.id, doi, row.latest_id, row.deleted)


def get_concept(session: Session, concept_id: str, *, public: bool = False) -> Concept | None:
    row = session.get(ConceptRow, concept_id)
    if row is None:
        return None
    hidden = draft_dois(session, [row.doi]) if public and row.doi else set()
    return _concept(row, hidden)


def concept_by_doi(session: Session, doi: str, *, public: bool = False) -> Concept | None:
    """The concept whose DOI is ``doi`` (stored as DOIs are: bare, lower case)."""
    row = session.execute(
        select(ConceptRow).where(ConceptRow.doi.in_(sorted({doi_key(doi), bare_doi(doi)})))
    ).scalars().first()
    if row is None:
        return None
    hidden = draft_dois(session, [row.doi]) if public and row.doi else set()
    concept = _concept(row, hidden)
    return concept if concept.doi is not None else None


def concept_dois(session: Session, concept_ids: Iterable[str | None], *,
                 public: bool = False) -> Mapping[str, str | None]:
    """concept id -> its DOI (None: none minted, or a draft when ``public``), in one query."""
    wanted = sorted({c for c in concept_ids if c})
    if not wanted:
        return {}
    rows = dict(session.execute(
        select(ConceptRow.id, ConceptRow.doi).where(ConceptRow.id.in_(wanted))).all())
    hidden = draft_dois(session, [d for d in rows.values() if d]) if public else set()
    return {cid: (doi if doi not in hidden else None) for cid, doi in rows.items()}


def version_page(session: Session, concept_id: str, *, after: int = 0,
                 limit: int = 25) -> tuple[list[Record], int]:
    """The versions of a concept with an index above ``after``, oldest first
    (tombstones included), at most ``limit``; and how many versions it has."""
    rows = session.execute(
        select(RecordRow).where(RecordRow.concept_id == concept_id,
                                RecordRow.version_index > after)
        .order_by(RecordRow.version_index).limit(limit)).scalars().all()
    total = session.execute(
        select(func.count()).select_from(RecordRow).where(RecordRow.concept_id == concept_id)
    ).scalar_one()
    return [row_to_record(r) for r in rows], int(total)
