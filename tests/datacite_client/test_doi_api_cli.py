"""The DOI HTTP endpoints and the ``doi`` CLI group, on the parts of the other tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from oaiserver.cli.doi import doi
from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import DOIParts, Services, build_services
from tests.sample_metadata import minimal

from .conftest import CONTEXT, PREFIX, Parts, build_parts
from .standin import DataCiteStandIn

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def services_for(parts: Parts, **config: Any) -> Services:
    services = build_services(load_config({"api_tokens": TOKEN, "ratelimit_enabled": False, **config}, environ={}),
                              engine=parts.engine)
    return replace(services, records=parts.records, export_context=CONTEXT,
                   doi=DOIParts(parts.lifecycle, parts.client, parts.worker))


@pytest.fixture
def app(parts: Parts) -> Flask:
    app = create_app(services=services_for(parts))
    return app


def test_post_gives_a_doi_and_queues_it(app: Flask, parts: Parts,
                                        standin: DataCiteStandIn) -> None:
    parts.records.create(minimal(), record_id="a1")
    http = app.test_client()
    answer = http.post("/api/records/a1/doi", json={"state": "findable"}, headers=AUTH)
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert body["doi"] == f"{PREFIX}/a1" and body["requested_state"] == "findable"
    assert body["pending"] == 1 and body["state"] is None
    parts.worker.run()
    shown = http.get("/api/records/a1/doi", headers=AUTH).get_json()
    assert (shown["state"], shown["pending"], shown["failed"]) == ("findable", 0, [])
    assert standin.dois[f"{PREFIX}/a1"].state == "findable"
    public = http.get("/api/records/a1/doi").get_json()
    assert public == {"record": "a1", "doi": f"{PREFIX}/a1", "managed": True,
                      "state": "findable", "doi_url": f"https://doi.org/{PREFIX}/a1"}


def test_guests_see_no_draft_doi_and_no_send_errors(app: Flask, parts: Parts) -> None:
    """Send errors name DataCite's address and answers; a draft DOI is not public yet."""
    parts.records.create(minimal(), record_id="d1")
    http = app.test_client()
    assert http.post("/api/records/d1/doi", json={"state": "draft"}, headers=AUTH).status_code == 202
    private = http.get("/api/records/d1/doi", headers=AUTH).get_json()
    assert private["doi"] == f"{PREFIX}/d1" and private["pending"] == 1
    assert private["pending_rows"] and "url" in private
    public = http.get("/api/records/d1/doi")
    assert public.get_json() == {"record": "d1", "doi": None, "managed": True,
                                 "state": None, "doi_url": None}
    assert "Authorization" in public.headers["Vary"]


def test_post_needs_a_token(app: Flask, parts: Parts) -> None:
    parts.records.create(minimal(), record_id="a2")
    answer = app.test_client().post("/api/records/a2/doi", json={})
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def test_missing_fields_are_422_by_pointer(app: Flask, parts: Parts) -> None:
    parts.records.validate = lambda m, **kw: []
    incomplete = minimal()
    del incomplete["titles"]
    parts.records.create(incomplete, record_id="a3")
    answer = app.test_client().post("/api/records/a3/doi", headers=AUTH)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [e["pointer"] for e in answer.get_json()["errors"]] == ["/titles"]
    answer = app.test_client().post("/api/records/a3/doi", json={"state": "gone"}, headers=AUTH)
    assert answer.status_code == 422


def test_foreign_prefix_and_disabled_minting_are_409(parts: Parts, engine, client) -> None:  # type: ignore[no-untyped-def]
    app = create_app(services=services_for(parts))
    parts.records.create(minimal(doi="10.5555/theirs"), record_id="f1")
    answer = app.test_client().post("/api/records/f1/doi", headers=AUTH)
    assert answer.status_code == 409 and "10.5555/theirs" in answer.get_json()["detail"]
    assert app.test_client().get("/api/records/f1/doi").get_json()["managed"] is False

    disabled = build_parts(engine, client, prefix=None)
    app2 = create_app(services=services_for(disabled))
    answer = app2.test_client().post("/api/records/f1/doi", headers=AUTH)
    assert answer.status_code == 409 and answer.get_json()["title"] == "DOI minting is disabled"


def test_unknown_record_is_404(app: Flask) -> None:
    assert app.test_client().get("/api/records/nope/doi").status_code == 404
    assert app.test_client().post("/api/records/nope/doi", headers=AUTH).status_code == 404


def test_cli_sync_and_status(parts: Parts, standin: DataCiteStandIn, engine) -> None:  # type: ignore[no-untyped-def]
    from datacite_client.doi_policy import DOIPolicy

    for i in range(3):
        parts.records.create(minimal(), record_id=f"c{i}")
        parts.lifecycle.publish(f"c{i}")
    wrong = build_parts(engine, parts.client)
    wrong.lifecycle.policy = DOIPolicy("10.9999")
    parts.records.create(minimal(), record_id="c9")
    wrong.lifecycle.publish("c9")
    services = services_for(parts)
    runner = CliRunner()
    result = runner.invoke(doi, ["sync"], obj=services)
    assert result.exit_code == 1, result.output  # one row failed for good
    assert "sent 3 DOI(s), 1 failed" in result.output
    result = runner.invoke(doi, ["status"], obj=services)
    assert result.exit_code == 0
    assert "done        3" in result.output and "failed      1" in result.output
    assert "10.9999/c9" in result.output and "ForbiddenPrefix" in result.output
    result = runner.invoke(doi, ["retry"], obj=services)
    assert "1 row(s) queued again" in result.output


def test_a_draft_doi_shows_only_to_token_holders(app: Flask, parts: Parts,
                                                 standin: DataCiteStandIn) -> None:
    """A draft DOI does not resolve and may be deleted: pages, OAI-PMH and guests don't see it."""
    parts.records.create(minimal(), record_id="d2")
    http = app.test_client()
    assert http.post("/api/records/d2/doi", json={"state": "draft"}, headers=AUTH).status_code == 202
    parts.worker.run()
    doi = f"{PREFIX}/d2"
    assert standin.dois[doi].state == "draft"
    oai_id = "oai:oaiserver.example.org:d2"

    def public_surfaces() -> dict[str, str]:
        return {
            "landing": http.get("/records/d2", headers={"Accept": "text/html"}).get_data(as_text=True),
            "json-ld": http.get("/records/d2?format=json-ld").get_data(as_text=True),
            "oai_dc": http.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={oai_id}")
                          .get_data(as_text=True),
            "api": http.get("/api/records/d2").get_data(as_text=True),
            "api list": http.get("/api/records").get_data(as_text=True),
        }

    for name, body in public_surfaces().items():
        assert doi.lower() not in body.lower(), name
    assert http.get("/records/d2?format=datacite").status_code in (404, 406)
    assert 'code="cannotDisseminateFormat"' in http.get(
        f"/oai?verb=GetRecord&metadataPrefix=datacite&identifier={oai_id}").get_data(as_text=True)
    assert "d2" not in http.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_datacite") \
        .get_data(as_text=True)
    assert http.get(f"/doi/{doi}").status_code == 404
    private = http.get("/api/records/d2", headers=AUTH).get_json()
    assert private["doi"] == doi and private["metadata"]["doi"] == doi

    # registered: public everywhere
    assert http.post("/api/records/d2/doi", json={"state": "findable"}, headers=AUTH).status_code == 202
    parts.worker.run()
    for name, body in public_surfaces().items():
        assert doi.lower() in body.lower(), name
    assert http.get(f"/doi/{doi}").status_code == 302
    assert "d2" in http.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_datacite").get_data(as_text=True)
