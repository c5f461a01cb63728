"""Real harvesters against a real server on 127.0.0.1: sickle (GET), oaipmh-scythe (POST).

The server validates every response it sends against the XSDs
(``make_app(validate=True)``), so a complete harvest is also a complete
validation run.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
from oaipmh_scythe import HTTPConfig, Scythe
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

from repository_core.store import RecordStore
from serializers.registry import FORMATS

from .oai_support import (
    COLLECTIONS,
    OAI,
    VALIDATED,
    define_sets,
    make_app,
    make_services,
    oai_id,
    populate,
    serve,
    with_base_url,
)

N = 45  # records; pages of 7


def expected_ids(n: int, *, set_spec: str | None = None, doi_only: bool = False) -> list[str]:
    ids = []
    for i in range(n):
        collections = COLLECTIONS[i % len(COLLECTIONS)]
        if set_spec is not None and set_spec.split(":")[-1] not in collections:
            continue
        if doi_only and i % 3:
            continue
        ids.append(oai_id(f"r{i:04d}"))
    return ids


def needs_doi(prefix: str) -> bool:
    """Formats that require a DOI (DataCite XML) leave out the records without one."""
    fmt = FORMATS.by_oai_prefix(prefix)
    assert fmt is not None
    return fmt.requires_doi


@pytest.fixture
def harvested_server(engine):
    services = make_services(engine)
    define_sets(services)
    populate(services, N, doi_every=3)
    app = make_app(services, validate=True)
    with serve(app) as url:
        with_base_url(services, url)
        yield url, services


@pytest.mark.parametrize("prefix,set_spec", [
    ("oai_dc", None), ("oai_datacite", None), ("datacite", None),
    ("oai_dc", "physics"), ("oai_dc", "physics:quantum"), ("oai_dc", "bio"),
    ("oai_datacite", "physics:quantum"), ("datacite", "bio"), ("marc21", None), ("marc21", "bio"),
])
def test_sickle_get_harvest(harvested_server, prefix: str, set_spec: str | None) -> None:
    url, services = harvested_server
    sickle = Sickle(url)
    args = {"metadataPrefix": prefix, "ignore_deleted": False}
    if set_spec:
        args["set"] = set_spec
    identifiers = [r.header.identifier for r in sickle.ListRecords(**args)]
    expected = expected_ids(N, set_spec=set_spec, doi_only=needs_doi(prefix))
    assert len(identifiers) == len(set(identifiers)), "no duplicates"
    assert sorted(identifiers) == sorted(expected), "no misses"
    headers = [h.identifier for h in sickle.ListIdentifiers(**args)]
    assert sorted(headers) == sorted(expected)
    assert VALIDATED.get(id(services))


def test_scythe_post_harvest(harvested_server) -> None:
    url, _ = harvested_server
    with Scythe(url, http_config=HTTPConfig(http_method="POST")) as scythe:
        identify = scythe.identify()
        assert identify.baseURL == url
        formats = {f.metadataPrefix for f in scythe.list_metadata_formats()}
        assert formats == {"oai_dc", "oai_datacite", "datacite", "oai_openaire", "dcat",
                           "marc21"}
        sets = {s.setSpec for s in scythe.list_sets()}
        assert sets == {"bio", "physics", "physics:quantum"}
        for prefix in sorted(formats):
            for set_spec in [None, *sorted(sets)]:
                records = [r.header.identifier
                           for r in scythe.list_records(metadata_prefix=prefix, set_=set_spec)]
                expected = expected_ids(N, set_spec=set_spec, doi_only=needs_doi(prefix))
                assert len(records) == len(set(records))
                assert sorted(records) == sorted(expected)
        record = scythe.get_record(identifier=oai_id("r0003"), metadata_prefix="datacite")
        assert record.header.identifier == oai_id("r0003")


def test_harvest_while_records_change(engine) -> None:
    """A harvest started at T returns every record with datestamp <= T that did not
    change meanwhile exactly once; ``from=T`` then returns everything that changed."""
    services = make_services(engine)
    populate(services, 70)
    app = make_app(services, validate=True)
    stop = threading.Event()
    writes: list[str] = []
    failures: list[BaseException] = []

    def writer() -> None:
        rng = random.Random(7)
        n = 1000
        try:
            while not stop.is_set():
                with services.records.reading() as s:
                    live = [r.id for r in RecordStore(s).page(limit=10_000)]
                action = rng.choice(["create", "update", "update", "delete"])
                if action == "create" or not live:
                    services.records.create(populate_metadata(n), record_id=f"w{n}")
                    writes.append(f"w{n}")
                    n += 1
                elif action == "update":
                    rid = rng.choice(live)
                    record = services.records.get(rid)
                    services.records.update(rid, record.metadata)
                    writes.append(rid)
                else:
                    rid = rng.choice(live)
                    services.records.delete(rid)
                    writes.append(rid)
                time.sleep(0.01)
        except Exception as exc:  # noqa: BLE001 - surfaced by the test
            failures.append(exc)

    with serve(app) as url:
        with_base_url(services, url)
        sickle = Sickle(url)
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        time.sleep(0.1)
        iterator = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
        first = iterator.oai_response.xml.find(f".//{OAI}responseDate").text
        harvested = []
        for header in iterator:
            harvested.append(header)
            if len(harvested) % 7 == 0:
                time.sleep(0.05)  # let the writer work between pages
        stop.set()
        thread.join(10)
        assert not failures, failures
        assert len(writes) > 10, "the writer ran during the harvest"

        T = datetime.strptime(first, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        with services.records.reading() as s:
            now = {r.id: r for r in RecordStore(s).page(limit=10_000, include_deleted=True)}
        unchanged = {oai_id(r.id) for r in now.values() if r.datestamp <= T}
        changed = {oai_id(r.id) for r in now.values() if r.datestamp > T}
        counts = Counter(h.identifier for h in harvested)
        assert unchanged, "some records were not touched"
        assert {i: counts[i] for i in unchanged} == {i: 1 for i in unchanged}
        assert changed, "some records changed during the harvest"

        incremental = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False,
                                             **{"from": first})
        again = {h.identifier: h for h in incremental}
        assert changed <= set(again)
        for identifier in changed:
            record = now[identifier.rsplit(":", 1)[1]]
            assert again[identifier].deleted == record.deleted


def populate_metadata(i: int) -> dict:
    from tests.sample_metadata import minimal

    return minimal(titles=[{"title": f"Written during the harvest {i}"}])


def test_overload_answers_503_with_retry_after(sqlite_services) -> None:
    """Beyond oai_max_concurrent_lists concurrent list requests: 503 + Retry-After at once."""
    populate(sqlite_services, 3)
    endpoint = replace(sqlite_services.oai, max_concurrent_lists=2)
    release = threading.Event()
    entered = threading.Semaphore(0)
    real = endpoint.repo

    class SlowRepository:
        def __getattr__(self, name):
            return getattr(real, name)

        def list_records(self, **kwargs):
            entered.release()
            release.wait(20)
            return real.list_records(**kwargs)

        def list_page(self, **kwargs):  # the first read of a page when payloads are kept
            entered.release()
            release.wait(20)
            return real.list_page(**kwargs)

    endpoint.repo = SlowRepository()
    sqlite_services.oai = endpoint
    app = make_app(sqlite_services)
    with serve(app) as url:
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(requests.get(
                url, params={"verb": "ListRecords", "metadataPrefix": "oai_dc"}, timeout=30
            ).status_code))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for _ in threads:
            assert entered.acquire(timeout=10)
        started = time.monotonic()
        busy = requests.get(url, params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
                            timeout=30)
        assert busy.status_code == 503
        assert int(busy.headers["Retry-After"]) > 0
        assert time.monotonic() - started < 2, "answered at once, not queued"
        # other verbs are not gated
        assert requests.get(url, params={"verb": "Identify"}, timeout=30).status_code == 200
        release.set()
        for t in threads:
            t.join(30)
        assert results == [200, 200]
        after = requests.get(url, params={"verb": "ListRecords", "metadataPrefix": "oai_dc"},
                             timeout=30)
        assert after.status_code == 200


def test_sickle_sees_no_records_match(sqlite_services) -> None:
    populate(sqlite_services, 2)
    with serve(make_app(sqlite_services, validate=True)) as url, pytest.raises(NoRecordsMatch):
        list(Sickle(url).ListRecords(metadataPrefix="oai_dc", **{"from": "2100-01-01"}))
