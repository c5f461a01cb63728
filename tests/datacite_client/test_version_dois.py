"""Record versions and concept DOIs: the derived relations and what DataCite holds.

The life cycle (create, three versions, delete the latest, delete all) runs
with automatic DOIs against the DataCite stand-in, on both databases; after
each step every version's stored metadata, the concept's DataCite record
and the stand-in's copies are checked against the rules of
``repository_core.version_relations``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from datacite_client.client import DataCiteClient
from repository_core.errors import InvalidRecord
from repository_core.models import ConceptRow, RecordRow
from repository_core.outbox import ConceptDOIRegistrationRow, OutboxRow, counts
from repository_core.records import Record
from repository_core.version_relations import (
    VERSION_RELATION_TYPES,
    concept_record,
    public_concept_dois,
)
from tests.sample_metadata import minimal

from .conftest import CONTEXT, PREFIX, Parts, build_parts
from .standin import DataCiteStandIn

#: imported relations of the version types pointing outside: kept as they are
OUTSIDE = {"relatedIdentifier": "10.5281/zenodo.7", "relatedIdentifierType": "DOI",
           "relationType": "IsNewVersionOf"}
OUTSIDE_URL = {"relatedIdentifier": "https://example.org/software/v0",
               "relatedIdentifierType": "URL", "relationType": "IsVersionOf"}
CITES = {"relatedIdentifier": "10.1000/cited", "relatedIdentifierType": "DOI",
         "relationType": "Cites"}
KEPT = [OUTSIDE, OUTSIDE_URL, CITES]


def rel(kind: str, doi: str) -> dict[str, str]:
    return {"relatedIdentifier": doi, "relatedIdentifierType": "DOI", "relationType": kind}


def doi_of(record_id: str) -> str:
    return f"{PREFIX}/rec.{record_id}"


@pytest.fixture
def auto(engine: Engine, client: DataCiteClient) -> Parts:
    return build_parts(engine, client, pattern="rec.{id}", auto=True, concepts=True)


@pytest.fixture
def parts(engine: Engine, client: DataCiteClient) -> Parts:
    return build_parts(engine, client, concepts=True)


def stored(parts: Parts) -> dict[str, RecordRow]:
    with Session(parts.engine, expire_on_commit=False) as s:
        return {r.id: r for r in s.execute(select(RecordRow)).scalars()}


def concept_of(parts: Parts, record_id: str) -> ConceptRow:
    with Session(parts.engine, expire_on_commit=False) as s:
        row = s.get(RecordRow, record_id)
        assert row is not None and row.concept_id is not None
        concept = s.get(ConceptRow, row.concept_id)
        assert concept is not None
        return concept


def the_concept_record(parts: Parts, concept_id: str) -> Record:
    with Session(parts.engine) as s:
        record = concept_record(s, concept_id)
    assert record is not None
    return record


def stamps(parts: Parts) -> dict[str, tuple[int, datetime]]:
    return {rid: (r.revision, r.datestamp) for rid, r in stored(parts).items()}


def moved(before: dict[str, tuple[int, datetime]], after: dict[str, tuple[int, datetime]],
          ) -> set[str]:
    """The records written between two snapshots (revision and datestamp both moved)."""
    changed = set()
    for rid, (revision, stamp) in after.items():
        if rid not in before:
            changed.add(rid)
        elif revision != before[rid][0]:
            assert stamp > before[rid][1]
            changed.add(rid)
        else:
            assert stamp == before[rid][1]
    return changed


def check_versions(parts: Parts, standin: DataCiteStandIn, expected: dict[str, list[Any]],
                   concept_doi: str, has_versions: list[str], latest: str | None,
                   sent: set[str]) -> None:
    """Stored relations exactly as expected, and DataCite holding the same after a sync
    that sends the DOIs of ``sent`` (record ids, and "concept") once each, and no other."""
    rows = stored(parts)
    for rid, relations in expected.items():
        assert rows[rid].metadata_json.get("relatedIdentifiers", []) == relations, rid
    concept_id = rows[next(iter(expected))].concept_id
    assert concept_id is not None
    concept = the_concept_record(parts, concept_id)
    assert concept.doi == concept_doi
    versions = [r for r in concept.metadata.get("relatedIdentifiers", [])
                if r["relationType"] in VERSION_RELATION_TYPES
                and r["relatedIdentifier"].startswith(PREFIX)]
    assert versions == [rel("HasVersion", doi_of(v)) for v in has_versions]
    # outside relations of the latest version are the concept's too
    assert [r for r in concept.metadata.get("relatedIdentifiers", []) if r in KEPT] == KEPT
    assert concept.deleted == (latest is None)

    start = len(standin.log)
    parts.worker.run()
    requests: dict[str, int] = {}
    for method, doi, status in standin.log[start:]:
        assert method == "PUT" and status in (200, 201)
        requests[doi] = requests.get(doi, 0) + 1
    wanted = {concept_doi if rid == "concept" else doi_of(rid) for rid in sent}
    assert set(requests) == wanted
    for doi, n in requests.items():  # hiding a findable DOI takes two: register, hide
        assert n == (2 if standin.dois[doi].state == "registered" else 1), (doi, n)
    with Session(parts.engine) as s:
        c = counts(s)
    assert c["pending"] == c["sending"] == c["failed"] == 0
    for rid, relations in expected.items():
        at_datacite = standin.dois[doi_of(rid)]
        assert at_datacite.attributes["relatedIdentifiers"] == relations, rid
        assert at_datacite.attributes["url"] == CONTEXT.landing_url(rid)
        assert at_datacite.state == ("registered" if rows[rid].deleted else "findable")
    at_datacite = standin.dois[concept_doi]
    assert at_datacite.attributes["relatedIdentifiers"] == concept.metadata.get(
        "relatedIdentifiers", [])
    assert at_datacite.attributes["titles"] == concept.metadata["titles"]
    assert at_datacite.state == ("registered" if latest is None else "findable")
    if latest is not None:
        assert at_datacite.attributes["url"] == CONTEXT.landing_url(latest)
    assert set(standin.dois) == {doi_of(rid) for rid in rows} | {concept_doi}


def test_life_cycle_of_versions_and_their_relations(auto: Parts,
                                                    standin: DataCiteStandIn) -> None:
    records = auto.records
    before = stamps(auto)
    records.create(minimal(relatedIdentifiers=KEPT), record_id="v1")
    concept = concept_of(auto, "v1")
    c = doi_of(concept.id)  # the same pattern as the versions' DOIs
    assert concept.doi == c
    is_version = rel("IsVersionOf", c)
    check_versions(auto, standin, {"v1": [*KEPT, is_version]}, c, ["v1"], "v1",
                   {"v1", "concept"})
    assert moved(before, stamps(auto)) == {"v1"}

    # v2 and v3: a copy of the latest; the previous latest gets IsPreviousVersionOf
    before = stamps(auto)
    records.new_version("v1", record_id="v2")
    expected = {
        "v1": [*KEPT, is_version, rel("IsPreviousVersionOf", doi_of("v2"))],
        "v2": [*KEPT, is_version, rel("IsNewVersionOf", doi_of("v1"))],
    }
    check_versions(auto, standin, expected, c, ["v1", "v2"], "v2", {"v1", "v2", "concept"})
    assert moved(before, stamps(auto)) == {"v1", "v2"}

    before = stamps(auto)
    records.new_version("v1", minimal(titles=[{"title": "Third"}], relatedIdentifiers=KEPT),
                        record_id="v3")
    expected = {
        "v1": [*KEPT, is_version, rel("IsPreviousVersionOf", doi_of("v2"))],
        "v2": [*KEPT, is_version, rel("IsNewVersionOf", doi_of("v1")),
               rel("IsPreviousVersionOf", doi_of("v3"))],
        "v3": [*KEPT, is_version, rel("IsNewVersionOf", doi_of("v2"))],
    }
    check_versions(auto, standin, expected, c, ["v1", "v2", "v3"], "v3",
                   {"v2", "v3", "concept"})
    assert moved(before, stamps(auto)) == {"v2", "v3"}  # v1 is not affected
    assert standin.dois[c].attributes["titles"] == [{"title": "Third"}]

    # delete the latest: v2 is the latest again and loses its next version
    before = stamps(auto)
    tomb = stored(auto)["v3"].metadata_json
    records.delete("v3")
    expected["v2"] = [*KEPT, is_version, rel("IsNewVersionOf", doi_of("v1"))]
    check_versions(auto, standin, expected, c, ["v1", "v2"], "v2", {"v2", "v3", "concept"})
    assert stored(auto)["v3"].metadata_json == tomb  # a tombstone is kept as it was
    assert moved(before, stamps(auto)) == {"v2", "v3"}
    assert concept_of(auto, "v1").latest_id == "v2"

    # delete the rest: the concept is a tombstone, its DOI hidden
    records.delete("v2")
    expected["v1"] = [*KEPT, is_version]
    check_versions(auto, standin, expected, c, ["v1"], "v1", {"v1", "v2", "concept"})
    before = stamps(auto)
    records.delete("v1")
    check_versions(auto, standin, expected, c, [], None, {"v1", "concept"})
    assert moved(before, stamps(auto)) == {"v1"}
    assert concept_of(auto, "v1").deleted


def test_deleted_versions_are_skipped_and_restore_brings_relations_back(
        auto: Parts, standin: DataCiteStandIn) -> None:
    records = auto.records
    records.create(minimal(), record_id="a1")
    records.new_version("a1", record_id="a2")
    records.new_version("a1", record_id="a3")
    c = concept_of(auto, "a1").doi
    assert c is not None
    records.delete("a2")  # the middle one: its neighbours point at each other
    rows = stored(auto)
    assert rows["a1"].metadata_json["relatedIdentifiers"] == [
        rel("IsVersionOf", c), rel("IsPreviousVersionOf", doi_of("a3"))]
    assert rows["a3"].metadata_json["relatedIdentifiers"] == [
        rel("IsVersionOf", c), rel("IsNewVersionOf", doi_of("a1"))]
    records.restore("a2")
    rows = stored(auto)
    assert rows["a1"].metadata_json["relatedIdentifiers"] == [
        rel("IsVersionOf", c), rel("IsPreviousVersionOf", doi_of("a2"))]
    assert rows["a2"].metadata_json["relatedIdentifiers"] == [
        rel("IsVersionOf", c), rel("IsNewVersionOf", doi_of("a1")),
        rel("IsPreviousVersionOf", doi_of("a3"))]
    auto.worker.run()
    assert [r for r in standin.dois[c].attributes["relatedIdentifiers"]] == [
        rel("HasVersion", doi_of(v)) for v in ("a1", "a2", "a3")]


@pytest.mark.parametrize("relation, index", [
    (lambda c: rel("IsPreviousVersionOf", doi_of("u1")), 1),  # the wrong direction
    (lambda c: rel("IsVersionOf", doi_of("u1")), 1),  # a version is not a concept
    (lambda c: rel("HasVersion", c), 1),  # the concept has versions, not a version
    (lambda c: {"relatedIdentifier": f"https://doi.org/{doi_of('u1').upper()}",
                "relatedIdentifierType": "URL", "relationType": "IsPreviousVersionOf"}, 1),
])
def test_a_contradicting_relation_is_refused_with_its_pointer(auto: Parts, relation: Any,
                                                              index: int) -> None:
    records = auto.records
    records.create(minimal(), record_id="u1")
    records.new_version("u1", record_id="u2")
    c = concept_of(auto, "u1").doi
    before = stamps(auto)
    bad = relation(c)
    for write in (
        lambda: records.update("u2", minimal(doi=doi_of("u2"),
                                             relatedIdentifiers=[CITES, bad])),
        lambda: records.new_version("u1", minimal(relatedIdentifiers=[CITES, bad])),
    ):
        with pytest.raises(InvalidRecord) as caught:
            write()
        pointers = [p.pointer for p in caught.value.problems]
        assert pointers == [f"/metadata/relatedIdentifiers/{index}"]
        assert bad["relationType"] in caught.value.problems[0].message
    assert stamps(auto) == before  # nothing written
    # relations that agree with the derived ones, and outside ones, are accepted
    agreeing = [OUTSIDE, rel("IsNewVersionOf", doi_of("u1")), rel("IsVersionOf", str(c))]
    records.update("u2", minimal(doi=doi_of("u2"), relatedIdentifiers=agreeing))
    assert stored(auto)["u2"].metadata_json["relatedIdentifiers"] == [
        OUTSIDE, rel("IsVersionOf", str(c)), rel("IsNewVersionOf", doi_of("u1"))]


def test_a_relation_to_itself_is_refused_on_create(auto: Parts) -> None:
    with pytest.raises(InvalidRecord) as caught:
        auto.records.create(minimal(doi=doi_of("s1"), relatedIdentifiers=[
            rel("IsNewVersionOf", doi_of("s1"))]), record_id="s1")
    assert [p.pointer for p in caught.value.problems] == ["/metadata/relatedIdentifiers/0"]


def test_a_draft_doi_gives_no_relation_until_it_is_public(parts: Parts,
                                                          standin: DataCiteStandIn) -> None:
    records, lifecycle = parts.records, parts.lifecycle
    records.create(minimal(), record_id="d1")
    lifecycle.publish("d1")
    c = concept_of(parts, "d1").doi
    assert c == f"{PREFIX}/{concept_of(parts, 'd1').id}"  # the default pattern, {id}
    records.new_version("d1", record_id="d2")
    rows = stored(parts)
    # d2 has no DOI yet: d1 gets no IsPreviousVersionOf; d2 already names d1
    assert rows["d1"].metadata_json["relatedIdentifiers"] == [rel("IsVersionOf", c)]
    assert rows["d2"].metadata_json["relatedIdentifiers"] == [
        rel("IsVersionOf", c), rel("IsNewVersionOf", doi_of("d1").replace("rec.", ""))]
    with Session(parts.engine) as s:
        cid = concept_of(parts, "d1").id
        assert public_concept_dois(s, [cid, "no-such"]) == {cid: c}
    lifecycle.reserve("d2")  # a draft: it does not resolve, so nothing names it
    assert stored(parts)["d1"].metadata_json["relatedIdentifiers"] == [rel("IsVersionOf", c)]
    before = stamps(parts)
    lifecycle.publish("d2")
    after = stored(parts)
    assert after["d1"].metadata_json["relatedIdentifiers"] == [
        rel("IsVersionOf", c), rel("IsPreviousVersionOf", f"{PREFIX}/d2")]
    # the draft becoming public moves d2's datestamp too (its exports now show the DOI)
    assert moved(before, stamps(parts)) == {"d1", "d2"}
    parts.worker.run()
    assert standin.dois[c].state == "findable"
    assert standin.dois[c].attributes["url"] == CONTEXT.landing_url("d2")
    # the concept DOI's state is visible with each version's
    concept_status = parts.lifecycle.status("d1").concept
    assert concept_status is not None
    assert {k: concept_status[k] for k in ("doi", "requested_state", "state", "pending", "url")
            } == {"doi": c, "requested_state": "findable", "state": "findable", "pending": 0,
                  "url": CONTEXT.landing_url("d2")}
    assert standin.dois[f"{PREFIX}/d1"].attributes["relatedIdentifiers"] == after[
        "d1"].metadata_json["relatedIdentifiers"]


def test_imported_and_harvested_records_get_no_concept_doi(parts: Parts) -> None:
    from datacite_client.errors import ForeignDOI, HarvestedRecord

    parts.records.create(minimal(doi="10.9999/imported", relatedIdentifiers=[
        rel("IsPreviousVersionOf", "10.9999/imported.v2")]), record_id="imp")
    parts.records.create(minimal(), record_id="hv", harvest_source="elsewhere")
    with pytest.raises(ForeignDOI):
        parts.lifecycle.publish("imp")
    with pytest.raises(HarvestedRecord):
        parts.lifecycle.publish("hv")
    assert concept_of(parts, "imp").doi is None and concept_of(parts, "hv").doi is None
    # the imported relation points outside: kept as it came
    assert stored(parts)["imp"].metadata_json["relatedIdentifiers"] == [
        rel("IsPreviousVersionOf", "10.9999/imported.v2")]
    assert parts.lifecycle.concept_doi_candidates() == []
    with Session(parts.engine) as s:
        assert s.execute(select(ConceptDOIRegistrationRow)).first() is None
        assert s.execute(select(OutboxRow)).first() is None


def test_random_suffixes_for_concepts_too(engine: Engine, client: DataCiteClient,
                                          standin: DataCiteStandIn) -> None:
    from datacite_client.doi_policy import check_suffix

    parts = build_parts(engine, client, pattern="random", auto=True, concepts=True)
    first = parts.records.create(minimal())
    second = parts.records.new_version(first.id)
    concept = concept_of(parts, first.id)
    dois = {first.doi, second.doi, concept.doi}
    assert len(dois) == 3 and None not in dois
    for doi in dois:
        assert doi is not None and check_suffix(doi.split("/", 1)[1]) is None
    parts.worker.run()
    assert set(standin.dois) == dois


def test_without_concept_dois_versions_still_name_each_other(engine: Engine,
                                                             client: DataCiteClient,
                                                             standin: DataCiteStandIn) -> None:
    parts = build_parts(engine, client, auto=True, concepts=False)
    parts.records.create(minimal(), record_id="n1")
    parts.records.new_version("n1", record_id="n2")
    assert concept_of(parts, "n1").doi is None
    rows = stored(parts)
    assert rows["n1"].metadata_json["relatedIdentifiers"] == [
        rel("IsPreviousVersionOf", f"{PREFIX}/n2")]
    assert rows["n2"].metadata_json["relatedIdentifiers"] == [
        rel("IsNewVersionOf", f"{PREFIX}/n1")]
    parts.worker.run()
    assert set(standin.dois) == {f"{PREFIX}/n1", f"{PREFIX}/n2"}


def test_the_api_answers_a_contradicting_relation_with_a_problem(auto: Parts) -> None:
    from flask import Flask

    from oaiserver.http.app import create_app

    from .test_doi_api_cli import AUTH, services_for

    auto.records.create(minimal(), record_id="w1")
    auto.records.new_version("w1", record_id="w2")
    app: Flask = create_app(services=services_for(auto))
    body = {"metadata": minimal(doi=doi_of("w2"), relatedIdentifiers=[
        CITES, rel("IsPreviousVersionOf", doi_of("w1"))])}
    response = app.test_client().put("/api/records/w2", headers=AUTH, json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert [e["pointer"] for e in problem["errors"]] == ["/metadata/relatedIdentifiers/1"]
    assert "IsPreviousVersionOf" in problem["errors"][0]["detail"]


def test_a_version_copied_from_an_older_one_gets_its_own_relations(auto: Parts) -> None:
    """``{"from": id}`` copies a version whose metadata holds relations to the
    others: those are derived anew for the copy, never refused as a contradiction."""
    from flask import Flask

    from oaiserver.http.app import create_app

    from .test_doi_api_cli import AUTH, services_for

    auto.records.create(minimal(relatedIdentifiers=[CITES]), record_id="c1")
    auto.records.new_version("c1", record_id="c2")
    auto.records.new_version("c2", record_id="c3")
    app: Flask = create_app(services=services_for(auto))
    response = app.test_client().post("/api/records/c3/versions", headers=AUTH,
                                      json={"from": "c2"})
    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["id"]
    concept_doi = concept_of(auto, "c1").doi
    assert concept_doi
    assert stored(auto)[new_id].metadata_json["relatedIdentifiers"] == [
        CITES, rel("IsVersionOf", concept_doi), rel("IsNewVersionOf", doi_of("c3"))]
    other = app.test_client().post("/api/records/c3/versions", headers=AUTH,
                                   json={"from": "no-such-version"})
    assert other.status_code == 422
    assert [p["pointer"] for p in other.get_json()["errors"]] == ["/from"]
