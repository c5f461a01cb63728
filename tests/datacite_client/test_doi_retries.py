"""DOIs that keep failing: visible, spaced out, given up in the end, never blocking others."""

from __future__ import annotations

import random
import time
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from datacite_client.client import DataCiteClient
from datacite_client.errors import NetworkError, RateLimited, ServerError
from datacite_client.retry import RetryPolicy
from datacite_client.worker import OutboxWorker, datacite_unavailable
from oaiserver.cli.doi import doi
from oaiserver.http.app import create_app
from repository_core.datestamps import utcnow
from repository_core.outbox import OutboxRow
from tests.sample_metadata import minimal

from .conftest import ATTRIBUTES, CONTEXT, LIMITS, PREFIX, Parts
from .standin import DataCiteStandIn, Faults
from .test_doi_api_cli import AUTH, services_for

POISONED = f"{PREFIX}/p0"
GOOD = [f"{PREFIX}/g{i}" for i in range(5)]


def queue_six(parts: Parts) -> None:
    """The poisoned DOI first (the head of the queue), then five good ones."""
    for record_id in ["p0", *(f"g{i}" for i in range(5))]:
        parts.records.create(minimal(), record_id=record_id)
        parts.lifecycle.publish(record_id)


def rows_of(parts: Parts, doi: str) -> list[OutboxRow]:
    with Session(parts.engine) as s:
        return list(s.execute(select(OutboxRow).where(OutboxRow.doi == doi)
                              .order_by(OutboxRow.id)).scalars())


def puts_for(standin: DataCiteStandIn, doi: str) -> int:
    return sum(1 for method, d, _ in standin.log if method == "PUT" and d == doi)


def test_a_poisoned_doi_does_not_block_the_batch(parts: Parts, standin: DataCiteStandIn) -> None:
    queue_six(parts)
    standin.set_faults(Faults(by_doi={POISONED: 500}))
    batch = parts.worker.run_once()
    assert (batch.claimed, batch.sent, batch.deferred, batch.failed) == (6, 5, 1, 0)
    assert all(standin.dois[d].state == "findable" for d in GOOD)
    assert POISONED not in standin.dois
    assert parts.worker._failures == 0  # one DOI's 500: no pause

    status = parts.lifecycle.status("p0").as_dict()
    assert status["pending"] == 1 and status["failed"] == []
    (row,) = status["pending_rows"]
    assert row["state"] == "pending" and row["attempts"] == 1
    assert "ServerError" in row["error"] and "HTTP 500" in row["error"]
    assert row["next_attempt"] and row["queued"]

    output = CliRunner().invoke(doi, ["status"], obj=services_for(parts)).output
    assert f"retrying #1 {POISONED}" in output and "1 attempt(s)" in output
    assert "next try" in output and "ServerError" in output
    assert "g0" not in output  # rows that never failed are not listed


def test_poisoned_doi_is_given_up_after_the_cap_and_retry_requeues_it(
        parts: Parts, standin: DataCiteStandIn) -> None:
    queue_six(parts)
    standin.set_faults(Faults(by_doi={POISONED: 500}))
    parts.worker.max_attempts = 5
    result = parts.worker.run()  # one run: the others through, the poisoned one given up
    assert (result.sent, result.failed) == (5, 1)
    assert all(standin.dois[d].state == "findable" for d in GOOD)
    assert all(puts_for(standin, d) == 1 for d in GOOD)
    (row,) = rows_of(parts, POISONED)
    assert (row.state, row.attempts) == ("failed", 5)

    app = create_app(services=services_for(parts))
    shown = app.test_client().get("/api/records/p0/doi", headers=AUTH).get_json()
    assert shown["pending"] == 0 and shown["pending_rows"] == []
    (failed,) = shown["failed"]
    assert failed["attempts"] == 5 and failed["at"]
    assert "ServerError" in failed["error"] and "gave up after 5 attempt(s)" in failed["error"]

    services = services_for(parts)
    runner = CliRunner()
    output = runner.invoke(doi, ["status"], obj=services).output
    assert "failed      1" in output and "done        5" in output
    assert f"failed #1 {POISONED}" in output and "gave up after 5 attempt(s)" in output

    output = runner.invoke(doi, ["retry", POISONED], obj=services).output
    assert "1 row(s) queued again" in output
    (row,) = rows_of(parts, POISONED)
    assert (row.state, row.attempts) == ("pending", 0)  # a fresh budget
    shown = app.test_client().get("/api/records/p0/doi", headers=AUTH).get_json()
    assert shown["pending"] == 1 and shown["failed"] == []
    assert "ServerError" in shown["pending_rows"][0]["error"]  # what went wrong, still shown

    standin.set_faults(Faults())  # the cause is fixed
    result = parts.worker.run()
    assert result.sent == 1 and standin.dois[POISONED].state == "findable"
    assert parts.lifecycle.status("p0").as_dict()["pending_rows"] == []


def test_sync_exits_1_when_a_doi_is_given_up(parts: Parts, standin: DataCiteStandIn) -> None:
    queue_six(parts)
    standin.set_faults(Faults(by_doi={POISONED: 500}))
    result = CliRunner().invoke(doi, ["sync", "--max-attempts", "3", "-q"],
                                obj=services_for(parts))
    assert result.exit_code == 1, result.output
    assert "sent 5 DOI(s), 1 failed" in result.output
    assert rows_of(parts, POISONED)[0].attempts == 3


