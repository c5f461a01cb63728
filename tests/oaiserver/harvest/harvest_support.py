"""Servers to harvest from in the tests, and a harvesting repository.

* :func:`source_repository`: a second instance of this server (its own
  SQLite database, sets, records) over HTTP on 127.0.0.1; every response it
  sends is checked against the OAI-PMH XSDs.
* :func:`third_party_server`: the ``oaipmh`` package's OAI-PMH server (the
  maintained fork of pyoai) over a handful of oai_dc records, as a plain
  WSGI application over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import Server, oai_dc_writer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from oaiserver.config import Config
from oaiserver.services import Services, build_harvester, build_services
from repository_core.harvest.harvester import Harvester, HarvestSettings
from repository_core.harvest.tables import HarvestedRecordRow
from repository_core.models import RecordRow
from tests.databases import migrated_sqlite
from tests.oaiserver.oai.oai_support import define_sets, make_app, serve, with_base_url
from tests.sample_metadata import minimal

SOURCE_ID = "source.example.org"
SINK_ID = "sink.example.org"


def sink_services(engine: Engine, **config: Any) -> Services:
    """The harvesting repository: the real wiring, real validation."""
    settings: dict[str, Any] = {
        "secret_key": "sink-secret", "repository_id": SINK_ID,
        "base_url": "http://127.0.0.1:5999", "ratelimit_enabled": False,
        "harvest_backoff_seconds": 0, "harvest_max_retry_after_seconds": 1,
        "harvest_timeout_seconds": 10,
    }
    settings.update(config)
    return build_services(Config(**settings), engine=engine)


def harvester(services: Services, **changes: Any) -> Harvester:
    built = build_harvester(services.config, services.records)
    if changes:
        built.settings = HarvestSettings(**{**built.settings.__dict__, **changes})
    return built


@dataclass
class Source:
    """A second instance of this server, serving its records over OAI-PMH."""

    services: Services
    url: str

    def create(self, n: int, *, start: int = 0) -> list[str]:
        collections = (("physics",), ("physics", "quantum"), ("bio",), ())
        ids = []
        for i in range(start, start + n):
            rid = f"s{i:03d}"
            # a DOI: oai_datacite lists only records that have one
            metadata = minimal(titles=[{"title": f"Source record {i}"}], doi=f"10.5072/src.{i}",
                               alternateIdentifiers=[{
                                   "alternateIdentifier": f"https://source.example.org/r/{rid}",
                                   "alternateIdentifierType": "URL"}])
            self.services.records.create(metadata, record_id=rid,
                                         collections=list(collections[i % 4]))
            ids.append(rid)
        return ids

    def retitle(self, rid: str, title: str) -> None:
        record = self.services.records.get(rid)
        self.services.records.update(rid, {**record.metadata, "titles": [{"title": title}]})

    def delete(self, rid: str) -> None:
        self.services.records.delete(rid)

    def live_titles(self) -> dict[str, str]:
        """OAI identifier -> title of every live record."""
        records, _ = self.services.records.list(limit=1000)
        return {f"oai:{SOURCE_ID}:{r.id}": r.metadata["titles"][0]["title"] for r in records}


@contextmanager
def source_repository(directory: Path, *, page_size: int = 4,
                      wrap: Callable[[Any], Any] | None = None) -> Iterator[Source]:
    """``wrap``: WSGI middleware around the source's application (slow pages, faults)."""
    engine = migrated_sqlite(directory / "source.db")
    services = build_services(Config(
        secret_key="source-secret", repository_id=SOURCE_ID, oai_page_size=page_size,
        base_url="http://127.0.0.1:5998", ratelimit_enabled=False,
    ), engine=engine)
    define_sets(services)
    try:
        app = make_app(services, validate=True)
        if wrap is not None:
            app.wsgi_app = wrap(app.wsgi_app)  # type: ignore[method-assign]
        with serve(app) as url:
            with_base_url(services, url)
            yield Source(services, url)
    finally:
        engine.dispose()


