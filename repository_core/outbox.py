"""The DOI outbox: what must still be told to DataCite, committed with the record.

When to use: ``outbox_hook`` is a ``WriteHook`` of the ``RecordService``. A
write to a record that has a DOI of ours (one with a ``DOIRegistrationRow``)
adds an ``OutboxRow`` in the same transaction, so the record and the promise
to tell DataCite about it commit together or not at all. The worker
(``datacite_client.worker``) claims rows, sends, and marks them done, each
step in a short transaction of its own (functions below), so it can be
killed at any point: a row claimed but never finished is claimed again when
its lease runs out, and sent again (safe: the send is an idempotent PUT).

A row says "DOI X needs syncing"; it carries no payload. The worker sends
the record's metadata *as it is when sending*, so pending rows for one DOI
collapse into one request, and an older row can never overwrite newer
metadata. ``DOIRegistrationRow`` holds, per DOI, the state we asked for and
the state DataCite last confirmed.

A row that keeps failing stays visible: ``attempts`` counts the sends tried,
``last_error`` keeps the latest failure and ``not_before`` when the next try
is due (``pending_rows``); the worker gives it up (``fail``: state
``failed``, with its last error) after a bounded number of attempts or age,
and ``requeue_failed`` puts it back with a fresh budget.

When not to use: nothing here talks HTTP or decides DOIs (that is
``datacite_client``); this module only imports ``repository_core``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .datestamps import utcnow
from .db import Base, UTCDateTime
from .errors import InvalidRecord, Problem
from .models import ConceptRow, InstanceSettingRow, RecordRow
from .records import Record
from .write_hooks import batch_form

__all__ = [
    "DOI_STATES",
    "ROW_STATES",
    "Claim",
    "ConceptDOIRegistrationRow",
    "DOIRegistrationRow",
    "OutboxRow",
    "claim",
    "complete",
    "counts",
    "enqueue",
    "enqueue_concept",
    "fail",
    "failed_rows",
    "outbox_hook",
    "pending_count",
    "pending_rows",
    "release",
    "requeue_failed",
    "requeue_for_base_url",
]

DOI_STATES = ("draft", "registered", "findable")
ROW_STATES = ("pending", "sending", "done", "failed", "superseded")


class DOIRegistrationRow(Base):
    """A DOI this repository manages at DataCite: one per record, never reused."""

    __tablename__ = "doi_registrations"

    doi: Mapped[str] = mapped_column(String(255), primary_key=True)
    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("records.id", ondelete="RESTRICT"), unique=True
    )
    intended_state: Mapped[str] = mapped_column(String(16))  # draft|registered|findable
    confirmed_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    updated: Mapped[datetime] = mapped_column(UTCDateTime())


class ConceptDOIRegistrationRow(Base):
    """A concept DOI this repository manages at DataCite: one per concept, never reused.

    Its outbox rows carry the concept id as ``record_id`` and the reason
    ``concept``; the worker sends the concept's record
    (``version_relations.concept_record``). The state asked for is the
    highest any of its versions was asked for (draft < registered <
    findable); a concept whose every version is deleted is hidden, as a
    deleted record's DOI is.
    """

    __tablename__ = "concept_doi_registrations"

    doi: Mapped[str] = mapped_column(String(255), primary_key=True)
    concept_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("concepts.id", ondelete="RESTRICT"), unique=True
    )
    intended_state: Mapped[str] = mapped_column(String(16))  # draft|registered|findable
    confirmed_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    updated: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_draft(self) -> bool:
        return self.intended_state == "draft" and self.confirmed_state in (None, "draft")


class OutboxRow(Base):
    """One unit of work: "make DataCite's copy of ``doi`` match the record"."""

    __tablename__ = "doi_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doi: Mapped[str] = mapped_column(String(255))
    record_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # create|update|delete|restore|request|concept
    revision: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claim: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())  # queued (again, by a retry)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_doi_outbox_state_id", "state", "id"),
        Index("ix_doi_outbox_doi_state", "doi", "state"),
    )


# -- enqueueing (inside the record's transaction) ------------------------------


def _reason(record: Record, previous: Record | None) -> str:
    if previous is None:
        return "create"
    if record.deleted and not previous.deleted:
        return "delete"
    if previous.deleted and not record.deleted:
        return "restore"
    return "update"


def enqueue(session: Session, record: Record, reason: str) -> OutboxRow:
    """Add a row for ``record.doi`` to the outbox in the caller's transaction."""
    if not record.doi:
        raise ValueError(f"record {record.id!r} has no DOI to sync")
    now = utcnow()
    row = OutboxRow(
        doi=record.doi,
        record_id=record.id,
        reason=reason,
        revision=record.revision,
        state="pending",
        attempts=0,
        not_before=now,
        created=now,
    )
    session.add(row)
    session.flush()
    return row


