"""The outbox worker: pushes queued DOI work to DataCite, reliably.

When to use: ``oaiserver doi sync`` runs ``OutboxWorker.run`` until the queue
is empty (or for ever with ``--loop``); ``oaiserver serve`` may run it in a
``WorkerThread``. Several workers may run at once (leases keep one DOI with
one worker at a time).

How it stays correct when anything fails:

- each batch is *claimed* in a short transaction of its own (rows become
  ``sending`` under a lease), sent with no transaction open, then marked
  ``done`` (or ``failed``, or given back) in another short transaction;
- a worker killed at any point (SIGKILL included) leaves rows ``sending``;
  their lease runs out and the next worker claims and sends them again,
  which is safe because every write is a PUT by DOI (an upsert);
- what is sent is the record *as it is when sending*, so all pending rows of
  a DOI collapse into one request, and stale metadata can't win;
- a transient error (after the client's own retries) is one of two kinds:

  * DataCite as a whole unavailable (no answer, 429, 502/503/504, or
    ``outage_after`` DOIs in a row failing with a 5xx): the DOI's rows go back
    to ``pending``, the rest of the batch is handed back untried, and the
    worker pauses, backing off exponentially with jitter (``backoff``);
  * a failure of that one request (any other 5xx, e.g. a 500 for one DOI's
    metadata): only that DOI is deferred; the worker goes on with the batch,
    so one poisoned DOI cannot starve the others;

  either way the DOI's rows get a ``not_before`` that grows with their
  attempts (``row_backoff``: exponential, capped, never near zero), and
  after ``max_attempts`` attempts, or ``max_age`` in the queue, they are
  given up: ``failed`` with their last error, like a permanent error
  (``oaiserver doi retry`` queues them again). A 429 is not counted as an
  attempt (DataCite said "not now", not "no");
- a permanent error (a 4xx other than 429) marks the rows ``failed`` with
  DataCite's reason (``oaiserver doi status`` lists them); bad credentials
  (401) stop the worker instead, leaving every row pending.

What DataCite should hold, from the record and its registration row:
live record -> the requested state (draft / registered / findable) with the
current metadata and ``url`` = the landing page; deleted record -> hidden
(registered) if it ever was registered or findable, else the draft is
deleted; restored record -> the requested state again. A concept DOI is
sent the same way, as the record ``version_relations.concept_record``
builds (the latest version's metadata and landing page, ``HasVersion``
each version); a concept whose every version is deleted is hidden.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from repository_core import outbox
from repository_core.background import BackgroundThread
from repository_core.datestamps import utcnow
from repository_core.db import write_engine
from repository_core.outbox import Claim, ConceptDOIRegistrationRow, DOIRegistrationRow, OutboxRow
from repository_core.records import Record
from repository_core.store import RecordStore
from repository_core.version_relations import concept_record
from serializers.context import ExportContext

from .client import DataCiteClient
from .errors import (
    BadCredentials,
    DataCiteError,
    DOINotFound,
    MethodNotAllowed,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from .lifecycle import AttributesFor, serializer_attributes
from .retry import RetryPolicy

__all__ = ["BatchResult", "OutboxWorker", "WorkerThread", "datacite_unavailable",
           "desired_state"]

log = logging.getLogger(__name__)

#: Keys of the attributes that are not metadata (set by the worker / DataCite).
NOT_METADATA = ("doi", "event", "state", "prefix", "suffix", "id")

# DataCite merges the attributes of a PUT into what it holds: a property the
# record no longer has must be sent empty, or the old value stays for ever.
CLEARABLE_LISTS = ("subjects", "contributors", "dates", "identifiers", "relatedIdentifiers",
                   "relatedItems", "sizes", "formats", "rightsList", "descriptions",
                   "geoLocations", "fundingReferences")
CLEARABLE_VALUES = ("language", "version")


def replacing(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes as a full replacement: every optional property present."""
    complete = dict(attributes)
    for key in CLEARABLE_LISTS:
        complete.setdefault(key, [])
    for key in CLEARABLE_VALUES:
        complete.setdefault(key, None)
    return complete


