"""Record versions: each record is a version of a concept (Zenodo's "parent").

When to use: to read a concept and its versions, to give a new record or
concept an id, and to decide which version a concept resolves to after a
write. The record service calls these inside its write transaction; nothing
here commits.

The rules: versions are numbered 1, 2, 3 ... in the order they were made;
the concept resolves to the newest version that is not deleted (that one
alone has ``is_latest``); when every version is deleted, the concept is a
tombstone too.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .models import ConceptRow, RecordRow

__all__ = ["id_taken", "new_free_id", "next_version_index", "resolve_latest"]


def id_taken(session: Session, candidate: str) -> bool:
    """Whether a record or a concept has this id (one namespace for both)."""
    for table in (RecordRow, ConceptRow):
        found = session.execute(
            select(func.count()).select_from(table).where(table.id == candidate)
        ).scalar_one()
        if found:
            return True
    return False


def new_free_id(session: Session, generate: Callable[[], str]) -> str:
    """A generated id that names no record and no concept."""
    candidate = generate()
    while id_taken(session, candidate):
        candidate = generate()
    return candidate


def next_version_index(session: Session, concept_id: str) -> int:
    """The index the next version of ``concept_id`` gets (1 for a new concept)."""
    highest = session.execute(
        select(func.max(RecordRow.version_index)).where(RecordRow.concept_id == concept_id)
    ).scalar_one()
    return int(highest or 0) + 1


def resolve_latest(session: Session, concept_id: str) -> tuple[str | None, set[str]]:
    """Point the concept at its newest live version; return it and the ids whose
    ``is_latest`` flag changed (those versions' documents changed: the caller
    writes them again so that their revision and datestamp move)."""
    rows = session.execute(
        select(RecordRow.id, RecordRow.version_index, RecordRow.deleted, RecordRow.is_latest)
        .where(RecordRow.concept_id == concept_id)
        .order_by(RecordRow.version_index)
    ).all()
    live = [r for r in rows if not r.deleted]
    latest = live[-1].id if live else None
    changed = {r.id for r in rows if r.is_latest != (r.id == latest)}
    if changed:
        session.execute(
            update(RecordRow)
            .where(RecordRow.concept_id == concept_id)
            .values(is_latest=RecordRow.id == latest)
            .execution_options(synchronize_session="fetch")
        )
    concept = session.get(ConceptRow, concept_id)
    if concept is not None:
        concept.latest_id = latest
        concept.deleted = latest is None
    session.flush()
    return latest, changed
