"""The derivation of version relations, without a database, and through the service.

The life cycle with concept DOIs and DataCite is in
``tests/datacite_client/test_version_dois.py``; here: the pure rules, and
relations between versions whose DOIs came with their metadata.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from repository_core.errors import InvalidRecord
from repository_core.service import RecordService
from repository_core.version_relations import (
    ConceptView,
    _Version,
    contradictions,
    derived_relations,
    relation,
    with_relations,
)
from tests.sample_metadata import minimal

OUTSIDE = relation("IsPreviousVersionOf", "10.5281/zenodo.8")
CITES = relation("Cites", "10.1/a")


def view(*versions: tuple[str, str | None, bool], concept: str | None = "10.1/c") -> ConceptView:
    return ConceptView("c", concept, tuple(
        _Version(rid, i, doi, deleted, doi) for i, (rid, doi, deleted) in
        enumerate(versions, 1)), concept)


def test_neighbours_skip_tombstones_and_stop_at_a_version_without_doi() -> None:
    v = view(("a", "10.1/a1", False), ("b", "10.1/b", True), ("c", None, False),
             ("d", "10.1/d", False))
    derived = derived_relations(v)
    assert set(derived) == {"a", "c", "d"}  # tombstones get nothing derived
    assert derived["a"] == [relation("IsVersionOf", "10.1/c")]  # c has no DOI: no relation
    assert derived["c"] == [relation("IsVersionOf", "10.1/c"),
                            relation("IsNewVersionOf", "10.1/a1"),
                            relation("IsPreviousVersionOf", "10.1/d")]
    assert derived["d"] == [relation("IsVersionOf", "10.1/c")]


def test_applying_is_idempotent_and_keeps_the_others() -> None:
    v = view(("a", "10.1/a", False), ("b", "10.1/b", False))
    derived = derived_relations(v)["b"]
    stale = relation("IsPreviousVersionOf", "10.1/A")  # ours, in another spelling: replaced
    once = with_relations({"relatedIdentifiers": [stale, OUTSIDE, CITES]}, v, derived)
    assert once["relatedIdentifiers"] == [OUTSIDE, CITES, relation("IsVersionOf", "10.1/c"),
                                          relation("IsNewVersionOf", "10.1/a")]
    assert with_relations(once, v, derived) == once
    assert with_relations({"relatedIdentifiers": []}, view(("a", None, False), concept=None),
                          []) == {"relatedIdentifiers": []}


def test_contradictions_name_the_relation_by_pointer() -> None:
    v = view(("a", "10.1/a", False), ("b", "10.1/b", False))
    derived = derived_relations(v)["b"]
    url = {"relatedIdentifier": "https://doi.org/10.1/A", "relatedIdentifierType": "URL",
           "relationType": "IsPreviousVersionOf"}
    metadata = {"relatedIdentifiers": [OUTSIDE, relation("IsNewVersionOf", "10.1/a"), url,
                                       relation("HasVersion", "10.1/c")]}
    assert [p.pointer for p in contradictions(metadata, v, derived)] == [
        "/metadata/relatedIdentifiers/2", "/metadata/relatedIdentifiers/3"]


@pytest.fixture
def service(engine: Engine) -> RecordService:
    return RecordService(engine)


def test_versions_with_imported_dois_name_each_other(service: RecordService) -> None:
    first = service.create(minimal(doi="10.5555/v1", relatedIdentifiers=[OUTSIDE]))
    second = service.new_version(first.id, minimal(doi="10.5555/v2"))
    first_now = service.get(first.id)
    assert first_now.revision == first.revision + 1 and first_now.datestamp > first.datestamp
    assert first_now.metadata["relatedIdentifiers"] == [
        OUTSIDE, relation("IsPreviousVersionOf", "10.5555/v2")]
    assert second.metadata["relatedIdentifiers"] == [relation("IsNewVersionOf", "10.5555/v1")]
    # a user relation that contradicts the version order is refused, nothing written
    with pytest.raises(InvalidRecord) as caught:
        service.update(first.id, minimal(doi="10.5555/v1", relatedIdentifiers=[
            CITES, relation("IsNewVersionOf", "10.5555/v2")]))
    assert [p.pointer for p in caught.value.problems] == ["/metadata/relatedIdentifiers/1"]
    assert service.get(first.id).revision == first_now.revision
    # an update without the derived relations gets them back
    updated = service.update(first.id, minimal(doi="10.5555/v1"))
    assert updated.metadata["relatedIdentifiers"] == [
        relation("IsPreviousVersionOf", "10.5555/v2")]
    assert service.get(second.id).revision == second.revision  # v2 was not affected