#: HTTP statuses saying DataCite (or the way to it) is down, not that one request failed.
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
#: A row is given up by age only once it has had at least this many attempts.
MIN_ATTEMPTS_BEFORE_AGE_LIMIT = 3


def datacite_unavailable(exc: BaseException) -> bool:
    """Does this error say DataCite as a whole is unavailable (pause everything)?

    No answer, 429 (rate limited), and 502/503/504 do; any other 5xx is taken
    to be about the one request that got it.
    """
    if isinstance(exc, (NetworkError, RateLimited)):
        return True
    return isinstance(exc, TransientError) and exc.status in UNAVAILABLE_STATUSES


#: what the worker reads of a registration, a record's or a concept's
Registration = DOIRegistrationRow | ConceptDOIRegistrationRow


def desired_state(record: Record, registration: Registration) -> str:
    """What DataCite should hold: draft | registered | findable | absent."""
    if not record.deleted:
        return registration.intended_state
    if registration.confirmed_state in ("registered", "findable"):
        return "registered"  # a registered DOI is for ever: hide it
    return "absent"  # a draft (or nothing yet): delete it


@dataclass
class BatchResult:
    claimed: int = 0  # DOIs claimed
    sent: int = 0  # DOIs DataCite confirmed
    failed: int = 0  # DOIs whose rows failed for good (or were given up)
    deferred: int = 0  # DOIs given back for later (a transient error, or not tried)
    rows_finished: int = 0  # outbox rows done or failed


