"""Harvesting a third-party OAI-PMH server (the ``oaipmh`` package's) in oai_dc:
mapping to DataCite's mandatory properties, refusals with their reasons,
incremental runs, and retries of 503 and network errors."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from oaiserver.cli import cli
from oaiserver.cli.serve import _start_harvest_worker
from repository_core.harvest.harvester import (
    HarvestClient,
    Harvester,
    HarvestFailed,
    HarvestSettings,
)
from repository_core.harvest.sources import add_source, provenance_of, source_status
from repository_core.harvest.tables import HarvestedRecordRow

from .harvest_support import (
    DCItem,
    DCRepository,
    dc_fields,
    harvested,
    harvester,
    oaipmh_wsgi,
    serve_wsgi,
    sink_services,
    stamp,
)


def items() -> list[DCItem]:
    full = {"creator": "Doe, Jane", "publisher": "Third Party Archive", "date": "2019-05-01"}
    return [
        DCItem("oai:third:1", stamp(1), dc_fields(
            title="Ice cores", type="Dataset", identifier=["doi:10.4242/ice.1",
                                                           "https://third.example.org/item/1"],
            subject=["glaciology"], description="Cores from the Alps.", language="en", **full)),
        DCItem("oai:third:2", stamp(2), dc_fields(title="A field report", type="Text", **full)),
        DCItem("oai:third:3", stamp(3), dc_fields(title="Analysis code", type="Software",
                                                  identifier="https://third.example.org/item/3",
                                                  **full)),
        DCItem("oai:third:4", stamp(4), dc_fields(title="Untyped", **full)),
        DCItem("oai:third:5", stamp(5), dc_fields(title="A poster", type="Poster art", **full)),
        DCItem("oai:third:6", stamp(6), {}, deleted=True),
        DCItem("oai:third:7", stamp(7), dc_fields(title="Undated", type="Image",
                                                  creator="Roe, R.", publisher="T")),
    ]


def now_stamp(later: int = 1) -> datetime:
    """A datestamp after the last responseDate (naive UTC, whole seconds, as oaipmh has them)."""
    return (datetime.now(UTC) + timedelta(seconds=later)).replace(tzinfo=None, microsecond=0)


def test_oai_dc_from_a_third_party_server(engine):
    repo = DCRepository(items())
    with serve_wsgi(oaipmh_wsgi(repo, batch_size=3)) as url:
        sink = sink_services(engine)
        runner = CliRunner()
        assert runner.invoke(cli, ["harvest", "add", "third", url, "--prefix", "oai_dc",
                                   "--collection", "third"], obj=sink).exit_code == 0
        first = runner.invoke(cli, ["harvest", "run", "third"], obj=sink)
        assert first.exit_code == 0, first.output
        assert "third: 3 page(s): 3 created, 0 updated, 0 deleted, 1 unchanged, 3 refused" \
            in first.stdout
        state = harvested(sink, "third")
        assert set(state) == {"oai:third:1", "oai:third:2", "oai:third:3"}

        status = runner.invoke(cli, ["harvest", "status", "third"], obj=sink)
        assert "records: 3 live, 0 tombstone(s)" in status.stdout
        assert "refused oai:third:4: oai_dc lacks DataCite's mandatory properties: no dc:type" \
            in status.stdout
        assert "refused oai:third:5: oai_dc lacks DataCite's mandatory properties: dc:type " \
               "'Poster art' names no DataCite resourceTypeGeneral" in status.stdout
        assert "refused oai:third:7: oai_dc lacks DataCite's mandatory properties: no dc:date " \
               "with a year" in status.stdout

        ice = _record(sink, "oai:third:1")
        assert ice.doi == "10.4242/ice.1" and ice.collections == ("third",)
        md = ice.metadata
        assert md["creators"] == [{"name": "Doe, Jane", "nameType": "Personal",
                                   "familyName": "Doe", "givenName": "Jane"}]
        assert md["publisher"] == {"name": "Third Party Archive"}
        assert md["publicationYear"] == "2019"
        assert md["types"] == {"resourceTypeGeneral": "Dataset", "resourceType": "Dataset"}
        assert md["alternateIdentifiers"] == [{"alternateIdentifier":
                                               "https://third.example.org/item/1",
                                               "alternateIdentifierType": "URL"}]
        with sink.records.reading() as s:
            origin = provenance_of(s, [ice.id])[ice.id]
        assert origin.landing_url == "https://third.example.org/item/1"
        assert origin.datestamp == "2024-03-01T12:00:00Z" and origin.base_url == url

        # the source changes: an update, a deletion, a new record, a refused one fixed
        repo.items[1].fields["title"] = ["A field report, revised"]
        repo.items[1].datestamp = now_stamp()
        repo.items[0].deleted, repo.items[0].datestamp = True, now_stamp()
        repo.items[3].fields["type"] = ["Collection"]
        repo.items[3].datestamp = now_stamp()
        repo.items.append(DCItem("oai:third:8", now_stamp(), dc_fields(
            title="Late addition", type="StillImage", creator="Poe, E.", publisher="T",
            date="2021")))
        time.sleep(1.1)  # the items' datestamps are past the first run's responseDate
        second = runner.invoke(cli, ["harvest", "run", "third", "-q"], obj=sink)
        assert second.exit_code == 0, second.output
        assert "2 created, 1 updated, 1 deleted, 0 unchanged, 0 refused" in second.stdout
        state = harvested(sink, "third")
        assert state["oai:third:1"][1] is True  # tombstone
        assert state["oai:third:2"][:3] == ("A field report, revised", False, 2)
        assert {"oai:third:4", "oai:third:8"} <= set(state)
        with sink.records.reading() as s:
            st = source_status(s, "third")
        assert sorted(i for i, _ in st.refusals) == ["oai:third:5", "oai:third:7"]
        assert st.refused == 3 and st.records == 4 and st.tombstones == 1


def _record(services, identifier):
    with services.records.reading() as s:
        rid = s.execute(select(HarvestedRecordRow.record_id).where(
            HarvestedRecordRow.source_identifier == identifier)).scalar_one()
    return services.records.get(rid)


class Flaky:
    """Answers the first ``failures`` requests with 503 and a long Retry-After."""

    def __init__(self, app: Any, failures: int):
        self.app, self.failures, self.requests = app, failures, 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.requests += 1
        if self.requests <= self.failures:
            start_response("503 Service Unavailable", [("Retry-After", "3600"),
                                                       ("Content-Type", "text/plain")])
            return [b"busy"]
        return self.app(environ, start_response)


def test_503_retry_after_is_honoured_within_a_cap(sqlite_engine):
    flaky = Flaky(oaipmh_wsgi(DCRepository(items()[:2])), failures=2)
    with serve_wsgi(flaky) as url:
        sink = sink_services(sqlite_engine)
        with sink.records.transaction() as s:
            add_source(s, "busy", url, "oai_dc")
        started = time.monotonic()
        report = harvester(sink, max_retry_after=0.2).run("busy")
        assert time.monotonic() - started < 5  # 3600 s asked, 0.2 s waited, twice
        assert report.created == 2 and flaky.requests == 3

        flaky.failures, flaky.requests = 100, 0
        with sink.records.transaction() as s:
            add_source(s, "down", url, "oai_dc")
        with pytest.raises(HarvestFailed):
            harvester(sink, max_retry_after=0.0, max_attempts=3).run("down")
        assert flaky.requests == 3  # bounded


def test_network_errors_are_retried_with_backoff_then_reported(sqlite_engine):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = sink_services(sqlite_engine)
    with sink.records.transaction() as s:
        add_source(s, "gone", f"http://127.0.0.1:{port}/oai", "oai_dc")
    waits: list[float] = []
    settings = HarvestSettings(max_attempts=4, backoff=0.5, max_retry_after=1.0, timeout=5)
    run = Harvester(sink.records, settings,
                    client=lambda url: HarvestClient(url, settings, sleep=waits.append))
    with pytest.raises(HarvestFailed, match="after 4 attempts"):
        run.run("gone")
    assert waits == [0.5, 1.0, 1.0]  # doubling, capped
    with sink.records.reading() as s:
        assert "ConnectionError" in (source_status(s, "gone").last_error or "")
    failed = CliRunner().invoke(cli, ["harvest", "run", "gone"], obj=sink)
    assert failed.exit_code == 1 and "harvest failed for gone" in failed.output


def test_serve_harvests_every_source_on_a_schedule(sqlite_engine):
    with serve_wsgi(oaipmh_wsgi(DCRepository(items()[:3]))) as url:
        sink = sink_services(sqlite_engine, harvest_interval_minutes=1)
        assert _start_harvest_worker(sink_services(sqlite_engine)) is None  # 0: off
        with sink.records.transaction() as s:
            add_source(s, "third", url, "oai_dc")
        thread = _start_harvest_worker(sink)
        try:
            deadline = time.monotonic() + 20
            while thread.rounds < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert thread.running and thread.rounds == 1 and thread.interval == 60
        finally:
            thread.stop()
        assert set(harvested(sink, "third")) == {"oai:third:1", "oai:third:2", "oai:third:3"}


def test_from_is_sent_in_the_sources_granularity(sqlite_engine):
    repo = DCRepository(items()[:2], granularity="YYYY-MM-DD")
    queries: list[str] = []

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        queries.append(environ.get("QUERY_STRING", ""))
        return app(environ, start_response)

    app = oaipmh_wsgi(repo)
    with serve_wsgi(recording) as url:
        sink = sink_services(sqlite_engine)
        with sink.records.transaction() as s:
            add_source(s, "daily", url, "oai_dc")
        assert harvester(sink).run("daily").created == 2
        assert "from=" not in queries[-1]
        repo.items.append(DCItem("oai:third:9", now_stamp(), dc_fields(
            title="Today", type="Text", creator="Poe, E.", publisher="T", date="2024")))
        second = harvester(sink).run("daily")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert "verb=Identify" in queries[-2] and f"from={today}&" in queries[-1] + "&"
    assert (second.created, second.updated) == (1, 0)