def enqueue_concept(session: Session, concept_id: str, revision: int) -> OutboxRow | None:
    """Queue a sync of the concept's DOI, if it has one we manage (else None)."""
    registration = session.execute(
        select(ConceptDOIRegistrationRow).where(ConceptDOIRegistrationRow.concept_id == concept_id)
    ).scalar_one_or_none()
    if registration is None:
        return None
    now = utcnow()
    row = OutboxRow(doi=registration.doi, record_id=concept_id, reason="concept",
                    revision=revision, state="pending", attempts=0, not_before=now, created=now)
    session.add(row)
    session.flush()
    return row


def _concept_changes(record: Record, previous: Record | None) -> bool:
    """Whether this write of a version changes what the concept DOI holds: the
    latest version's metadata and landing page, and which versions it has."""
    return (previous is None or record.is_latest or previous.is_latest
            or record.doi != previous.doi or record.deleted != previous.deleted)


def outbox_many(session: Session, records: Sequence[Record], extracted: Sequence[Any] = ()) -> None:
    """The batch form of :func:`outbox_hook` for new records: one query for the
    registrations of the batch's concepts, one for those of its DOIs, one insert."""
    concepts = sorted({r.concept_id for r in records if r.concept_id is not None})
    concept_dois = dict(session.execute(
        select(ConceptDOIRegistrationRow.concept_id, ConceptDOIRegistrationRow.doi)
        .where(ConceptDOIRegistrationRow.concept_id.in_(concepts))).all()) if concepts else {}
    dois = sorted({r.doi for r in records if r.doi})
    holders = dict(session.execute(
        select(DOIRegistrationRow.doi, DOIRegistrationRow.record_id)
        .where(DOIRegistrationRow.doi.in_(dois))).all()) if dois else {}
    if not concept_dois and not holders:
        return
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for record in records:
        common = {"revision": record.revision, "state": "pending", "attempts": 0,
                  "not_before": now, "created": now}
        if record.concept_id in concept_dois:
            rows.append({"doi": concept_dois[record.concept_id], "record_id": record.concept_id,
                         "reason": "concept", **common})
        if record.doi and holders.get(record.doi) == record.id:
            rows.append({"doi": record.doi, "record_id": record.id, "reason": "create", **common})
    if rows:
        session.execute(cast(Table, OutboxRow.__table__).insert(), rows)


@batch_form(outbox_many)
def outbox_hook(session: Session, record: Record, previous: Record | None) -> None:
    """``WriteHook``: queue a sync of the record's DOI, if it is one we manage, and
    of its concept's DOI, if the write changes what that holds.

    Also refuses a write that would take away or change a DOI we manage
    (a DOI is for ever): the whole write is rolled back.
    """
    if (previous is not None and previous.doi and previous.doi != record.doi
            and session.get(DOIRegistrationRow, previous.doi) is not None):
        raise InvalidRecord([Problem(
            "/doi", f"the record's DOI {previous.doi} is registered with DataCite; "
                    "it cannot be removed or changed")])
    if record.concept_id is not None and _concept_changes(record, previous):
        enqueue_concept(session, record.concept_id, record.revision)
    if not record.doi:
        return
    registration = session.get(DOIRegistrationRow, record.doi)
    if registration is None or registration.record_id != record.id:
        return  # imported DOI (another prefix, or ours but not requested): never sent
    enqueue(session, record, _reason(record, previous))


# -- the worker's side: each function is meant for its own short transaction -----


@dataclass(frozen=True)
class Claim:
    """The rows of one DOI a worker holds until ``lease_until``.

    ``attempts`` is the most attempts any of the rows has had (this one
    included), ``since`` when the oldest of them was queued: what the worker
    needs to space out and, in the end, give up retries.
    """

    token: str
    doi: str
    record_id: str
    row_ids: tuple[int, ...]
    reasons: tuple[str, ...]
    attempts: int = 1
    since: datetime | None = None

    @property
    def last_id(self) -> int:
        return max(self.row_ids)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxRow.state == "pending", OutboxRow.not_before <= now),
        and_(OutboxRow.state == "sending", OutboxRow.lease_until < now),
    )


