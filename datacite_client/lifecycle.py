"""The DOI life cycle of a record: decide, check, store, queue.

When to use: to give a record a DOI (``request``: reserve = draft,
register, publish), to read where a record's DOI stands (``status``), and as
the write hook that gives every new record a DOI when
``OAISERVER_DATACITE_AUTO`` is on (``auto_mint_hook``).

The order is what makes "never lose a DOI, never mint two" hold:

1. the DOI is decided here, locally (``DOIPolicy``), under the record's row
   lock;
2. the metadata that would be sent is checked first (DataCite's
   requirements for the state, and our DataCite XML against the XSD); a
   record that can't be registered raises ``NotRegistrable`` naming the
   fields by JSON pointer, and nothing is stored or queued;
3. the DOI is written into the record (``RecordService.update``) together
   with its ``DOIRegistrationRow`` and an outbox row, in one transaction;
4. only the worker (``worker.py``) talks to DataCite, later.

Updates, deletes (-> hide) and restores (-> publish again) need nothing
from here: ``repository_core.outbox.outbox_hook`` queues them on every write.

Concept DOIs: the first DOI requested for a version made here also mints
the concept's DOI (``DOIPolicy.mint(concept_id)``: records and concepts
share one id namespace, so the two never collide), in the same
transaction, asked for the highest state any version was asked for. Every
version's derived relations follow (``RecordService.refresh_versions``).
``mint_concept_dois`` does the same for concepts that existed before
versions did (``oaiserver records concept-dois --mint``). An installation
may choose versions' DOIs only (``concept_dois=False``,
``OAISERVER_DATACITE_CONCEPT_DOIS=false``): each DOI is paid for at DataCite.

A record imported with a DOI under another prefix keeps it; asking for a
DOI for it raises ``ForeignDOI`` and it is never sent to DataCite.

Not for: HTTP (``client.py``), sending (``worker.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repository_core.datestamps import lock_clock, utcnow
from repository_core.errors import Problem, RecordDeleted, RecordNotFound
from repository_core.models import ConceptRow, RecordRow
from repository_core.outbox import (
    DOI_STATES,
    ConceptDOIRegistrationRow,
    DOIRegistrationRow,
    enqueue,
    enqueue_concept,
    failed_rows,
    outbox_hook,
    pending_count,
    pending_rows,
)
from repository_core.records import Record
from repository_core.service import RecordService, WriteHook
from repository_core.store import RecordStore, row_to_record
from serializers.context import ExportContext

from .doi_policy import DOIPolicy
from .errors import (
    ForeignDOI,
    HarvestedRecord,
    IllegalTransition,
    InvalidDOI,
    MintingDisabled,
    NotRegistrable,
)

__all__ = [
    "AttributesFor",
    "ConceptDOIPlan",
    "DOILifecycle",
    "DOIStatus",
    "RecordCheck",
    "registration_problems",
    "serializer_attributes",
    "xsd_problems",
]

#: Extra checks of a record before it is queued (e.g. XSD validity of its XML).
RecordCheck = Callable[[Record, ExportContext], list[Problem]]
#: The REST API ``attributes`` of a record (the DataCite JSON serializer).
AttributesFor = Callable[[Record, ExportContext], dict[str, Any]]

YEAR = re.compile(r"^\d{4}$")


def registration_problems(metadata: Mapping[str, Any], url: str | None) -> list[Problem]:
    """What DataCite requires of a registered or findable DOI and is missing.

    creators, titles, publisher, publicationYear, types.resourceTypeGeneral
    (the kernel's mandatory properties besides the identifier) and the url
    the DOI resolves to.
    """
    problems: list[Problem] = []

    def named_list(key: str, inner: str) -> None:
        items = metadata.get(key)
        if not isinstance(items, list) or not items:
            problems.append(Problem(f"/{key}", f"at least one {key[:-1]} is required"))
            return
        for i, item in enumerate(items):
            if not isinstance(item, Mapping) or not str(item.get(inner) or "").strip():
                problems.append(Problem(f"/{key}/{i}/{inner}", f"{inner} is required"))

    named_list("creators", "name")
    named_list("titles", "title")
    publisher = metadata.get("publisher")
    name = publisher.get("name") if isinstance(publisher, Mapping) else publisher
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem("/publisher", "a publisher (name) is required"))
    year = str(metadata.get("publicationYear") or "")
    if not YEAR.match(year):
        problems.append(Problem("/publicationYear", "a four-digit publicationYear is required"))
    types = metadata.get("types")
    general = types.get("resourceTypeGeneral") if isinstance(types, Mapping) else None
    if not isinstance(general, str) or not general.strip():
        problems.append(Problem("/types/resourceTypeGeneral", "resourceTypeGeneral is required"))
    if not url or not url.startswith(("http://", "https://")):
        problems.append(Problem("/url", "an http(s) landing-page URL is required"))
    return problems


def xsd_problems(record: Record, ctx: ExportContext) -> list[Problem]:
    """Our DataCite XML of the record (the registry's ``datacite`` format), validated against the kernel-4 XSD."""
    from serializers.registry import FORMATS
    from serializers.xsd import validate_xml

    try:
        document = FORMATS["datacite"].dump(record, ctx)
    except ValueError as exc:  # MissingDOI and the like
        return [Problem("", f"no DataCite XML for this record: {exc}")]
    return [Problem("", f"DataCite XML: {message}") for message in validate_xml(document, "datacite")]


def serializer_attributes(record: Record, ctx: ExportContext) -> dict[str, Any]:
    """The attributes from the registry's ``datacite-json`` format: what DataCite receives is what we export."""
    from serializers.registry import FORMATS

    attributes = json.loads(FORMATS["datacite-json"].dump(record, ctx))
    if not isinstance(attributes, dict):
        raise TypeError("the datacite-json format did not give a JSON object")
    return attributes


#: DOI states in the order a DOI moves through them (a concept takes the highest)
STATE_RANK = {state: rank for rank, state in enumerate(DOI_STATES)}


@dataclass(frozen=True)
class ConceptDOIPlan:
    """A concept that gets (or, in a dry run, would get) a DOI."""

    concept_id: str
    doi: str | None  # None in a dry run with random suffixes (decided when minted)
    state: str
    versions: tuple[str, ...]  # its versions with a DOI of ours


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


@dataclass(frozen=True)
class DOIStatus:
    """Where a record's DOI stands: ours or not, asked-for and confirmed state, work left.

    ``pending`` counts the rows still to send; ``pending_rows`` shows each
    (oldest first): its ``attempts`` so far, the ``error`` of the last one
    that failed (None if none has), ``next_attempt`` (when it may be tried
    at the earliest; for a row being sent, when its lease runs out) and
    ``queued`` (when it was queued). ``failed`` lists the rows given up, with
    their error; ``oaiserver doi retry`` queues them again.
    """

    record_id: str
    doi: str | None
    managed: bool  # a DOI this repository registers (False: none, or imported)
    requested_state: str | None = None
    state: str | None = None  # as DataCite last confirmed (None: not yet)
    confirmed_at: datetime | None = None
    pending: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    url: str | None = None
    pending_rows: list[dict[str, Any]] = field(default_factory=list)
    #: the concept DOI of the record's versions, when one is managed here: its DOI,
    #: requested and confirmed state, rows still to send, and where it resolves to
    concept: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record_id,
            "doi": self.doi,
            "managed": self.managed,
            "requested_state": self.requested_state,
            "state": self.state,
            "confirmed_at": _iso(self.confirmed_at),
            "pending": self.pending,
            "pending_rows": self.pending_rows,
            "failed": self.failed,
            "url": self.url,
            "doi_url": f"https://doi.org/{self.doi}" if self.doi else None,
            "concept": self.concept,
        }


class DOILifecycle:
    """Give records DOIs and queue their registration; the record service does the rest."""

    def __init__(
        self,
        records: RecordService,
        *,
        policy: DOIPolicy | None,
        context: ExportContext,
        checks: tuple[RecordCheck, ...] = (xsd_problems,),
        concept_dois: bool = True,
    ):
        if outbox_hook not in records.hooks:
            raise ValueError("the RecordService needs repository_core.outbox.outbox_hook "
                             "among its hooks, or DOI updates would never be queued")
        self.records = records
        self.policy = policy
        self.context = context
        self.checks = checks
        #: mint a concept DOI with a version's first DOI (False: versions' DOIs only)
        self.concept_dois = concept_dois

    # -- checks -----------------------------------------------------------------
    def problems(self, record: Record, state: str) -> list[Problem]:
        """Why ``record`` cannot be ``state`` on DataCite ([] when it can)."""
        if state == "draft":
            return []  # DataCite takes a draft with any metadata, even none
        url = self.context.landing_url(record.id)
        problems = registration_problems(record.metadata, url)
        if not problems:  # the XML check repeats the missing fields less clearly
            for check in self.checks:
                problems += check(record, self.context)
        return problems

    # -- writes -------------------------------------------------------------------
    def request(
        self, record_id: str, state: str = "findable", *, session: Session | None = None
    ) -> DOIStatus:
        """Give the record a DOI if it has none, and queue it to reach ``state``."""
        if state not in DOI_STATES:
            raise ValueError(f"state must be one of {', '.join(DOI_STATES)}, not {state!r}")
        with self._transaction(session) as s:
            lock_clock(s)  # the clock before the record row, as every writer does
            row = RecordStore(s).row(record_id, for_update=True)
            if row is None:
                raise RecordNotFound(record_id)
            record = row_to_record(row)
            if record.deleted:
                raise RecordDeleted(record)
            if record.harvest_source is not None:  # not ours, whatever auto mode says
                raise HarvestedRecord(record.id, record.harvest_source)
            policy = self.policy
            if policy is None:
                raise MintingDisabled()
            if record.doi and not policy.is_own(record.doi):
                raise ForeignDOI(record.doi, policy.prefix)
            doi = record.doi or policy.mint(record.id)
            policy.check(doi)

            registration = s.get(DOIRegistrationRow, doi)
            known = registration.confirmed_state if registration else None
            asked = registration.intended_state if registration else None
            if state == "draft" and ({known, asked} & {"registered", "findable"}):
                raise IllegalTransition(doi, known or asked or "draft", state)

            metadata = {**record.metadata, "doi": doi}
            candidate = replace(record, doi=doi, metadata=metadata)
            problems = self.problems(candidate, state)
            if problems:
                raise NotRegistrable(record.id, state, problems)

            now = utcnow()
            becomes_public = state != "draft" and (registration is None or (
                registration.intended_state == "draft"
                and registration.confirmed_state in (None, "draft")))
            if registration is None:
                s.add(DOIRegistrationRow(doi=doi, record_id=record.id, intended_state=state,
                                         created=now, updated=now))
            else:
                registration.intended_state, registration.updated = state, now
            s.flush()
            if record.concept_id is not None and self.concept_dois:
                self._concept_doi(s, record.concept_id, state)
            if record.doi != doi or record.metadata.get("doi") != doi:
                self.records.update(record.id, metadata, session=s)  # the hook queues it
            elif becomes_public:
                # the exports change (a draft DOI is not shown): a new revision and datestamp
                self.records.touch(record.id, session=s)
            else:
                enqueue(s, record, "request")
            if record.concept_id is not None:
                self.records.refresh_versions(record.concept_id, session=s)
                enqueue_concept(s, record.concept_id, row.revision)
            return self._status(s, record_id)

    def _concept_doi(self, s: Session, concept_id: str, state: str) -> None:
        """Mint the concept's DOI if it has none; raise its asked-for state to ``state``."""
        policy = self.policy
        assert policy is not None
        concept = s.get(ConceptRow, concept_id)
        if concept is None:
            return
        registration = s.execute(select(ConceptDOIRegistrationRow).where(
            ConceptDOIRegistrationRow.concept_id == concept_id)).scalar_one_or_none()
        now = utcnow()
        if registration is not None:
            if STATE_RANK[state] > STATE_RANK[registration.intended_state]:
                registration.intended_state, registration.updated = state, now
            return
        if concept.doi is None:
            concept.doi = self._free_concept_doi(s, policy, concept_id)
        s.add(ConceptDOIRegistrationRow(doi=concept.doi, concept_id=concept_id,
                                        intended_state=state, created=now, updated=now))
        s.flush()

    @staticmethod
    def _free_concept_doi(s: Session, policy: DOIPolicy, concept_id: str) -> str:
        for _ in range(10):  # a random suffix may, very rarely, be taken
            doi = policy.mint(concept_id)
            policy.check(doi)
            taken = s.execute(select(func.count()).select_from(RecordRow)
                              .where(RecordRow.doi == doi)).scalar_one()
            taken += s.execute(select(func.count()).select_from(ConceptRow)
                               .where(ConceptRow.doi == doi)).scalar_one()
            if not taken:
                return doi
            if not policy.random:
                break
        raise InvalidDOI(doi, f"the DOI for concept {concept_id} is already a record's")

    def concept_doi_candidates(self) -> list[ConceptDOIPlan]:
        """Live concepts without a DOI whose versions have DOIs of ours (registered
        here): what ``mint_concept_dois`` would give a DOI, and in which state."""
        policy = self.policy
        if policy is None or not self.concept_dois:
            raise MintingDisabled()
        with self.records.reading() as s:
            rows = s.execute(
                select(ConceptRow.id, RecordRow.id, DOIRegistrationRow.intended_state)
                .join(RecordRow, RecordRow.concept_id == ConceptRow.id)
                .join(DOIRegistrationRow, DOIRegistrationRow.record_id == RecordRow.id)
                .where(ConceptRow.doi.is_(None), ConceptRow.deleted.is_(False),
                       RecordRow.harvest_source.is_(None))
                .order_by(ConceptRow.id, RecordRow.version_index)
            ).all()
        found: dict[str, tuple[str, list[str]]] = {}
        for concept_id, version_id, state in rows:
            best, versions = found.get(concept_id, ("draft", []))
            if STATE_RANK[state] > STATE_RANK[best]:
                best = state
            found[concept_id] = (best, [*versions, version_id])
        return [ConceptDOIPlan(cid, None if policy.random else policy.mint(cid), state,
                               tuple(versions))
                for cid, (state, versions) in found.items()]

    def mint_concept_doi(self, plan: ConceptDOIPlan) -> ConceptDOIPlan:
        """Give one concept its DOI and queue it, in a transaction of its own; the
        versions' relations follow (each changed version written again)."""
        with self.records.transaction() as s:
            lock_clock(s)
            concept = s.get(ConceptRow, plan.concept_id)
            if concept is None or concept.deleted:
                raise RecordNotFound(plan.concept_id)
            self._concept_doi(s, plan.concept_id, plan.state)
            self.records.refresh_versions(plan.concept_id, session=s)
            enqueue_concept(s, plan.concept_id, 0)
            return replace(plan, doi=concept.doi)

    def reserve(self, record_id: str) -> DOIStatus:
        """A draft DOI: known to DataCite, not resolvable, deletable."""
        return self.request(record_id, "draft")

    def register(self, record_id: str) -> DOIStatus:
        """A registered DOI: resolves, but is not in DataCite's search."""
        return self.request(record_id, "registered")

    def publish(self, record_id: str) -> DOIStatus:
        """A findable DOI: resolves to the landing page and is in DataCite's search."""
        return self.request(record_id, "findable")

    def auto_mint_hook(self, state: str = "findable") -> WriteHook:
        """A write hook giving every record created without a DOI one (auto mode).

        Put it *last* in the service's hooks: it updates the record (adding the
        DOI) in the same transaction, which runs all hooks again with the new
        revision. A record that cannot be ``state`` is refused (``NotRegistrable``)
        and its creation rolled back: nothing is created without its DOI.
        Harvested records are left alone: they are another repository's.
        """

        def auto_mint(session: Session, record: Record, previous: Record | None) -> None:
            if (previous is None and not record.doi and not record.deleted
                    and not record.harvested):
                self.request(record.id, state, session=session)

        return auto_mint

    # -- reads --------------------------------------------------------------------
    def status(self, record_id: str) -> DOIStatus:
        with self.records.reading() as s:
            return self._status(s, record_id)

    def _status(self, s: Session, record_id: str) -> DOIStatus:
        record = RecordStore(s).get(record_id)
        if record is None:
            raise RecordNotFound(record_id)
        doi = record.doi
        registration = s.get(DOIRegistrationRow, doi) if doi else None
        concept = self._concept_status(s, record.concept_id)
        if doi is None or registration is None:
            return DOIStatus(record_id=record_id, doi=doi, managed=False, concept=concept)
        failed = [
            {"id": r.id, "reason": r.reason, "error": r.last_error, "attempts": r.attempts,
             "at": _iso(r.finished)}
            for r in failed_rows(s, doi)
        ]
        waiting = [
            {"id": r.id, "reason": r.reason, "state": r.state, "attempts": r.attempts,
             "error": r.last_error, "queued": _iso(r.created),
             "next_attempt": _iso(r.lease_until if r.state == "sending" else r.not_before)}
            for r in pending_rows(s, doi)
        ]
        return DOIStatus(
            record_id=record_id,
            doi=doi,
            managed=True,
            requested_state=registration.intended_state,
            state=registration.confirmed_state,
            confirmed_at=registration.confirmed_at,
            pending=pending_count(s, doi),
            pending_rows=waiting,
            failed=failed,
            url=self.context.landing_url(record_id),
            concept=concept,
        )

    def _concept_status(self, s: Session, concept_id: str | None) -> dict[str, Any] | None:
        if concept_id is None:
            return None
        registration = s.execute(select(ConceptDOIRegistrationRow).where(
            ConceptDOIRegistrationRow.concept_id == concept_id)).scalar_one_or_none()
        if registration is None:
            return None
        concept = s.get(ConceptRow, concept_id)
        latest = concept.latest_id if concept is not None else None
        return {
            "id": concept_id,
            "doi": registration.doi,
            "requested_state": registration.intended_state,
            "state": registration.confirmed_state,
            "confirmed_at": _iso(registration.confirmed_at),
            "pending": pending_count(s, registration.doi),
            "url": self.context.landing_url(latest) if latest else None,
        }

    @contextmanager
    def _transaction(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self.records.transaction() as s:
                yield s