class OutboxWorker:
    """Claims outbox rows, sends them with a ``DataCiteClient``, records the outcome.

    ``backoff`` spaces out the worker's pauses while DataCite is unavailable;
    ``row_backoff`` the attempts at one DOI (its ``spacing``, by the rows'
    attempts); ``max_attempts`` / ``max_age`` (None: no limit) say when a
    DOI that keeps failing is given up; ``outage_after`` DOIs of one batch
    failing with a 5xx in a row are taken as DataCite being down.
    """

    def __init__(
        self,
        engine: Engine,
        client: DataCiteClient,
        context: ExportContext,
        *,
        attributes_for: AttributesFor = serializer_attributes,
        lease: timedelta = timedelta(minutes=5),
        batch: int = 20,
        backoff: RetryPolicy | None = None,
        row_backoff: RetryPolicy | None = None,
        max_attempts: int | None,
        max_age: timedelta | None,
        outage_after: int = 3,
        idle_interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.engine = engine
        self._write_engine = write_engine(engine)
        self.client = client
        self.context = context
        self.attributes_for = attributes_for
        self.lease = lease
        self.batch = batch
        self.backoff = backoff or RetryPolicy(base=2.0, cap=300.0)
        # 30 s, 1 min, 2 min ... capped at 6 h: 20 attempts span about 1.5 to 3 days
        self.row_backoff = row_backoff or RetryPolicy(base=30.0, cap=6 * 3600.0)
        self.max_attempts = max_attempts
        self.max_age = max_age
        self.outage_after = max(outage_after, 1)
        self.idle_interval = idle_interval
        self._sleep = sleep
        self._failures = 0  # consecutive transient failures
        self._pause_until = 0.0  # monotonic

    # -- transactions -------------------------------------------------------------
    def _tx(self) -> Session:
        return Session(self._write_engine, expire_on_commit=False)

    # -- one batch ------------------------------------------------------------------
    def run_once(self) -> BatchResult:
        """Claim up to ``batch`` DOIs and sync each; stops early if DataCite is down.

        A transient failure of one DOI's request defers that DOI alone and the
        batch goes on; only DataCite being unavailable (``datacite_unavailable``,
        or ``outage_after`` DOIs failing in a row) hands back the rest untried.
        """
        result = BatchResult()
        with self._tx() as s, s.begin():
            claims = outbox.claim(s, lease=self.lease, limit=self.batch)
        result.claimed = len(claims)
        failing_in_a_row = 0
        for i, claim in enumerate(claims):
            try:
                finished = self._sync(claim, result)
            except BadCredentials:
                self._give_back(claims[i:], attempted=False)
                raise
            except TransientError as exc:
                failing_in_a_row += 1
                outage = datacite_unavailable(exc) or failing_in_a_row >= self.outage_after
                if outage:
                    self._give_back(claims[i + 1:], attempted=False)
                    result.deferred += len(claims) - i - 1
                    self._pause(exc)
                result.rows_finished += self._retry_later(claim, exc, result)
                if outage:
                    break
                continue
            failing_in_a_row = 0
            result.rows_finished += finished
        return result

    def _sync(self, claim: Claim, result: BatchResult) -> int:
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            registration: Registration | None = s.get(DOIRegistrationRow, claim.doi)
            record: Record | None = None
            if registration is not None:
                record = RecordStore(s).get(claim.record_id)
            else:  # a concept DOI: the concept as its latest version, HasVersion each version
                registration = s.get(ConceptDOIRegistrationRow, claim.doi)
                if registration is not None and registration.concept_id == claim.record_id:
                    record = concept_record(s, claim.record_id)
        try:
            if record is None or registration is None or record.doi != claim.doi:
                raise LookupError(f"DOI {claim.doi} no longer belongs to record {claim.record_id}")
            confirmed = self._send(record, registration)
        except (TransientError, BadCredentials):
            raise
        except PermanentError as exc:
            return self._fail(claim, exc, result)
        except DataCiteError as exc:  # pragma: no cover - every DataCiteError is one of both
            return self._fail(claim, exc, result)
        except Exception as exc:  # our side (serializer, a record that changed hands)
            log.exception("DOI %s: cannot build the request", claim.doi)
            return self._fail(claim, exc, result)
        self._failures = 0
        with self._tx() as s, s.begin():
            done = outbox.complete(s, claim, confirmed_state=confirmed)
        result.sent += 1
        log.info("DOI %s: %s (%s)", claim.doi, confirmed, ", ".join(claim.reasons))
        return done

    def _send(self, record: Record, registration: Registration) -> str:
        """Make DataCite match; return the state DataCite confirmed."""
        doi = registration.doi
        target = desired_state(record, registration)
        if target == "absent":
            try:
                self.client.delete_doi(doi)
                return "absent"
            except DOINotFound:
                return "absent"
            except MethodNotAllowed:  # it got registered after all (an unconfirmed send)
                target = "registered"
        attributes = replacing({
            k: v for k, v in self.attributes_for(record, self.context).items()
            if k not in NOT_METADATA
        })
        attributes["url"] = self.context.landing_url(record.id)
        if target == "findable":
            return self.client.put_doi(doi, attributes, event="publish").state
        if target == "registered":
            answer = self.client.put_doi(doi, attributes, event="register")
            if answer.state == "findable":
                answer = self.client.hide(doi)
            return answer.state
        return self.client.put_doi(doi, attributes).state  # draft, or stays as it is

    def _fail(self, claim: Claim, exc: BaseException, result: BatchResult) -> int:
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("DOI %s failed: %s", claim.doi, reason)
        with self._tx() as s, s.begin():
            n = outbox.fail(s, claim, reason)
        result.failed += 1
        return n

    def _pause(self, exc: BaseException) -> float:
        """DataCite is unavailable: stop claiming for a while (growing with each time)."""
        self._failures += 1
        wait = self.backoff.backoff(self._failures - 1)
        self._pause_until = time.monotonic() + wait
        log.warning("DataCite unavailable (%s); pausing %.3fs", exc, wait)
        return wait

    def _gives_up(self, claim: Claim, now: datetime) -> str | None:
        """Why the claim's rows are not to be tried again (None: try again)."""
        if self.max_attempts is not None and claim.attempts >= self.max_attempts:
            return f"gave up after {claim.attempts} attempt(s)"
        if (self.max_age is not None and claim.since is not None
                and claim.attempts >= MIN_ATTEMPTS_BEFORE_AGE_LIMIT
                and now - claim.since >= self.max_age):
            return f"gave up after {claim.attempts} attempt(s) over {now - claim.since}"
        return None

    def _retry_later(self, claim: Claim, exc: TransientError, result: BatchResult) -> int:
        """Defer the claim's rows with a growing delay, or give them up; rows finished."""
        error = f"{type(exc).__name__}: {exc}"
        now = utcnow()
        counted = not isinstance(exc, RateLimited)  # a 429 is "not now", no attempt
        attempts = claim.attempts if counted else claim.attempts - 1
        give_up = self._gives_up(claim, now) if counted else None
        if give_up is not None:
            log.warning("DOI %s failed: %s; %s", claim.doi, error, give_up)
            with self._tx() as s, s.begin():
                n = outbox.fail(s, claim, f"{error} [{give_up}]", now=now)
            result.failed += 1
            return n
        wait = self.row_backoff.spacing(max(attempts - 1, 0)) if counted else 0.0
        if self._pause_until > time.monotonic():
            wait = max(wait, self._pause_until - time.monotonic())
        log.warning("DOI %s: %s (attempt %d); next try in %.3fs", claim.doi, error,
                    attempts, wait)
        with self._tx() as s, s.begin():
            outbox.release(s, claim, not_before=now + timedelta(seconds=wait), error=error,
                           attempted=counted)
        result.deferred += 1
        return 0

    def _give_back(self, claims: list[Claim], *, attempted: bool) -> None:
        if not claims:
            return
        with self._tx() as s, s.begin():
            for claim in claims:
                outbox.release(s, claim, not_before=utcnow(), error=None, attempted=attempted)

    # -- loops --------------------------------------------------------------------------
    def remaining(self) -> int:
        """Rows still to send (pending, or in flight under some worker's lease)."""
        with Session(self.engine) as s, s.begin():
            return outbox.pending_count(s)

    def _next_due(self) -> float:
        """Seconds until some row becomes claimable (0 if one is now)."""
        now = utcnow()
        with Session(self.engine) as s, s.begin():
            pending = s.execute(
                select(func.min(OutboxRow.not_before)).where(OutboxRow.state == "pending")
            ).scalar_one()
            leased = s.execute(
                select(func.min(OutboxRow.lease_until)).where(OutboxRow.state == "sending")
            ).scalar_one()
        times = [t for t in (pending, leased) if t is not None]
        if not times:
            return self.idle_interval
        return max((min(times) - now).total_seconds(), 0.0)

    def run(
        self,
        *,
        until_empty: bool = True,
        stop: threading.Event | None = None,
        on_progress: Callable[[BatchResult], None] | None = None,
    ) -> BatchResult:
        """Work until the queue is empty (or ``stop`` is set, if not ``until_empty``).

        Failed rows do not count as work left. Returns the totals.
        """
        total = BatchResult()
        stop = stop or threading.Event()
        while not stop.is_set():
            pause = self._pause_until - time.monotonic()
            if pause > 0:
                self._wait(stop, pause)
                continue
            batch = self.run_once()
            for name in ("claimed", "sent", "failed", "deferred", "rows_finished"):
                setattr(total, name, getattr(total, name) + getattr(batch, name))
            if on_progress is not None and batch.claimed:
                on_progress(batch)
            if batch.claimed:
                continue
            if until_empty and self.remaining() == 0:
                break
            self._wait(stop, min(max(self._next_due(), 0.001), self.idle_interval))
        return total

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        if self._sleep is time.sleep:
            stop.wait(seconds)
        else:
            self._sleep(seconds)


class WorkerThread(BackgroundThread):
    """The worker in a daemon thread of ``oaiserver serve``: ``start()``, ``stop()``.

    Errors never kill the thread silently: a failed batch is logged and
    retried after ``idle_interval``; ``BadCredentials`` is logged as an error
    and retried too (an operator may fix the configuration).
    """

    failure = "DOI outbox worker stopped"

    def __init__(self, worker: OutboxWorker, *, name: str = "doi-outbox"):
        super().__init__(name)
        self.worker = worker

    def step(self, stop: threading.Event) -> None:
        self.worker.run(until_empty=False, stop=stop)

    def retry_delay(self) -> float:
        return self.worker.idle_interval