def claim(
    session: Session, *, now: datetime | None = None, lease: timedelta, limit: int = 20
) -> list[Claim]:
    """Claim the work of up to ``limit`` DOIs, oldest first.

    Skips a DOI whose rows another worker holds under a live lease, so the
    rows of one DOI are sent by one worker at a time, in order.
    """
    now = now or utcnow()
    busy = select(OutboxRow.doi).where(
        OutboxRow.state == "sending", OutboxRow.lease_until >= now
    )
    first = (
        select(OutboxRow.doi, func.min(OutboxRow.id).label("first"))
        .where(_claimable(now), OutboxRow.doi.not_in(busy))
        .group_by(OutboxRow.doi)
        .order_by(func.min(OutboxRow.id))
        .limit(limit)
    )
    dois = [d for d, _ in session.execute(first)]
    if not dois:
        return []
    rows = session.execute(
        select(OutboxRow)
        .where(OutboxRow.doi.in_(dois), _claimable(now))
        .order_by(OutboxRow.id)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    by_doi: dict[str, list[OutboxRow]] = {}
    for row in rows:
        by_doi.setdefault(row.doi, []).append(row)
    claims = []
    for doi in dois:
        group = by_doi.get(doi)
        if not group:
            continue
        token = secrets.token_hex(8)
        for row in group:
            row.state, row.claim = "sending", token
            row.lease_until = now + lease
            row.attempts += 1
        claims.append(Claim(
            token=token,
            doi=doi,
            record_id=group[-1].record_id,
            row_ids=tuple(r.id for r in group),
            reasons=tuple(r.reason for r in group),
            attempts=max(r.attempts for r in group),
            since=min(r.created for r in group),
        ))
    session.flush()
    return claims


def complete(
    session: Session, claim_: Claim, *, confirmed_state: str | None, now: datetime | None = None
) -> int:
    """Mark a claim's rows done; older rows of the DOI not in flight are superseded.

    Records DataCite's answer as the DOI's confirmed state. Returns how many
    rows this finished (0 if the lease was lost to another worker).
    """
    now = now or utcnow()
    done = cast(CursorResult[Any], session.execute(
        update(OutboxRow)
        .where(OutboxRow.claim == claim_.token, OutboxRow.state == "sending")
        .values(state="done", finished=now, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )).rowcount
    session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.doi == claim_.doi,
            OutboxRow.id < claim_.last_id,
            OutboxRow.state.in_(("pending", "failed")),
        )
        .values(state="superseded", finished=now)
        .execution_options(synchronize_session=False)
    )
    registration: DOIRegistrationRow | ConceptDOIRegistrationRow | None = session.get(
        DOIRegistrationRow, claim_.doi) or session.get(ConceptDOIRegistrationRow, claim_.doi)
    if registration is not None and done:
        registration.confirmed_state = confirmed_state
        registration.confirmed_at = now
        registration.updated = now
    return int(done or 0)


def fail(session: Session, claim_: Claim, reason: str, *, now: datetime | None = None) -> int:
    """Mark a claim's rows failed for good (a permanent error), with the reason."""
    now = now or utcnow()
    return int(cast(CursorResult[Any], session.execute(
        update(OutboxRow)
        .where(OutboxRow.claim == claim_.token, OutboxRow.state == "sending")
        .values(state="failed", finished=now, lease_until=None, last_error=reason[:4000])
        .execution_options(synchronize_session=False)
    )).rowcount or 0)


