"""The processing thread of ``serve``: runs, survives a failed run, stops."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from repository_core.stats import UsageRecorder, item_totals
from repository_core.stats import worker as worker_module
from repository_core.stats.worker import ProcessingThread

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_thread_processes_events_recorded_while_it_runs(engine):
    recorder = UsageRecorder(engine)
    thread = ProcessingThread(engine, interval=0.05)
    thread.start()
    try:
        assert thread.running
        recorder.record("a", "investigation", "Regular", "192.0.2.1", BROWSER)
        recorder.record("a", "investigation", "Regular", "192.0.2.2", BROWSER)

        def counted() -> bool:
            with Session(engine) as session:
                return item_totals(session, "a").unique_investigations == 2

        wait_for(counted)
    finally:
        thread.stop()
    assert not thread.running and thread.last_error is None and thread.runs >= 1


def test_a_failed_run_is_logged_and_retried(sqlite_engine, monkeypatch, caplog):
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return worker_module.ProcessingResult()

    monkeypatch.setattr(worker_module, "process_usage", flaky)
    thread = ProcessingThread(sqlite_engine, interval=0.01)
    thread.start()
    try:
        wait_for(lambda: thread.runs >= 1)
    finally:
        thread.stop()
    assert isinstance(thread.last_error, RuntimeError)
    assert "usage statistics processing failed" in caplog.text
