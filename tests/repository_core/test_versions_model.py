"""Record versions in the store: concepts, version order, which version is the latest."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from repository_core.errors import InvalidRecord, RecordNotFound
from repository_core.models import ConceptRow
from repository_core.service import RecordService
from tests.sample_metadata import minimal


@pytest.fixture
def service(engine):
    return RecordService(engine)


def _concept(service: RecordService, concept_id: str) -> ConceptRow:
    with Session(service.engine) as session:
        concept = session.get(ConceptRow, concept_id)
        assert concept is not None
        return concept


def _state(service: RecordService, record_id: str) -> list[tuple[int, bool, bool]]:
    return [(v.version_index, v.is_latest, v.deleted) for v in service.versions(record_id)]


def test_a_new_record_is_version_one_of_its_own_concept(service):
    record = service.create(minimal())
    assert record.version_index == 1 and record.is_latest
    assert record.concept_id and record.concept_id != record.id
    concept = _concept(service, record.concept_id)
    assert concept.latest_id == record.id and not concept.deleted and concept.doi is None
    other = service.create(minimal())
    assert other.concept_id != record.concept_id


def test_life_cycle_moves_the_latest_version(service):
    v1 = service.create(minimal())
    v2 = service.new_version(v1.id)  # a copy of v1's metadata
    assert v2.metadata == v1.metadata and v2.concept_id == v1.concept_id
    v3 = service.new_version(v2.id, minimal())
    assert _state(service, v1.id) == [(1, False, False), (2, False, False), (3, True, False)]
    # the version that stopped being the latest was written again
    assert service.get(v2.id).revision == 2 and service.get(v2.id).datestamp > v3.datestamp
    assert _concept(service, v1.concept_id).latest_id == v3.id

    service.delete(v3.id)
    assert _state(service, v1.id) == [(1, False, False), (2, True, False), (3, False, True)]
    assert _concept(service, v1.concept_id).latest_id == v2.id

    service.delete(v2.id)
    service.delete(v1.id)
    assert _state(service, v1.id) == [(1, False, True), (2, False, True), (3, False, True)]
    concept = _concept(service, v1.concept_id)
    assert concept.deleted and concept.latest_id is None

    service.restore(v2.id)
    assert _state(service, v1.id) == [(1, False, True), (2, True, False), (3, False, True)]
    assert not _concept(service, v1.concept_id).deleted


def test_ids_name_one_record_or_one_concept(service):
    v1 = service.create(minimal())
    with pytest.raises(InvalidRecord) as refused:
        service.create(minimal(), record_id=v1.concept_id)
    assert refused.value.problems[0].pointer == "/id"
    with pytest.raises(RecordNotFound):
        service.new_version("no-such-record")
    with Session(service.engine) as session:
        assert session.execute(select(ConceptRow.id)).scalars().all() == [v1.concept_id]


def test_harvested_records_get_no_versions_here(service):
    harvested = service.create(minimal(), harvest_source="elsewhere")
    with pytest.raises(InvalidRecord):
        service.new_version(harvested.id)
