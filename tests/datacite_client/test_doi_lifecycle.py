"""DOIs for records: policy, life cycle, outbox and worker, against the stand-in."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from datacite_client import doi_policy
from datacite_client.doi_policy import DOIPolicy, check_suffix, random_suffix
from datacite_client.errors import (
    BadCredentials,
    ForeignDOI,
    IllegalTransition,
    InvalidDOI,
    MintingDisabled,
    NotRegistrable,
)
from datacite_client.worker import OutboxWorker
from repository_core.errors import InvalidRecord
from repository_core.outbox import OutboxRow, counts
from tests.sample_metadata import minimal

from .conftest import ATTRIBUTES, CONTEXT, LIMITS, PREFIX, Parts, build_parts, make_client
from .standin import DataCiteStandIn, Faults


def rows(parts: Parts) -> list[OutboxRow]:
    with Session(parts.engine) as s:
        return list(s.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars())


# -- policy ------------------------------------------------------------------------------


def test_pattern_dois() -> None:
    assert DOIPolicy("10.1234", "{id}").mint("ab-12") == "10.1234/ab-12"
    assert DOIPolicy("10.1234", "rec.{id}").mint("AB") == "10.1234/rec.ab"
    assert DOIPolicy("10.1234", "{prefix}/x{id}").mint("7") == "10.1234/x7"
    with pytest.raises(ValueError):
        DOIPolicy("10.1234", "static")
    with pytest.raises(ValueError):
        DOIPolicy("11.1234")


def test_random_suffix_has_a_checksum() -> None:
    rng = random.Random(4)
    for _ in range(500):
        suffix = random_suffix(rng.getrandbits)
        assert len(suffix) == 9 and suffix[4] == "-" and suffix.replace("-", "").isalnum()
        assert check_suffix(suffix) is None
        assert check_suffix(suffix.upper()) is None  # DOIs are case-insensitive
    good = random_suffix(rng.getrandbits)
    typo = good[:2] + ("0" if good[2] != "0" else "1") + good[3:]
    assert check_suffix(typo) is not None
    policy = DOIPolicy("10.1234", "random")
    assert policy.mint("x").startswith("10.1234/")
    with pytest.raises(InvalidDOI):
        policy.check(f"10.1234/{typo}")
    policy.check("10.5555/not-ours")  # not ours: not checked


def test_properties_removed_from_a_record_are_removed_at_datacite(
        parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(subjects=[{"subject": "stale subject"}], language="en",
                                 descriptions=[{"description": "old abstract",
                                                "descriptionType": "Abstract"}]),
                         record_id="rec-2")
    parts.lifecycle.publish("rec-2")
    parts.worker.run()
    doi = f"{PREFIX}/rec-2"
    assert standin.dois[doi].attributes["subjects"] == [{"subject": "stale subject"}]

    parts.records.update("rec-2", minimal(titles=[{"title": "New"}], doi=doi))
    parts.worker.run()
    held = standin.dois[doi].attributes
    assert held["titles"] == [{"title": "New"}]
    assert held["subjects"] == [] and held["descriptions"] == [] and held["language"] is None


def test_crockford_encoding_is_big_endian() -> None:
    assert doi_policy._encode(32, 2) == "10"


# -- life cycle ------------------------------------------------------------------------


def test_publish_update_delete_restore(parts: Parts, standin: DataCiteStandIn) -> None:
    record = parts.records.create(minimal(), record_id="rec-1")
    assert rows(parts) == []  # no DOI, nothing queued
    status = parts.lifecycle.publish("rec-1")
    doi = f"{PREFIX}/rec-1"
    assert (status.doi, status.requested_state, status.state, status.pending) == (
        doi, "findable", None, 1)
    stored = parts.records.get("rec-1")
    assert stored.doi == doi and stored.metadata["doi"] == doi  # decided and stored first
    assert standin.dois == {}  # nothing sent yet

    parts.worker.run()
    assert standin.dois[doi].state == "findable"
    assert standin.dois[doi].attributes["url"] == CONTEXT.landing_url("rec-1")
    assert parts.lifecycle.status("rec-1").state == "findable"

    changed = minimal(titles=[{"title": "Second edition"}], doi=doi)
    parts.records.update("rec-1", changed)
    parts.worker.run()
    assert standin.dois[doi].attributes["titles"] == [{"title": "Second edition"}]

    parts.records.delete("rec-1")
    parts.worker.run()
    assert standin.dois[doi].state == "registered"  # hidden, never deleted
    assert parts.lifecycle.status("rec-1").state == "registered"

    parts.records.restore("rec-1")
    parts.worker.run()
    assert standin.dois[doi].state == "findable"
    assert record.id == "rec-1" and counts_done(parts) == len(rows(parts))


def counts_done(parts: Parts) -> int:
    with Session(parts.engine) as s:
        c = counts(s)
    return c["done"] + c["superseded"]


def test_reserve_then_register(parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="d1")
    parts.lifecycle.reserve("d1")
    parts.worker.run()
    doi = f"{PREFIX}/d1"
    assert standin.dois[doi].state == "draft"
    parts.lifecycle.register("d1")
    parts.worker.run()
    assert standin.dois[doi].state == "registered"
    with pytest.raises(IllegalTransition):
        parts.lifecycle.reserve("d1")  # no way back to draft
    parts.lifecycle.publish("d1")
    parts.worker.run()
    assert standin.dois[doi].state == "findable"
    parts.lifecycle.register("d1")  # findable -> registered is a hide
    parts.worker.run()
    assert standin.dois[doi].state == "registered"


def test_deleting_a_draft_record_deletes_the_draft_doi(parts: Parts,
                                                       standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="d2")
    parts.lifecycle.reserve("d2")
    parts.worker.run()
    assert f"{PREFIX}/d2" in standin.dois
    parts.records.delete("d2")
    parts.worker.run()
    assert f"{PREFIX}/d2" not in standin.dois
    parts.records.restore("d2")  # the same DOI comes back, as a draft
    parts.worker.run()
    assert standin.dois[f"{PREFIX}/d2"].state == "draft"


def test_a_record_that_cannot_be_registered(parts: Parts) -> None:
    incomplete = minimal()
    del incomplete["creators"], incomplete["publicationYear"]
    parts.records.validate = lambda m, **kw: []  # the store takes it; DataCite would not
    parts.records.create(incomplete, record_id="bad")
    with pytest.raises(NotRegistrable) as info:
        parts.lifecycle.publish("bad")
    assert [p.pointer for p in info.value.problems] == ["/creators", "/publicationYear"]
    assert rows(parts) == [] and parts.records.get("bad").doi is None  # nothing stored
    parts.lifecycle.reserve("bad")  # a draft needs nothing
    assert len(rows(parts)) == 1


def test_foreign_doi_is_kept_and_never_sent(parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(doi="10.5555/imported"), record_id="imp")
    parts.records.update("imp", minimal(doi="10.5555/imported", titles=[{"title": "x"}]))
    assert rows(parts) == []
    with pytest.raises(ForeignDOI):
        parts.lifecycle.publish("imp")
    assert parts.lifecycle.status("imp").managed is False
    parts.worker.run()
    assert standin.dois == {}


def test_minting_disabled(engine, client) -> None:  # type: ignore[no-untyped-def]
    parts = build_parts(engine, client, prefix=None)
    parts.records.create(minimal(), record_id="r")
    with pytest.raises(MintingDisabled):
        parts.lifecycle.publish("r")


def test_a_managed_doi_cannot_be_changed(parts: Parts) -> None:
    parts.records.create(minimal(), record_id="r")
    parts.lifecycle.publish("r")
    with pytest.raises(InvalidRecord, match="cannot be removed or changed"):
        parts.records.update("r", minimal())  # metadata without the DOI
    with pytest.raises(InvalidRecord):
        parts.records.update("r", minimal(doi=f"{PREFIX}/other"))
    assert parts.records.get("r").doi == f"{PREFIX}/r"


def test_asking_twice_mints_once(engine, client, standin) -> None:  # type: ignore[no-untyped-def]
    parts = build_parts(engine, client, pattern="random")
    parts.records.create(minimal(), record_id="r")
    first = parts.lifecycle.publish("r")
    second = parts.lifecycle.publish("r")
    assert first.doi == second.doi and check_suffix(first.doi.split("/")[1]) is None
    parts.worker.run()
    assert list(standin.dois) == [first.doi]


def test_auto_mint(engine, client, standin) -> None:  # type: ignore[no-untyped-def]
    parts = build_parts(engine, client, auto=True)
    parts.records.create(minimal(), record_id="auto-1")
    assert parts.records.get("auto-1").doi == f"{PREFIX}/auto-1"
    incomplete = minimal()
    del incomplete["titles"]
    parts.records.validate = lambda m, **kw: []
    with pytest.raises(NotRegistrable):
        parts.records.create(incomplete, record_id="auto-2")
    assert [r.id for r in parts.records.list()[0]] == ["auto-1"]  # rolled back
    parts.worker.run()
    assert list(standin.dois) == [f"{PREFIX}/auto-1"]


# -- the worker --------------------------------------------------------------------------


def test_superseded_updates_collapse(parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="c")
    parts.lifecycle.publish("c")
    doi = f"{PREFIX}/c"
    for i in range(5):
        parts.records.update("c", minimal(doi=doi, titles=[{"title": f"v{i}"}]))
    parts.worker.run()
    puts = [entry for entry in standin.log if entry[0] == "PUT"]
    assert len(puts) == 1  # six rows, one request: the latest metadata
    assert standin.dois[doi].attributes["titles"] == [{"title": "v4"}]


def test_permanent_error_fails_the_row_with_reason(parts: Parts, standin: DataCiteStandIn,
                                                   engine) -> None:  # type: ignore[no-untyped-def]
    other = build_parts(engine, parts.client)
    other.lifecycle.policy = DOIPolicy("10.9999")  # a prefix DataCite won't let us use
    parts.records.create(minimal(), record_id="p")
    other.lifecycle.publish("p")
    parts.records.create(minimal(), record_id="ok")
    parts.lifecycle.publish("ok")
    result = parts.worker.run()
    assert (result.sent, result.failed) == (1, 1)
    status = parts.lifecycle.status("p")
    assert status.pending == 0 and "ForbiddenPrefix" in status.failed[0]["error"]
    assert f"{PREFIX}/ok" in standin.dois


def test_datacite_down_delays_but_loses_nothing(parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="w")
    parts.lifecycle.publish("w")
    standin.set_faults(Faults(p_500=1.0))
    batch = parts.worker.run_once()
    assert batch.deferred == 1 and standin.dois == {}
    (row,) = rows(parts)
    assert row.state == "pending" and "ServerError" in (row.last_error or "")
    standin.set_faults(Faults())
    parts.worker.run()
    assert standin.dois[f"{PREFIX}/w"].state == "findable"


def test_bad_credentials_stop_the_worker(parts: Parts, standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="b")
    parts.lifecycle.publish("b")
    client = make_client(standin)
    client.auth = ("TEST.REPO", "wrong")
    worker = OutboxWorker(parts.engine, client, CONTEXT, attributes_for=ATTRIBUTES, **LIMITS)
    with pytest.raises(BadCredentials):
        worker.run()
    (row,) = rows(parts)
    assert row.state == "pending" and row.attempts == 0


def test_fault_storm_200_records(engine, standin) -> None:  # type: ignore[no-untyped-def]
    """~30% of calls fail (500, 429, dropped before/after); the end state is exact."""
    parts = build_parts(engine, make_client(standin))
    for i in range(200):
        parts.records.create(minimal(titles=[{"title": f"t{i}"}]), record_id=f"s{i:03d}")
        parts.lifecycle.publish(f"s{i:03d}")
    for i in range(0, 200, 3):  # some records change again before anything is sent
        doi = f"{PREFIX}/s{i:03d}"
        parts.records.update(f"s{i:03d}", minimal(doi=doi, titles=[{"title": f"t{i}-new"}]))
    standin.set_faults(Faults(p_500=0.12, p_429=0.08, p_drop=0.10, retry_after="1", seed=42))
    parts.worker.run()
    assert_synced(parts, standin, 200)
    assert standin.requests["500"] and standin.requests["429"] and standin.requests["dropped"]


def assert_synced(parts: Parts, standin: DataCiteStandIn, n: int) -> None:
    records, total = parts.records.list(limit=1000)
    assert total == n
    dois = [r.doi for r in records]
    assert len(set(dois)) == n and all(dois)  # every record one DOI, all different
    assert set(standin.dois) == set(dois)  # nothing at DataCite that is not a record's
    for record in records:
        stored = standin.dois[record.doi]
        assert stored.state == "findable"
        assert stored.attributes["titles"] == record.metadata["titles"]
        assert stored.attributes["url"] == CONTEXT.landing_url(record.id)
    with Session(parts.engine) as s:
        c = counts(s)
    assert c["pending"] == c["sending"] == c["failed"] == 0


def test_a_base_url_change_queues_every_managed_doi_once(parts: Parts,
                                                         standin: DataCiteStandIn) -> None:
    from repository_core.outbox import requeue_for_base_url

    for rid in ("moved-1", "moved-2"):
        parts.records.create(minimal(), record_id=rid)
        parts.lifecycle.publish(rid)
    parts.records.create(minimal(doi="10.9999/imported"), record_id="imported")  # not ours
    parts.worker.run()
    parts.records.delete("moved-2")
    parts.worker.run()
    with Session(parts.engine) as s, s.begin():
        assert requeue_for_base_url(s, "https://old.example.org") == 0  # first: recorded
    with Session(parts.engine) as s, s.begin():
        assert requeue_for_base_url(s, "https://old.example.org/") == 0  # unchanged
    with Session(parts.engine) as s, s.begin():
        assert requeue_for_base_url(s, "https://new.example.org") == 2
    with Session(parts.engine) as s, s.begin():
        assert requeue_for_base_url(s, "https://new.example.org") == 0
    queued = [(r.doi, r.reason, r.state) for r in rows(parts) if r.state == "pending"]
    assert sorted(queued) == [(f"{PREFIX}/moved-1", "update", "pending"),
                              (f"{PREFIX}/moved-2", "update", "pending")]
    parts.worker.run()
    assert standin.dois[f"{PREFIX}/moved-1"].state == "findable"
    assert standin.dois[f"{PREFIX}/moved-2"].state == "registered"  # deleted: stays hidden
    with Session(parts.engine) as s:
        assert counts(s)["pending"] == 0
