"""`oaiserver search reindex` rebuilds the embedded indexes from the records."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import delete, func, select, text

from oaiserver.cli import cli
from oaiserver.config import load_config
from oaiserver.http.api.search import search_records
from oaiserver.services import build_services
from repository_core.query import TermRow

EXAMPLES = Path(__file__).resolve().parents[3] / "fixtures" / "datacite-examples"


def test_reindex_restores_what_search_and_sets_match(tmp_path, monkeypatch):
    monkeypatch.setenv("OAISERVER_DATABASE_URL", f"sqlite:///{tmp_path / 's.db'}")
    runner = CliRunner()
    assert runner.invoke(cli, ["load", "-q", str(EXAMPLES / "datacite-example-dataset-v4.xml"),
                               str(EXAMPLES / "datacite-example-video-v4.xml")]).exit_code == 0
    services = build_services(load_config())

    def hits(q: str) -> int:
        found = search_records(services.search, {"q": q}, base_url=services.config.base_url)
        return int(found["hits"]["total"])

    assert hits("types.resourceTypeGeneral:Dataset") == 1
    with services.records.transaction() as session:
        before = session.execute(select(func.count()).select_from(TermRow)).scalar_one()
        session.execute(delete(TermRow))
        session.execute(text("DELETE FROM search_documents"))
    assert hits("types.resourceTypeGeneral:Dataset") == 0

    result = runner.invoke(cli, ["search", "reindex", "-q"])
    assert result.exit_code == 0, result.output
    assert "embedded index: 2 record(s)" in result.stderr
    with services.records.reading() as session:
        assert session.execute(select(func.count()).select_from(TermRow)).scalar_one() == before
    assert hits("types.resourceTypeGeneral:Dataset") == 1
    services.close()

    unconfigured = runner.invoke(cli, ["search", "sync"])
    assert unconfigured.exit_code == 1 and "OAISERVER_SEARCH_URL" in unconfigured.stderr


def test_cursors_of_another_query_or_forged_ones_are_400(tmp_path):
    import base64
    import json

    from oaiserver.http.app import create_app
    from repository_core.migrate import upgrade

    config = load_config({"database_url": f"sqlite:///{tmp_path / 'c.db'}"}, environ={})
    services = build_services(config)
    upgrade(services.engine)
    for name in ("datacite-example-dataset-v4.xml", "datacite-example-video-v4.xml",
                 "datacite-example-GeoLocation-v4.xml"):
        from repository_core.metadata.importing import read_records

        [doc] = read_records((EXAMPLES / name).read_bytes(), source=name)
        services.records.create(doc["metadata"])
    client = create_app(services=services).test_client()
    first = client.get("/api/records?sort=relevance&size=1").get_json()
    cursor = first["links"]["next"].split("page=")[1].split("&")[0]
    assert client.get(f"/api/records?sort=relevance&size=1&page={cursor}").status_code == 200
    assert client.get(f"/api/records?q=data&sort=relevance&page={cursor}").status_code == 400

    def forged(payload):
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    for payload in (["newest", "garbage", "x"], ["relevance", None, "x"], ["oldest", 5, "x"],
                    ["newest", "2024-01-01T00:00:00", "x"], ["relevance", True, "x"]):
        response = client.get(f"/api/records?q=data&sort={payload[0]}&page={forged(payload)}")
        assert response.status_code == 400, payload
    services.close()
