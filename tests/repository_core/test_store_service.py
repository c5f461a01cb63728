"""The record service and store on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repository_core.datestamps import next_datestamp, serve_bound
from repository_core.errors import (
    InvalidRecord,
    Problem,
    RecordDeleted,
    RecordNotFound,
    RevisionConflict,
)
from repository_core.models import RecordRow
from repository_core.records import Cursor, local_id_from_oai_identifier, oai_identifier
from repository_core.service import RecordService
from repository_core.store import RecordStore
from tests.sample_metadata import minimal


def no_problems(metadata, **options):
    return []


@pytest.fixture
def service(engine):
    return RecordService(engine, validate=no_problems)


def test_create_get_roundtrip(service):
    record = service.create(minimal(), collections=["physics"])
    again = service.get(record.id)
    assert again == record
    assert again.revision == 1 and again.created == again.datestamp
    assert again.collections == ("physics",)
    assert again.datestamp.tzinfo is not None


def test_update_bumps_revision_and_datestamp(service):
    record = service.create(minimal())
    changed = service.update(record.id, minimal(publicationYear="2022"))
    assert changed.revision == 2
    assert changed.datestamp > record.datestamp
    assert changed.created == record.created
    assert service.get(record.id).metadata["publicationYear"] == "2022"


def test_stale_revision_is_refused_and_nothing_changes(service):
    record = service.create(minimal())
    service.update(record.id, minimal(publicationYear="2022"), expected_revision=1)
    with pytest.raises(RevisionConflict) as info:
        service.update(record.id, minimal(publicationYear="1999"), expected_revision=1)
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert service.get(record.id).metadata["publicationYear"] == "2022"


def test_delete_keeps_tombstone(service):
    record = service.create(minimal())
    gone = service.delete(record.id)
    assert gone.deleted and gone.revision == 2 and gone.datestamp > record.datestamp
    with pytest.raises(RecordDeleted) as info:
        service.get(record.id)
    assert info.value.record.id == record.id
    assert service.get(record.id, include_deleted=True).deleted
    with pytest.raises(RecordDeleted):
        service.update(record.id, minimal())
    restored = service.restore(record.id)
    assert not restored.deleted and restored.revision == 3


def test_missing_record(service):
    with pytest.raises(RecordNotFound):
        service.get("nope")
    with pytest.raises(RecordNotFound):
        service.delete("nope")


def test_validation_problems_stop_the_write(engine):
    def strict(metadata, **options):
        return [Problem("/titles", "required")] if "titles" not in metadata else []

    service = RecordService(engine, validate=strict)
    bad = minimal()
    del bad["titles"]
    with pytest.raises(InvalidRecord) as info:
        service.create(bad, collections=["ok", ""])
    pointers = [p.pointer for p in info.value.problems]
    assert pointers == ["/metadata/titles", "/collections/1"]
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(RecordRow)).scalar_one() == 0


def test_doi_is_unique_and_case_insensitive(service):
    first = service.create(minimal(doi="10.5072/ABC"))
    assert first.doi == "10.5072/abc"
    assert service.get_by_doi("10.5072/aBc").id == first.id
    with pytest.raises(InvalidRecord) as info:
        service.create(minimal(doi="10.5072/abc"))
    assert info.value.problems[0].pointer == "/doi"


def test_client_ids(service):
    record = service.create(minimal(), record_id="my-record.1")
    assert record.id == "my-record.1"
    with pytest.raises(InvalidRecord):
        service.create(minimal(), record_id="my-record.1")
    for bad in ("../etc", "trailing\n", "-leading", "x" * 65, ""):
        with pytest.raises(InvalidRecord):
            service.create(minimal(), record_id=bad)


def test_keyset_paging_visits_each_record_once(service, engine):
    ids = {service.create(minimal()).id for _ in range(23)}
    seen: list[str] = []
    after = None
    with Session(engine) as s:
        store = RecordStore(s)
        while True:
            page = store.page(after=after, limit=5)
            if not page:
                break
            seen += [r.id for r in page]
            after = Cursor(page[-1].datestamp, page[-1].id)
        assert store.count() == 23
    assert len(seen) == 23 and set(seen) == ids


def test_datestamps_strictly_increase_under_concurrent_writers(engine):
    service = RecordService(engine, validate=no_problems)
    errors: list[BaseException] = []

    def writer():
        try:
            for _ in range(10):
                service.create(minimal())
        except BaseException as exc:  # noqa: BLE001 - a thread's failure, reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Session(engine) as s:
        stamps = s.execute(select(RecordRow.datestamp)).scalars().all()
    assert len(stamps) == 40 and len(set(stamps)) == 40


def test_no_write_lands_at_or_before_a_served_bound(engine):
    with Session(engine) as s, s.begin():
        bound = serve_bound(s)
    with Session(engine) as s, s.begin():
        stamp = next_datestamp(s, now=bound - timedelta(hours=1))  # a clock running behind
    assert stamp > bound


def test_oai_identifier():
    assert oai_identifier("repo.example.org", "abc") == "oai:repo.example.org:abc"
    assert local_id_from_oai_identifier("repo.example.org", "oai:repo.example.org:abc") == "abc"
    assert local_id_from_oai_identifier("repo.example.org", "oai:other.org:abc") is None