def harvested(services: Services, source: str) -> dict[str, tuple[str, bool, int]]:
    """Source OAI identifier -> (title, deleted, revision) of the records harvested from it."""
    with Session(services.engine) as s:
        rows = s.execute(
            select(HarvestedRecordRow.source_identifier, RecordRow)
            .join(RecordRow, RecordRow.id == HarvestedRecordRow.record_id)
            .where(HarvestedRecordRow.source == source)
        ).all()
    return {ident: (row.metadata_json["titles"][0]["title"], row.deleted, row.revision)
            for ident, row in rows}


# -- a third-party OAI-PMH server ---------------------------------------------------
@dataclass
class DCItem:
    identifier: str
    datestamp: datetime
    fields: dict[str, list[str]]
    deleted: bool = False
    sets: list[str] = field(default_factory=list)


class DCRepository:
    """The ``IOAI`` interface of the ``oaipmh`` server over a list of oai_dc items."""

    def __init__(self, items: list[DCItem], base_url: str = "http://127.0.0.1/oai",
                 granularity: str = "YYYY-MM-DDThh:mm:ssZ"):
        self.items = items
        self.base_url = base_url
        self.granularity = granularity

    def identify(self) -> common.Identify:
        return common.Identify(
            repositoryName="A third-party repository", baseURL=self.base_url,
            protocolVersion="2.0", adminEmails=["admin@third.example.org"],
            earliestDatestamp=datetime(2000, 1, 1), deletedRecord="persistent",
            granularity=self.granularity, compression=["identity"],
        )

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        return [("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                 "http://www.openarchives.org/OAI/2.0/oai_dc/")]

    def listSets(self) -> list[Any]:
        raise error.NoSetHierarchyError("this repository has no sets")

    def _select(self, metadataPrefix: str, set: str | None = None,
                from_: datetime | None = None, until: datetime | None = None) -> list[DCItem]:
        if metadataPrefix != "oai_dc":
            raise error.CannotDisseminateFormatError(metadataPrefix)
        return [i for i in sorted(self.items, key=lambda i: (i.datestamp, i.identifier))
                if (from_ is None or i.datestamp >= from_)
                and (until is None or i.datestamp <= until)]

    def _record(self, item: DCItem) -> tuple[Any, Any, None]:
        header = common.Header(None, item.identifier, item.datestamp, item.sets, item.deleted)
        return header, common.Metadata(None, item.fields), None

    def listRecords(self, **kw: Any) -> list[tuple[Any, Any, None]]:
        return [self._record(i) for i in self._select(**kw)]

    def listIdentifiers(self, **kw: Any) -> list[Any]:
        return [self._record(i)[0] for i in self._select(**kw)]

    def getRecord(self, metadataPrefix: str, identifier: str) -> tuple[Any, Any, None]:
        for item in self.items:
            if item.identifier == identifier:
                return self._record(item)
        raise error.IdDoesNotExistError(identifier)


def oaipmh_wsgi(repository: DCRepository, *, batch_size: int = 3) -> Callable[..., Any]:
    """The ``oaipmh`` package's server as a WSGI application (GET and POST)."""
    registry = MetadataRegistry()
    registry.registerWriter("oai_dc", oai_dc_writer)
    server = Server(repository, registry, resumption_batch_size=batch_size)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        from urllib.parse import parse_qs

        query = environ.get("QUERY_STRING", "")
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode()
        args = {k: v[0] for k, v in parse_qs(query).items()}
        body = server.handleRequest(args)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]

    return app


def dc_fields(**values: Any) -> dict[str, list[str]]:
    return {k: [v] if isinstance(v, str) else list(v) for k, v in values.items()}


def stamp(day: int, hour: int = 12) -> datetime:
    """oaipmh compares naive UTC datetimes."""
    return datetime(2024, 3, day, hour, 0, 0, tzinfo=UTC).replace(tzinfo=None)


def oai_records(body: bytes) -> list[etree._Element]:
    return etree.fromstring(body).findall(".//{http://www.openarchives.org/OAI/2.0/}record")


@contextmanager
def serve_wsgi(app: Callable[..., Any]) -> Iterator[str]:
    """Any WSGI application over HTTP on 127.0.0.1; yields its base URL."""
    with serve(app) as url:  # type: ignore[arg-type]
        yield url
