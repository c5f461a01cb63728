"""``oaiserver records concept-dois --mint [--dry-run]`` on a database upgraded from 0004."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from datacite_client.client import DataCiteClient
from oaiserver.cli import cli
from repository_core.models import ConceptRow, RecordRow
from repository_core.outbox import counts
from repository_core.version_relations import public_concept_dois
from tests.repository_core.conftest import blank_engine  # noqa: F401  (fixture)
from tests.repository_core.migration_support import upgraded_from
from tests.sample_metadata import minimal

from .conftest import CONTEXT, PREFIX, build_parts
from .standin import DataCiteStandIn
from .test_doi_api_cli import services_for

STAMP = datetime(2025, 3, 1, 9, 0, tzinfo=UTC).replace(tzinfo=None)


def _records_at_0004(connection: Connection) -> None:
    """r1 findable, r2 a draft DOI, r3 no DOI, r4 an imported DOI, r5 deleted, r6 harvested."""
    rows = [("r1", f"{PREFIX}/r1", False, None), ("r2", f"{PREFIX}/r2", False, None),
            ("r3", None, False, None), ("r4", "10.9999/imported", False, None),
            ("r5", f"{PREFIX}/r5", True, None), ("r6", None, False, "elsewhere")]
    for rid, doi, deleted, source in rows:
        metadata = minimal(titles=[{"title": f"Record {rid}"}])
        if doi:
            metadata["doi"] = doi
        connection.execute(
            text("INSERT INTO records (id, doi, metadata, collections, created, datestamp, "
                 "revision, deleted, harvest_source) VALUES (:id, :doi, :md, '[]', :t, :t, 3, "
                 ":deleted, :source)"),
            {"id": rid, "doi": doi, "t": STAMP, "deleted": deleted, "source": source,
             "md": json.dumps(metadata)})
    for rid, state in (("r1", "findable"), ("r2", "draft"), ("r5", "findable")):
        connection.execute(
            text("INSERT INTO doi_registrations (doi, record_id, intended_state, "
                 "confirmed_state, confirmed_at, created, updated) VALUES (:doi, :rid, :state, "
                 ":state, :t, :t, :t)"), {"doi": f"{PREFIX}/{rid}", "rid": rid, "state": state,
                                          "t": STAMP})


def concept_dois(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as s:
        return {r.id: c.doi for r, c in s.execute(
            select(RecordRow, ConceptRow).join(ConceptRow, ConceptRow.id == RecordRow.concept_id))}


def test_dry_run_then_mint(blank_engine: Engine, client: DataCiteClient,  # noqa: F811
                           standin: DataCiteStandIn) -> None:
    upgraded_from(blank_engine, "0004", _records_at_0004)
    parts = build_parts(blank_engine, client, concepts=True)
    services = services_for(parts)
    runner = CliRunner()
    assert set(concept_dois(blank_engine).values()) == {None}

    result = runner.invoke(cli, ["records", "concept-dois", "--mint", "--dry-run"], obj=services)
    assert result.exit_code == 0, result.output
    concepts = {r.id: r.concept_id for r in parts.records.list(limit=10)[0]}
    lines = result.stdout.splitlines()
    assert lines == [
        f"would mint {PREFIX}/{concepts[rid]} ({state}) for concept {concepts[rid]} "
        f"(versions {rid})"
        for rid, state in sorted((("r1", "findable"), ("r2", "draft")),
                                 key=lambda x: concepts[x[0]])]
    assert "2 concept(s) without a DOI" in result.stderr
    assert set(concept_dois(blank_engine).values()) == {None}  # nothing changed
    with Session(blank_engine) as s:
        assert counts(s)["pending"] == 0

    result = runner.invoke(cli, ["records", "concept-dois", "--mint"], obj=services)
    assert result.exit_code == 0, result.output
    minted = concept_dois(blank_engine)
    c1, c2 = f"{PREFIX}/{concepts['r1']}", f"{PREFIX}/{concepts['r2']}"
    assert minted == {"r1": c1, "r2": c2, "r3": None, "r4": None, "r5": None, "r6": None}
    assert f"minted {c1} (findable)" in result.stdout
    assert "[2/2]" in result.stderr and "doi sync" in result.stderr

    # r1 now names its concept (a new revision); r2's concept is a draft: no relation yet
    r1 = parts.records.get("r1")
    assert r1.revision == 4
    assert r1.metadata["relatedIdentifiers"] == [
        {"relatedIdentifier": c1, "relatedIdentifierType": "DOI", "relationType": "IsVersionOf"}]
    assert "relatedIdentifiers" not in parts.records.get("r2").metadata
    with Session(blank_engine) as s:  # what guests may be shown: not a draft
        assert public_concept_dois(s, concepts.values()) == {concepts["r1"]: c1}

    parts.worker.run()
    assert set(standin.dois) == {f"{PREFIX}/r1", c1, c2}
    assert standin.dois[c1].state == "findable"
    assert standin.dois[c1].attributes["url"] == CONTEXT.landing_url("r1")
    assert standin.dois[c1].attributes["relatedIdentifiers"] == [
        {"relatedIdentifier": f"{PREFIX}/r1", "relatedIdentifierType": "DOI",
         "relationType": "HasVersion"}]
    assert standin.dois[c2].state == "draft"
    assert standin.dois[f"{PREFIX}/r1"].attributes["relatedIdentifiers"] == r1.metadata[
        "relatedIdentifiers"]

    # run again: nothing left to do
    result = runner.invoke(cli, ["records", "concept-dois", "--mint"], obj=services)
    assert result.exit_code == 0 and result.stdout == ""
    assert "0 concept(s)" in result.stderr


def test_needs_mint_and_configured_minting(engine: Engine, client: DataCiteClient) -> None:
    runner = CliRunner()
    parts = build_parts(engine, client, concepts=True)
    result = runner.invoke(cli, ["records", "concept-dois"], obj=services_for(parts))
    assert result.exit_code == 2 and "--mint" in result.output
    off = build_parts(engine, client, prefix=None)
    result = runner.invoke(cli, ["records", "concept-dois", "--mint"], obj=services_for(off))
    assert result.exit_code == 1 and "not configured" in result.output
    result = runner.invoke(cli, ["records", "concept-dois", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output
