"""A harvest that dies mid-way (an exception; a killed process) resumes from
its last committed page, without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from repository_core.harvest.harvester import HarvestBusy, HarvestFailed
from repository_core.harvest.sources import add_source, get_source, source_status
from repository_core.models import RecordRow
from tests.databases import migrated_sqlite

from .harvest_support import harvested, harvester, sink_services, source_repository

ROOT = Path(__file__).resolve().parents[3]
N = 20  # records at the source; pages of 3: 7 pages


def _harvested_rows(services: Any) -> int:
    with services.records.reading() as s:
        return int(s.execute(select(func.count()).select_from(RecordRow)
                             .where(RecordRow.harvest_source == "peer")).scalar_one())


class Stop(Exception):
    pass


def test_a_run_that_raises_resumes_from_its_last_committed_page(engine, tmp_path):
    with source_repository(tmp_path, page_size=3) as src:
        src.create(N)
        sink = sink_services(engine)
        with sink.records.transaction() as s:
            add_source(s, "peer", src.url, "datacite")

        def die_after_two(name: str, page_number: int, page: Any) -> None:
            if page_number == 2:
                raise Stop("killed after two pages")

        with pytest.raises(Stop):
            harvester(sink).run("peer", progress=die_after_two)
        with sink.records.reading() as s:
            status = source_status(s, "peer")
        assert status.in_progress and status.pages_of_run == 2 and status.records == 6
        assert "Stop: killed after two pages" in (status.last_error or "")

        resumed = harvester(sink).run("peer")
        assert resumed.resumed and resumed.pages == 5  # pages 3..7 only
        assert (resumed.created, resumed.updated, resumed.unchanged) == (N - 6, 0, 0)
        assert len(harvested(sink, "peer")) == _harvested_rows(sink) == N
        assert {t for t, _, _ in harvested(sink, "peer").values()} \
            == set(src.live_titles().values())
        with sink.records.reading() as s:
            status = source_status(s, "peer")
        assert not status.in_progress and status.last_error is None


def slow_pages(app: Any) -> Any:
    """Pages after the first take a while, so the harvesting process can be killed mid-way."""
    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        if "resumptionToken" in environ.get("QUERY_STRING", ""):
            time.sleep(0.3)
        return app(environ, start_response)
    return wrapped


def test_a_killed_process_resumes_without_duplicates(tmp_path):
    db = tmp_path / "sink.db"
    engine = migrated_sqlite(db)
    try:
        with source_repository(tmp_path, page_size=3, wrap=slow_pages) as src:
            src.create(N)
            sink = sink_services(engine)
            with sink.records.transaction() as s:
                add_source(s, "peer", src.url, "datacite")
            env = {**os.environ, "PYTHONPATH": str(ROOT),
                   "OAISERVER_DATABASE_URL": f"sqlite:///{db}",
                   "OAISERVER_REPOSITORY_ID": "sink.example.org",
                   "OAISERVER_HARVEST_LEASE_SECONDS": "2"}
            env.pop("OAISERVER_CONFIG", None)
            with subprocess.Popen([sys.executable, "-m", "oaiserver", "harvest", "run", "peer"],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) as proc:
                assert proc.stderr is not None
                seen = []
                for line in proc.stderr:
                    seen.append(line)
                    if line.startswith("peer: page 2:"):
                        proc.send_signal(signal.SIGKILL)
                        break
                if proc.poll() is None:  # it never said "page 2": stop it anyway
                    proc.kill()
                proc.wait(10)
            assert seen and seen[-1].startswith("peer: page 2:"), seen
            assert proc.returncode == -signal.SIGKILL
            committed = _harvested_rows(sink)
            assert 6 <= committed < N  # killed mid-way, at a page boundary or after it

            # the dead run's lease keeps others off the source until it lapses
            with pytest.raises(HarvestBusy):
                harvester(sink).run("peer")
            time.sleep(2.1)
            resumed = harvester(sink).run("peer")
            assert resumed.resumed and resumed.created == N - committed
            assert resumed.updated == 0
            assert len(harvested(sink, "peer")) == _harvested_rows(sink) == N
    finally:
        engine.dispose()


def test_a_refused_resumption_token_starts_the_interrupted_run_over(sqlite_engine, tmp_path):
    with source_repository(tmp_path, page_size=3) as src:
        src.create(8)
        sink = sink_services(sqlite_engine)
        with sink.records.transaction() as s:
            add_source(s, "peer", src.url, "datacite")

        def die_after_one(name: str, page_number: int, page: Any) -> None:
            raise Stop("killed after one page")

        with pytest.raises(Stop):
            harvester(sink).run("peer", progress=die_after_one)
        with sink.records.transaction() as s:  # the token expired meanwhile, say
            get_source(s, "peer").resumption_token = "no-longer-valid"
        again = harvester(sink).run("peer")
        assert again.complete and (again.created, again.unchanged) == (5, 3)
        assert len(harvested(sink, "peer")) == _harvested_rows(sink) == 8


def test_an_error_on_a_later_page_is_reported_and_resumed(sqlite_engine, tmp_path):
    failing = {"on": False}

    def broken_later_pages(app: Any) -> Any:
        def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
            if failing["on"] and "resumptionToken" in environ.get("QUERY_STRING", ""):
                start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                return [b"broken"]
            return app(environ, start_response)
        return wrapped

    with source_repository(tmp_path, page_size=3, wrap=broken_later_pages) as src:
        src.create(8)
        sink = sink_services(sqlite_engine)
        with sink.records.transaction() as s:
            add_source(s, "peer", src.url, "datacite")
        failing["on"] = True
        with pytest.raises(HarvestFailed, match="500"):
            harvester(sink).run("peer")
        assert _harvested_rows(sink) == 3
        failing["on"] = False
        resumed = harvester(sink).run("peer")
        assert resumed.resumed and resumed.created == 5


def test_two_harvesters_never_work_on_one_source_at_once(engine, tmp_path):
    """A second process (here a second Harvester, its own lease owner) finds the
    source claimed while a run is under way, on SQLite and PostgreSQL alike;
    once the run ends, the source is free and nothing is left to do."""
    with source_repository(tmp_path, page_size=3) as src:
        src.create(N)
        sink = sink_services(engine)
        with sink.records.transaction() as s:
            add_source(s, "peer", src.url, "datacite")
        first, second = harvester(sink), harvester(sink)
        refused = []

        def meanwhile(name: str, page_number: int, page: Any) -> None:
            if page_number == 3:
                with pytest.raises(HarvestBusy) as busy:
                    second.run("peer")
                refused.append(busy.value)
                assert second.run_all() == []  # the scheduler leaves it to the first

        done = first.run("peer", progress=meanwhile)
        assert refused and refused[0].until is not None
        assert done.complete and done.pages == 7 and done.created == N
        assert len(harvested(sink, "peer")) == _harvested_rows(sink) == N
        again = second.run("peer")  # released: free again, and up to date
        assert again.complete and again.created == again.updated == 0
