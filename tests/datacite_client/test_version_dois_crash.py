"""Versions and concept DOIs through injected faults and a worker killed mid-run.

Whatever fails on the way, DataCite ends up holding exactly the versions'
DOIs and the concepts' DOIs, each with the relations the version order
gives and the URL of its landing page (a concept's: its latest version's).
"""

from __future__ import annotations

import signal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from repository_core.models import ConceptRow, RecordRow
from repository_core.outbox import counts
from tests.sample_metadata import minimal

from .conftest import CONTEXT, PASSWORD, PREFIX, USER, Parts, build_parts, make_client, make_sqlite
from .standin import DataCiteStandIn, Faults
from .test_doi_crash import wait_for_requests, worker_process


def rel(kind: str, doi: str) -> dict[str, str]:
    return {"relatedIdentifier": doi, "relatedIdentifierType": "DOI", "relationType": kind}


def expected_at_datacite(parts: Parts, existed: set[str],
                         ) -> dict[str, tuple[list[dict[str, str]], str, str]]:
    """DOI -> (relations, url, state), from the version order alone (not from the code
    that derives the relations). A deleted version's (or concept's) DOI is hidden if
    DataCite had it when it was deleted (``existed``); one DataCite never had is
    never created (a DOI that never resolved needs no tombstone)."""
    expected = {}
    with Session(parts.engine) as s:
        concepts = list(s.execute(select(ConceptRow)).scalars())
        for concept in concepts:
            versions = list(s.execute(select(RecordRow).where(
                RecordRow.concept_id == concept.id).order_by(RecordRow.version_index)).scalars())
            live = [v for v in versions if not v.deleted]
            assert concept.doi is not None
            for i, version in enumerate(live):
                relations = [rel("IsVersionOf", concept.doi)]
                if i > 0:
                    relations.append(rel("IsNewVersionOf", f"{PREFIX}/{live[i - 1].id}"))
                if i + 1 < len(live):
                    relations.append(rel("IsPreviousVersionOf", f"{PREFIX}/{live[i + 1].id}"))
                expected[f"{PREFIX}/{version.id}"] = (
                    relations, CONTEXT.landing_url(version.id), "findable")
            for version in versions:
                doi = f"{PREFIX}/{version.id}"
                if version.deleted and doi in existed:  # a tombstone keeps its relations
                    expected[f"{PREFIX}/{version.id}"] = (
                        version.metadata_json.get("relatedIdentifiers", []),
                        CONTEXT.landing_url(version.id), "registered")
            shown = live[-1] if live else versions[-1]
            if live or concept.doi in existed:
                expected[concept.doi] = (
                    [rel("HasVersion", f"{PREFIX}/{v.id}") for v in live],
                    CONTEXT.landing_url(shown.id), "findable" if live else "registered")
    return expected


def assert_versions_synced(parts: Parts, standin: DataCiteStandIn, existed: set[str]) -> None:
    expected = expected_at_datacite(parts, existed)
    assert set(standin.dois) == set(expected)
    for doi, (relations, url, state) in expected.items():
        held = standin.dois[doi]
        assert held.attributes.get("relatedIdentifiers", []) == relations, doi
        assert held.attributes["url"] == url, doi
        assert held.state == state, doi
    with Session(parts.engine) as s:
        c = counts(s)
    assert c["pending"] == c["sending"] == c["failed"] == 0


def test_versions_reach_datacite_through_faults_and_a_killed_worker(tmp_path: Path) -> None:
    db = tmp_path / "versions.db"
    engine = make_sqlite(db)
    faults = Faults(latency=(0.001, 0.004), p_500=0.1, p_drop=0.1, seed=5)
    with DataCiteStandIn(accounts={USER: (PASSWORD, [PREFIX])}, faults=faults) as standin:
        parts = build_parts(engine, make_client(standin), auto=True, concepts=True)
        records = parts.records
        for c in range(6):
            records.create(minimal(titles=[{"title": f"Concept {c}"}]), record_id=f"c{c}-1")
            for v in (2, 3):
                records.new_version(f"c{c}-1", record_id=f"c{c}-{v}")

        proc = worker_process(db, standin, "--lease", "1")
        wait_for_requests(standin, 15, proc)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        proc.communicate()
        existed = set(standin.dois)  # what DataCite holds when the versions below change
        # versions change while no worker runs: the restart must send the latest state
        for c in (0, 2, 4):
            records.delete(f"c{c}-3")
        records.new_version("c1-1", record_id="c1-4")
        records.delete("c3-2")  # a middle version: its neighbours name each other
        for v in (3, 2, 1):
            records.delete(f"c5-{v}")  # the whole concept: its DOI is hidden

        assert len(existed) < 6 * 3 + 6  # the kill happened mid-sync
        proc = worker_process(db, standin, "--lease", "1")
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert_versions_synced(parts, standin, existed)
        deleted = {f"{PREFIX}/c{c}-3" for c in (0, 2, 4)} | {f"{PREFIX}/c5-{v}" for v in (1, 2, 3)}
        assert deleted & existed and deleted - existed  # both cases met
        assert standin.requests["500"] and standin.requests["dropped"]  # faults were met
    engine.dispose()