def test_attempts_at_one_row_are_spaced_out_more_and_more(
        parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="p0")
    parts.lifecycle.publish("p0")
    standin.set_faults(Faults(by_doi={POISONED: 500}))
    parts.worker.row_backoff = RetryPolicy(base=10.0, cap=40.0, rng=random.Random(5))
    delays = []
    for _ in range(4):
        before = utcnow()
        assert parts.worker.run_once().deferred == 1
        (row,) = rows_of(parts, POISONED)
        delays.append((row.not_before - before).total_seconds())
        with Session(parts.engine) as s, s.begin():  # time passes
            s.execute(update(OutboxRow).values(not_before=utcnow()))
    lower = [5, 10, 20, 20]  # [d/2, d], d = 10, 20, 40, 40 (the cap)
    assert all(low <= got <= 2 * low + 1 for low, got in zip(lower, delays, strict=True)), delays


def test_default_budget_spans_days_not_seconds(engine: Engine, client: DataCiteClient) -> None:
    worker = OutboxWorker(engine, client, CONTEXT, attributes_for=ATTRIBUTES, **LIMITS)
    assert worker.max_attempts == 20 and worker.max_age == timedelta(days=3)
    policy = worker.row_backoff
    shortest = sum(min(policy.cap, policy.base * 2 ** n) / 2 for n in range(worker.max_attempts - 1))
    assert timedelta(seconds=shortest) > timedelta(hours=24)


def test_datacite_unavailable_pauses_the_whole_batch(parts: Parts,
                                                     standin: DataCiteStandIn) -> None:
    queue_six(parts)
    standin.set_faults(Faults(by_doi={d: 503 for d in [POISONED, *GOOD]}))
    batch = parts.worker.run_once()
    assert (batch.sent, batch.deferred, batch.failed) == (0, 6, 0)
    assert {d for _, d, _ in standin.log} == {POISONED}  # nothing else tried
    assert parts.worker._failures == 1  # the worker pauses
    assert [r.attempts for r in rows_of(parts, POISONED)] == [1]
    assert [r.attempts for d in GOOD for r in rows_of(parts, d)] == [0] * 5  # not counted


def test_many_dois_failing_in_a_row_is_an_outage(parts: Parts, standin: DataCiteStandIn) -> None:
    queue_six(parts)
    standin.set_faults(Faults(p_500=1.0))  # DataCite answers 500 to everything
    batch = parts.worker.run_once()
    assert (batch.sent, batch.deferred) == (0, 6)
    assert len({d for _, d, _ in standin.log}) == parts.worker.outage_after == 3
    assert parts.worker._failures == 1  # the worker pauses


def test_rate_limiting_is_not_counted_as_an_attempt(parts: Parts,
                                                    standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="p0")
    parts.lifecycle.publish("p0")
    standin.set_faults(Faults(p_429=1.0, retry_after="0"))
    parts.worker.max_attempts = 1
    for _ in range(3):
        assert parts.worker.run_once().deferred == 1
        time.sleep(0.05)  # the (test-short) pause and not_before
    (row,) = rows_of(parts, POISONED)
    assert (row.state, row.attempts) == ("pending", 0)
    assert "RateLimited" in (row.last_error or "")


def test_a_doi_failing_for_too_long_is_given_up(parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="p0")
    parts.lifecycle.publish("p0")
    standin.set_faults(Faults(by_doi={POISONED: 500}))
    with Session(parts.engine) as s, s.begin():  # queued 4 days ago, tried twice since
        s.execute(update(OutboxRow).values(created=utcnow() - timedelta(days=4), attempts=2))
    batch = parts.worker.run_once()
    assert batch.failed == 1
    (row,) = rows_of(parts, POISONED)
    assert row.state == "failed" and "gave up after 3 attempt(s) over 4 days" in (row.last_error or "")


def test_an_old_row_gets_a_few_attempts_before_the_age_limit(
        parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="p0")
    parts.lifecycle.publish("p0")
    standin.set_faults(Faults(by_doi={POISONED: 500}))
    with Session(parts.engine) as s, s.begin():  # e.g. no worker ran for days
        s.execute(update(OutboxRow).values(created=utcnow() - timedelta(days=4)))
    assert parts.worker.run_once().deferred == 1
    assert rows_of(parts, POISONED)[0].state == "pending"


def test_which_errors_mean_datacite_is_down() -> None:
    assert datacite_unavailable(NetworkError("refused"))
    assert datacite_unavailable(RateLimited("slow down", status=429))
    for status in (502, 503, 504):
        assert datacite_unavailable(ServerError("down", status=status))
    assert not datacite_unavailable(ServerError("broken for this DOI", status=500))


def test_retrying_dois_are_listed_with_their_last_error(parts: Parts,
                                                        standin: DataCiteStandIn) -> None:
    queue_six(parts)
    standin.set_faults(Faults(by_doi={POISONED: 500, GOOD[0]: 500}))
    parts.worker.run_once()
    output = CliRunner().invoke(doi, ["status"], obj=services_for(parts)).output
    retrying = [line for line in output.splitlines() if line.startswith("retrying")]
    assert len(retrying) == 2 and all("ServerError" in line for line in retrying)
