"""Harvesting one OAI-PMH source: ListRecords with sickle, one transaction a page.

When to use: ``Harvester(records, settings).run(name)`` from the CLI
(``oaiserver harvest run``) or the thread of ``serve`` (:mod:`.worker`).

How a run goes:

1. A fresh run asks ``ListRecords`` with ``from=`` the ``responseDate`` of
   the first page of the last complete run (cut to the source's
   granularity, read once from ``Identify``), ``set=`` if the source has one.
2. Each page is applied in one transaction (records created, updated as a
   new revision, deleted as tombstones, refused with the reason), together
   with the resumption token of the next page. A run that dies (an error,
   a killed process) resumes from its last committed page; the token's
   records not yet committed are asked for again, and nothing is applied
   twice because records are keyed by (source, OAI identifier) and an
   unchanged record is left alone.
3. The last page (no token) ends the run: its first ``responseDate``
   becomes the next ``from=``. A record changed at the source while the run
   went on has a datestamp at or after that date, so the next run sees it.

HTTP, resumption tokens and OAI errors are sickle's; :class:`HarvestClient`
adds bounded retries: ``503`` (and ``502``/``504``) after ``Retry-After``
(capped), connection errors and timeouts with exponential backoff.

When not to use: to load files (``oaiserver load``).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, cast

import requests
from lxml import etree
from sickle import Sickle
from sickle.iterator import OAIResponseIterator
from sickle.models import Record as OAIRecord
from sickle.oaiexceptions import BadResumptionToken, NoRecordsMatch
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from ..datestamps import utcnow
from ..errors import InvalidRecord, RecordDeleted
from ..planner_statistics import LOADED_TABLES, StatisticsSchedule
from ..service import RecordService
from ..store import RecordStore
from .mapping import Refused, map_record
from .sources import HarvestError, get_source, list_sources
from .tables import HarvestedRecordRow, HarvestRefusalRow, HarvestSourceRow

__all__ = ["DEFAULT_LEASE", "HarvestBusy", "HarvestClient", "HarvestFailed", "HarvestSettings",
           "Harvester", "PageReport", "RunReport"]

log = logging.getLogger(__name__)

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
DAY_GRANULARITY = "YYYY-MM-DD"


class HarvestFailed(HarvestError):
    """A run stopped (the source unreachable after the retries, or an OAI error).

    What was committed stays; the next run resumes from the last page."""


class HarvestBusy(HarvestError):
    """Another process is harvesting the source now (it holds the source's lease)."""

    def __init__(self, name: str, until: datetime | None):
        self.name, self.until = name, until
        super().__init__(f"{name} is being harvested by another process"
                         + (f" (its lease runs until {until.isoformat()})" if until else ""))


#: how long a run's claim on a source lasts without a committed page; a process
#: that died leaves its source to others once this has passed
DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class HarvestSettings:
    """How hard to try; from ``Config`` (``harvest_*``)."""

    max_attempts: int = 5
    max_retry_after: float = 120.0
    backoff: float = 2.0
    timeout: float = 60.0


class HarvestClient(Sickle):
    """sickle, with bounded retries of network errors and a capped ``Retry-After``."""

    def __init__(self, endpoint: str, settings: HarvestSettings,
                 sleep: Callable[[float], None] = time.sleep):
        super().__init__(
            endpoint, iterator=OAIResponseIterator, max_retries=max(settings.max_attempts - 1, 0),
            retry_status_codes=(502, 503, 504), default_retry_after=settings.backoff,
            timeout=settings.timeout,
        )
        self.settings = settings
        self._sleep = sleep

    def get_retry_after(self, http_response: requests.Response) -> float:
        """``Retry-After`` in seconds or as an HTTP date, never more than the cap."""
        value = http_response.headers.get("retry-after")
        wait = self.settings.backoff
        if value:
            try:
                wait = float(value)
            except ValueError:
                try:
                    wait = (parsedate_to_datetime(value) - utcnow()).total_seconds()
                except (TypeError, ValueError):
                    pass
        return max(0.0, min(wait, self.settings.max_retry_after))

    def _request(self, kwargs: dict[str, Any]) -> requests.Response:
        attempts = max(self.settings.max_attempts, 1)
        for attempt in range(attempts):
            try:
                response: requests.Response = super()._request(kwargs)
                return response
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt + 1 == attempts:
                    raise HarvestFailed(f"{self.endpoint}: {exc.__class__.__name__} after "
                                        f"{attempts} attempts: {exc}") from exc
                wait = min(self.settings.backoff * 2 ** attempt, self.settings.max_retry_after)
                log.warning("%s: %s; trying again in %.1f s", self.endpoint, exc, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class PageReport:
    """What one page (or a whole run) did."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    refused: int = 0

    def add(self, other: PageReport) -> None:
        for name in ("created", "updated", "deleted", "unchanged", "refused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (f"{self.created} created, {self.updated} updated, {self.deleted} deleted, "
                f"{self.unchanged} unchanged, {self.refused} refused")


@dataclass
class RunReport(PageReport):
    source: str = ""
    pages: int = 0
    resumed: bool = False
    complete: bool = False
    refusals: list[tuple[str, str]] = field(default_factory=list)


#: called after each committed page: (source name, page number in this run, the page's report)
Progress = Callable[[str, int, PageReport], None]


class Harvester:
    """Runs harvests of the configured sources into the record service."""

    def __init__(self, records: RecordService, settings: HarvestSettings | None = None,
                 client: Callable[[str], Sickle] | None = None, *,
                 lease: timedelta = DEFAULT_LEASE):
        self.records = records
        self.settings = settings or HarvestSettings()
        self._client = client or (lambda url: HarvestClient(url, self.settings))
        self.lease = lease
        self._owner = secrets.token_hex(8)  # this harvester's name in the leases
        #: a long harvest grows the tables as a load does: keep the planner's figures
        self.statistics = StatisticsSchedule(
            tables=(*LOADED_TABLES, HarvestedRecordRow.__tablename__))

    def run_all(self, *, progress: Progress | None = None) -> list[RunReport]:
        """Every source in turn; one that fails is reported and the others go on,
        one another process is harvesting is left to it."""
        with self.records.reading() as s:
            names = [row.name for row in list_sources(s)]
        reports = []
        for name in names:
            try:
                reports.append(self.run(name, progress=progress))
            except HarvestBusy as exc:
                log.info("%s", exc)
            except HarvestFailed as exc:
                log.error("harvest of %s failed: %s", name, exc)
        return reports

    def run(self, name: str, *, progress: Progress | None = None) -> RunReport:
        """Harvest ``name`` until the source has nothing more (or resume a run that died).

        Raises ``HarvestBusy`` when another process holds the source's lease:
        two processes never harvest one source at once (a conditional UPDATE
        claims it, on SQLite and PostgreSQL alike).
        """
        report = RunReport(source=name)
        self._claim(name)
        try:
            return self._run(name, report, progress)
        except HarvestFailed as exc:
            self._note_error(name, str(exc))
            raise
        except Exception as exc:  # anything else: say so in status, then let it be seen
            self._note_error(name, f"{exc.__class__.__name__}: {exc}")
            raise
        finally:
            self._release(name)

    # -- the lease ------------------------------------------------------------
    def _claim(self, name: str) -> None:
        now = utcnow()
        with self.records.transaction() as s:
            get_source(s, name)  # SourceNotFound before anything else
            claimed = s.execute(
                update(HarvestSourceRow)
                .where(HarvestSourceRow.name == name,
                       or_(HarvestSourceRow.lease_until.is_(None),
                           HarvestSourceRow.lease_until < now,
                           HarvestSourceRow.lease_owner == self._owner))
                .values(lease_owner=self._owner, lease_until=now + self.lease)
                .execution_options(synchronize_session=False))
            if not cast(CursorResult[Any], claimed).rowcount:
                until = s.execute(select(HarvestSourceRow.lease_until)
                                  .where(HarvestSourceRow.name == name)).scalar_one()
                raise HarvestBusy(name, until)

    def _holds(self, src: HarvestSourceRow) -> None:
        """Inside a page's transaction (the source row locked): still ours? renew."""
        if src.lease_owner != self._owner:
            raise HarvestFailed(f"{src.name}: the lease was lost to another process "
                                "(a page took longer than the lease); it carries on")
        src.lease_until = utcnow() + self.lease

    def _release(self, name: str) -> None:
        with self.records.transaction() as s:
            s.execute(update(HarvestSourceRow)
                      .where(HarvestSourceRow.name == name,
                             HarvestSourceRow.lease_owner == self._owner)
                      .values(lease_owner=None, lease_until=None)
                      .execution_options(synchronize_session=False))

    # -- the run --------------------------------------------------------------
    def _run(self, name: str, report: RunReport, progress: Progress | None) -> RunReport:
        # the source's granularity, asked once, outside any transaction (no lock held
        # while the network is slow)
        with self.records.reading() as s:
            src = get_source(s, name)
            granularity = src.granularity
            if granularity is None and src.harvested_until is not None:
                granularity = self._granularity(src.base_url)
        with self.records.transaction() as s:
            src = get_source(s, name, for_update=True)
            base_url, token = src.base_url, src.resumption_token
            src.granularity = src.granularity or granularity
            report.resumed = token is not None
            if token is None:
                if src.run_from is None:  # a fresh run (not a retry of one that found nothing)
                    src.run_from = self._from_date(src)
                    src.run_response_date = None
                    src.run_pages = 0
                src.last_run_started = utcnow()
            src.last_error = None
            params = self._params(src)
        client = self._client(base_url)
        try:
            try:
                pages = client.ListRecords(**params)
            except BadResumptionToken:  # expired or forgotten by the source: start the run over
                log.warning("%s: the resumption token was refused; starting the run again", name)
                with self.records.transaction() as s:
                    src = get_source(s, name, for_update=True)
                    src.resumption_token = None
                    params = self._params(src)
                pages = client.ListRecords(**params)
        except NoRecordsMatch:
            self._finish(name, None)
            report.complete = True
            return report
        except HarvestFailed:
            raise
        except Exception as exc:
            raise HarvestFailed(f"{base_url}: {exc.__class__.__name__}: {exc}") from exc
        while True:
            try:
                response = next(pages)
            except StopIteration:
                break
            except HarvestFailed:
                raise
            except Exception as exc:  # an HTTP or OAI error on a later page
                raise HarvestFailed(f"{base_url}: {exc.__class__.__name__}: {exc}") from exc
            next_token = pages.resumption_token.token if pages.resumption_token else None
            page = self._apply_page(name, response.xml, next_token or None, report)
            self.statistics.written(self.records.engine, page.created + page.updated + page.deleted)
            report.pages += 1
            report.add(page)
            if progress is not None:
                progress(name, report.pages, page)
        report.complete = True
        return report

    def _params(self, src: HarvestSourceRow) -> dict[str, str]:
        if src.resumption_token:
            return {"resumptionToken": src.resumption_token}
        params = {"metadataPrefix": src.metadata_prefix}
        if src.set_spec:
            params["set"] = src.set_spec
        if src.run_from:
            params["from"] = src.run_from
        return params

    def _granularity(self, base_url: str) -> str:
        try:
            identify = self._client(base_url).Identify()
        except HarvestFailed:
            raise
        except Exception as exc:
            raise HarvestFailed(f"{base_url}: Identify failed: {exc}") from exc
        return str(getattr(identify, "granularity", "") or DAY_GRANULARITY)

    @staticmethod
    def _from_date(src: HarvestSourceRow) -> str | None:
        """``from=``: the last complete run's first responseDate, in the source's granularity."""
        if src.harvested_until is None:
            return None
        if src.granularity == DAY_GRANULARITY:
            return src.harvested_until[:10]
        return src.harvested_until

    def _apply_page(self, name: str, xml: etree._Element, next_token: str | None,
                    report: RunReport) -> PageReport:
        page = PageReport()
        response_date = xml.findtext(f"{OAI_NS}responseDate")
        with self.records.transaction() as s:
            src = get_source(s, name, for_update=True)
            self._holds(src)
            for element in xml.iterfind(f".//{OAI_NS}record"):
                self._apply_record(s, src, OAIRecord(element), page, report)
            if src.run_response_date is None:
                src.run_response_date = (response_date or "").strip() or None
            src.run_pages += 1
            src.resumption_token = next_token
            for counter in ("created", "updated", "deleted", "unchanged", "refused"):
                setattr(src, f"{counter}_count",
                        getattr(src, f"{counter}_count") + getattr(page, counter))
            if next_token is None:
                self._complete(src)
        return page

    def _finish(self, name: str, response_date: str | None) -> None:
        with self.records.transaction() as s:
            src = get_source(s, name, for_update=True)
            if response_date:
                src.run_response_date = response_date
            self._complete(src)

    @staticmethod
    def _complete(src: HarvestSourceRow) -> None:
        if src.run_response_date:
            src.harvested_until = src.run_response_date
        src.run_from = src.run_response_date = src.resumption_token = None
        src.last_run_finished = utcnow()

    def _note_error(self, name: str, message: str) -> None:
        try:
            with self.records.transaction() as s:
                get_source(s, name, for_update=True).last_error = message[:2000]
        except HarvestError:
            pass

    # -- one record ---------------------------------------------------------------
    def _apply_record(self, s: Session, src: HarvestSourceRow, item: OAIRecord,
                      page: PageReport, report: RunReport) -> None:
        identifier = (item.header.identifier or "").strip()
        datestamp = (item.header.datestamp or "").strip()
        h = HarvestedRecordRow
        known = s.execute(
            select(h).where(h.source == src.name, h.source_identifier == identifier)
        ).scalar_one_or_none()
        store = RecordStore(s)
        if item.deleted:
            self._forget_refusal(s, src.name, identifier)
            row = store.row(known.record_id) if known is not None else None
            if row is not None and not row.deleted:
                self.records.delete(row.id, session=s)
                known.source_datestamp = datestamp  # type: ignore[union-attr]
                page.deleted += 1
            else:
                page.unchanged += 1
            return
        payload = item.xml.find(f"{OAI_NS}metadata")
        if payload is None or len(payload) == 0:
            self._refuse(s, src.name, identifier, datestamp, "a record without metadata", page,
                         report)
            return
        try:
            mapped = map_record(src.metadata_prefix, payload[0],
                                source=f"{src.name}:{identifier}")
        except Refused as exc:
            self._refuse(s, src.name, identifier, datestamp, exc.reason, page, report)
            return
        namespace = etree.QName(payload[0]).namespace or ""
        collections = [src.collection] if src.collection else []
        try:
            with s.begin_nested():
                if known is None:
                    record = self.records.create(
                        mapped.metadata, collections=collections, session=s,
                        check_identifiers=False, harvest_source=src.name,
                    )
                    s.add(HarvestedRecordRow(
                        record_id=record.id, source=src.name, source_identifier=identifier,
                        source_datestamp=datestamp, metadata_namespace=namespace,
                        base_url=src.base_url, landing_url=mapped.landing_url,
                        harvested_at=utcnow(),
                    ))
                    page.created += 1
                else:
                    current = store.get(known.record_id)
                    assert current is not None  # the provenance row cascades with the record
                    same = (not current.deleted
                            and known.source_datestamp == datestamp
                            and self.records.normalize(mapped.metadata) == current.metadata
                            and list(current.collections) == collections)
                    if same:
                        page.unchanged += 1
                    else:
                        if current.deleted:
                            self.records.restore(current.id, session=s)
                        self.records.update(current.id, mapped.metadata,
                                            collections=collections, session=s,
                                            check_identifiers=False)
                        known.source_datestamp = datestamp
                        known.metadata_namespace = namespace
                        known.base_url = src.base_url
                        known.landing_url = mapped.landing_url
                        known.harvested_at = utcnow()
                        page.updated += 1
        except (InvalidRecord, RecordDeleted) as exc:
            reason = "; ".join(f"{p.pointer}: {p.message}" for p in exc.problems) \
                if isinstance(exc, InvalidRecord) else str(exc)
            self._refuse(s, src.name, identifier, datestamp, reason, page, report)
            return
        self._forget_refusal(s, src.name, identifier)

    def _refuse(self, s: Session, name: str, identifier: str, datestamp: str, reason: str,
                page: PageReport, report: RunReport) -> None:
        page.refused += 1
        report.refusals.append((identifier, reason))
        row = s.get(HarvestRefusalRow, (name, identifier))
        if row is None:
            s.add(HarvestRefusalRow(source=name, source_identifier=identifier,
                                    source_datestamp=datestamp, reason=reason,
                                    refused_at=utcnow()))
        else:
            row.source_datestamp, row.reason, row.refused_at = datestamp, reason, utcnow()

    @staticmethod
    def _forget_refusal(s: Session, name: str, identifier: str) -> None:
        r = HarvestRefusalRow
        s.execute(delete(r).where(r.source == name, r.source_identifier == identifier))


