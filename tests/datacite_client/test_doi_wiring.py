"""DOI minting as an operator configures it: environment, REST API, `oaiserver doi sync`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from oaiserver.cli import cli
from oaiserver.http.app import create_app
from tests.sample_metadata import minimal

from .conftest import PASSWORD, PREFIX, USER

TOKEN = "tok"


@pytest.fixture
def configured(standin, tmp_path, monkeypatch):
    for key, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'doi.db'}",
        "API_TOKENS": TOKEN,
        "BASE_URL": "https://repo.example.org",
        "DATACITE_URL": standin.url,
        "DATACITE_USERNAME": USER,
        "DATACITE_PASSWORD": PASSWORD,
        "DATACITE_PREFIX": PREFIX,
        "DATACITE_AUTO": "true",
    }.items():
        monkeypatch.setenv(f"OAISERVER_{key}", value)
    monkeypatch.delenv("OAISERVER_CONFIG", raising=False)
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    return standin


def test_auto_mode_mints_on_create_and_sync_publishes(configured):
    from oaiserver.config import load_config
    from oaiserver.services import build_services

    services = build_services(load_config())
    client = create_app(services=services).test_client()
    created = client.post("/api/records", headers={"Authorization": f"Bearer {TOKEN}"},
                          json={"metadata": minimal()})
    assert created.status_code == 201
    document = created.get_json()
    assert document["doi"] == f"{PREFIX}/{document['id']}".lower()
    assert document["metadata"]["doi"].lower() == document["doi"]
    status = client.get(f"/api/records/{document['id']}/doi",
                        headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    assert status["pending"] >= 1 and status["state"] is None

    result = CliRunner().invoke(cli, ["doi", "sync", "-q"])
    assert result.exit_code == 0, result.output
    concept_id = services.records.get(document["id"]).concept_id
    concept_doi = f"{PREFIX}/{concept_id}".lower()
    # the record's DOI and its concept's (all versions), both resolving to the record
    assert sorted(doi.lower() for doi in configured.dois) == sorted([document["doi"], concept_doi])
    for stored in configured.dois.values():
        assert stored.state == "findable"
        assert stored.attributes["url"] == f"https://repo.example.org/records/{document['id']}"
    services.close()
    status = CliRunner().invoke(cli, ["doi", "status"])
    assert status.exit_code == 0 and "failed" in status.output


def test_give_up_limits_come_from_configuration(configured, monkeypatch):
    from datetime import timedelta

    from oaiserver.config import load_config
    from oaiserver.services import build_services

    monkeypatch.setenv("OAISERVER_DATACITE_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("OAISERVER_DATACITE_MAX_AGE_HOURS", "0")
    worker = build_services(load_config()).doi.worker
    assert worker.max_attempts == 5 and worker.max_age is None
    monkeypatch.setenv("OAISERVER_DATACITE_MAX_ATTEMPTS", "0")
    monkeypatch.setenv("OAISERVER_DATACITE_MAX_AGE_HOURS", "24")
    worker = build_services(load_config()).doi.worker
    assert worker.max_attempts is None and worker.max_age == timedelta(hours=24)


def test_a_new_base_url_moves_every_doi_url_at_datacite(configured, monkeypatch):
    from sqlalchemy.orm import Session

    from oaiserver.config import load_config
    from oaiserver.services import build_services
    from repository_core import outbox

    services = build_services(load_config())
    ids = [services.records.create(minimal(titles=[{"title": f"Moved {i}"}])).id
           for i in range(3)]
    services.close()
    concepts = {services.records.get(rid).concept_id: rid for rid in ids}
    assert CliRunner().invoke(cli, ["doi", "sync", "-q"]).exit_code == 0
    urls = {doi.split("/", 1)[1]: stored.attributes["url"]
            for doi, stored in configured.dois.items()}
    # each record's DOI and its concept DOI, which resolves to the record (its latest version)
    landing = {**{rid: rid for rid in ids}, **concepts}
    assert urls == {key: f"https://repo.example.org/records/{rid}" for key, rid in landing.items()}

    monkeypatch.setenv("OAISERVER_BASE_URL", "https://data.example.org/repo")
    result = CliRunner().invoke(cli, ["doi", "sync", "-q"])
    assert result.exit_code == 0, result.output
    assert "6 DOI(s) queued" in result.output
    urls = {doi.split("/", 1)[1]: stored.attributes["url"]
            for doi, stored in configured.dois.items()}
    assert urls == {key: f"https://data.example.org/repo/records/{rid}"
                    for key, rid in landing.items()}

    # the same base URL again queues nothing
    services = build_services(load_config())
    with Session(services.engine) as session:
        before = outbox.counts(session)
    result = CliRunner().invoke(cli, ["doi", "sync", "-q"])
    assert result.exit_code == 0 and "queued" not in result.output
    with Session(services.engine) as session:
        assert outbox.counts(session) == before
    services.close()