def release(
    session: Session,
    claim_: Claim,
    *,
    not_before: datetime,
    error: str | None,
    attempted: bool = True,
) -> int:
    """Give a claim's rows back (a transient error, or never tried): pending again.

    ``not_before`` is when they may be claimed again (the worker's backoff);
    ``attempted=False`` does not count the claim as an attempt.
    """
    values: dict[str, object] = {
        "state": "pending", "lease_until": None, "claim": None, "not_before": not_before,
    }
    if error is not None:
        values["last_error"] = error[:4000]
    if not attempted:
        values["attempts"] = OutboxRow.attempts - 1
    return int(cast(CursorResult[Any], session.execute(
        update(OutboxRow)
        .where(OutboxRow.claim == claim_.token, OutboxRow.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )).rowcount or 0)


def requeue_failed(session: Session, dois: Iterable[str] | None = None) -> int:
    """Put failed rows back in the queue (after the cause was fixed).

    They get a fresh retry budget: ``attempts`` back to 0 and ``created``
    (what the age limit counts from) now. ``last_error`` stays until the
    next attempt, so what went wrong remains visible.
    """
    now = utcnow()
    stmt = update(OutboxRow).where(OutboxRow.state == "failed")
    if dois is not None:
        stmt = stmt.where(OutboxRow.doi.in_(list(dois)))
    return int(cast(CursorResult[Any], session.execute(
        stmt.values(state="pending", not_before=now, claim=None, finished=None,
                    lease_until=None, attempts=0, created=now)
        .execution_options(synchronize_session=False)
    )).rowcount or 0)


#: the base URL the landing-page URLs at DataCite were last queued with
BASE_URL_SETTING = "landing-base-url"


def requeue_for_base_url(session: Session, base_url: str) -> int:
    """Queue an update of every DOI we manage when the public base URL changed.

    Landing pages live under ``OAISERVER_BASE_URL``: when it changes, every
    DOI's URL at DataCite must follow. The base URL the DOIs were last queued
    with is kept in the database; the first call only records it. Returns
    how many rows were queued (one ``update`` per managed DOI, at the
    record's current revision; the worker sends metadata and the new URL, or
    hides a deleted record's DOI as always). Call it in its own transaction;
    of two processes starting together, the row lock (or SQLite's single
    writer) lets one of them queue the work.
    """
    base_url = base_url.rstrip("/")
    stored = session.execute(
        select(InstanceSettingRow).where(InstanceSettingRow.key == BASE_URL_SETTING)
        .with_for_update()
    ).scalar_one_or_none()
    if stored is None:
        session.add(InstanceSettingRow(key=BASE_URL_SETTING, value=base_url))
        return 0
    if stored.value == base_url:
        return 0
    stored.value = base_url
    now = utcnow()
    managed = (
        select(DOIRegistrationRow.doi, DOIRegistrationRow.record_id,
               literal("update", String()), RecordRow.revision, literal("pending", String()),
               literal(0, Integer()), literal(now, UTCDateTime()), literal(now, UTCDateTime()))
        .join(RecordRow, RecordRow.id == DOIRegistrationRow.record_id)
    )
    concepts = (
        select(ConceptDOIRegistrationRow.doi, ConceptDOIRegistrationRow.concept_id,
               literal("concept", String()), literal(0, Integer()), literal("pending", String()),
               literal(0, Integer()), literal(now, UTCDateTime()), literal(now, UTCDateTime()))
        .join(ConceptRow, ConceptRow.id == ConceptDOIRegistrationRow.concept_id)
    )
    queued = 0
    for work in (managed, concepts):
        queued += int(session.execute(
            select(func.count()).select_from(work.subquery())).scalar_one())
        session.execute(insert(OutboxRow).from_select(
            ["doi", "record_id", "reason", "revision", "state", "attempts", "not_before",
             "created"], work))
    return queued


# -- reading -----------------------------------------------------------------------


def counts(session: Session) -> dict[str, int]:
    """Rows by state, every state present (zeros included)."""
    found = dict(session.execute(
        select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
    ).all())
    return {state: int(found.get(state, 0)) for state in ROW_STATES}


def pending_count(session: Session, doi: str | None = None) -> int:
    stmt = select(func.count()).select_from(OutboxRow).where(
        OutboxRow.state.in_(("pending", "sending"))
    )
    if doi is not None:
        stmt = stmt.where(OutboxRow.doi == doi)
    return int(session.execute(stmt).scalar_one())


def failed_rows(session: Session, doi: str | None = None, limit: int = 100) -> list[OutboxRow]:
    stmt = select(OutboxRow).where(OutboxRow.state == "failed")
    if doi is not None:
        stmt = stmt.where(OutboxRow.doi == doi)
    return list(session.execute(stmt.order_by(OutboxRow.id).limit(limit)).scalars())


def pending_rows(
    session: Session, doi: str | None = None, *, failing: bool = False, limit: int = 100
) -> list[OutboxRow]:
    """Rows still to send (``pending``, or ``sending`` under a lease), oldest first.

    ``failing=True``: only those whose sends have failed before (they carry a
    ``last_error``): what ``oaiserver doi status`` shows as retrying.
    """
    stmt = select(OutboxRow).where(OutboxRow.state.in_(("pending", "sending")))
    if doi is not None:
        stmt = stmt.where(OutboxRow.doi == doi)
    if failing:
        stmt = stmt.where(OutboxRow.last_error.is_not(None))
    return list(session.execute(stmt.order_by(OutboxRow.id).limit(limit)).scalars())
