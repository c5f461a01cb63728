"""``/api/sets``, the search API function, and ``oaiserver sets``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine

from oaiserver.cli.sets import sets as sets_cli
from oaiserver.config import load_config
from oaiserver.http.api.search import SEARCH_ARGS, search_records
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.sets import sets_of

from .corpus import CORPUS

AUTH = {"Authorization": "Bearer s3cret"}


@pytest.fixture
def services(sqlite_engine: Engine) -> Any:
    config = load_config({"api_tokens": "s3cret", "base_url": "https://repo.example.org",
                          "ratelimit_enabled": False},
                         environ={})
    services = build_services(config, engine=sqlite_engine)
    services.records.validate = lambda md, **kw: []
    for r in CORPUS:
        services.records.create(r.metadata, collections=r.collections, record_id=r.id)
    return services


@pytest.fixture
def app(services: Any) -> Flask:
    return create_app(services=services)


def test_sets_api_round_trip(app: Flask, services: Any) -> None:
    client = app.test_client()
    body = {"spec": "data:climate", "name": "Climate data",
            "query": "types.resourceTypeGeneral:Dataset AND subjects.subject:climate*"}
    assert client.post("/api/sets", json=body).status_code == 401
    created = client.post("/api/sets", json=body, headers=AUTH)
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith("/api/sets/data:climate")
    assert client.post("/api/sets", json=body, headers=AUTH).status_code == 409
    got = client.get("/api/sets/data:climate").json
    assert got["members"] == 3 and got["query"] == body["query"]
    assert client.get("/api/sets").json["hits"]["total"] == 1

    bad = client.put("/api/sets/data:climate", headers=AUTH,
                     json={"name": "x", "query": "titles.title:(climate"})
    assert bad.status_code == 400
    assert bad.mimetype == "application/problem+json"
    assert bad.json["position"] == 21
    unknown = client.post("/api/sets", headers=AUTH,
                          json={"spec": "x", "name": "x", "query": "colour:red"})
    assert unknown.status_code == 400 and unknown.json["position"] == 0
    missing = client.post("/api/sets", headers=AUTH, json={"spec": "x"})
    assert missing.status_code == 422
    assert {e["pointer"] for e in missing.json["errors"]} == {"/name", "/query"}
    assert client.post("/api/sets", headers=AUTH,
                       json={"spec": "bad spec", "name": "x", "query": "*"}).status_code == 422

    changed = client.put("/api/sets/data:climate", headers=AUTH,
                         json={"name": "All data", "query": "types.resourceTypeGeneral:Dataset"})
    assert changed.status_code == 200 and changed.json["name"] == "All data"
    with services.records.reading() as s:
        assert sets_of(s, "r0007") == ["data:climate"]
    assert client.delete("/api/sets/data:climate").status_code == 401
    assert client.delete("/api/sets/data:climate", headers=AUTH).status_code == 204
    assert client.get("/api/sets/data:climate").status_code == 404


def test_search_api_function(app: Flask, services: Any) -> None:
    assert {"q", "sort", "page", "resource_type"} <= SEARCH_ARGS
    def search_api(args: dict[str, str]) -> dict[str, Any]:
        return search_records(services.search, args, base_url=services.config.base_url)

    first = search_api({"q": "climate", "size": "2"})
    assert first["hits"]["total"] == 4
    assert len(first["hits"]["hits"]) == 2
    assert "aggregations" in first and first["aggregations"]["resource_type"]["buckets"]
    nxt = first["links"]["next"]
    page = nxt.split("page=")[1]
    second = search_api({"q": "climate", "size": "2", "page": page})
    ids = [h["id"] for h in first["hits"]["hits"] + second["hits"]["hits"]]
    assert len(set(ids)) == 4
    # through the records list handler
    listed = app.test_client().get("/api/records?q=language:en&facets=0")
    assert listed.status_code == 200 and listed.json["hits"]["total"] == 2
    bad = app.test_client().get("/api/records?q=titles.title:*x")
    assert bad.status_code == 400 and bad.json["position"] == 13


def test_cli(services: Any) -> None:
    runner = CliRunner()
    obj = services
    added = runner.invoke(sets_cli, ["add", "sw", "--name", "Software", "-q",
                                     "types.resourceTypeGeneral:Software"], obj=obj)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(sets_cli, ["list", "--json"], obj=obj)
    assert json.loads(listed.output)["spec"] == "sw"
    bad = runner.invoke(sets_cli, ["update", "sw", "-q", "language:(en"], obj=obj)
    assert bad.exit_code == 1 and "^" in bad.output
    assert runner.invoke(sets_cli, ["update", "sw", "--name", "Code"], obj=obj).exit_code == 0
    assert runner.invoke(sets_cli, ["remove", "sw"], obj=obj).exit_code == 0
    assert runner.invoke(sets_cli, ["remove", "sw"], obj=obj).exit_code == 1


def test_sets_api_refuses_what_oai_cannot_show(app: Flask) -> None:
    """A spec outside setSpecType, or text XML 1.0 cannot carry: 422, nothing stored."""
    client = app.test_client()
    for spec in ("x$y", "x+y", "a\n"):
        refused = client.post("/api/sets", headers=AUTH,
                              json={"spec": spec, "name": "x", "query": "*"})
        assert refused.status_code == 422, spec
        assert [e["pointer"] for e in refused.json["errors"]] == ["/spec"]
    for key, value in (("name", "bell\x07"), ("description", "\uffff"), ("name", "\ud800")):
        body = {"spec": "s", "name": "Fine", "query": "*", key: value}
        # lone surrogates only travel as JSON escapes
        data = json.dumps(body, ensure_ascii=True)
        refused = client.post("/api/sets", headers=AUTH, data=data,
                              content_type="application/json")
        assert refused.status_code == 422, (key, value)
        assert refused.mimetype == "application/problem+json"
        assert [e["pointer"] for e in refused.json["errors"]] == [f"/{key}"]
    assert client.get("/api/sets").json["hits"]["total"] == 0

    made = client.post("/api/sets", headers=AUTH,
                       json={"spec": "x~y:*(z)", "name": "Tilde", "query": "*"})
    assert made.status_code == 201, made.json
    changed = client.put("/api/sets/x~y:*(z)", headers=AUTH,
                         json={"name": "x", "description": "\x00", "query": "*"})
    assert changed.status_code == 422
    assert [e["pointer"] for e in changed.json["errors"]] == ["/description"]
    listed = app.test_client().get("/oai?verb=ListSets")
    assert listed.status_code == 200 and b"<setSpec>x~y:*(z)</setSpec>" in listed.data


def test_cli_refuses_what_oai_cannot_show(services: Any) -> None:
    runner = CliRunner()
    obj = services
    bad_spec = runner.invoke(sets_cli, ["add", "x$y", "--name", "X", "-q", "*"], obj=obj)
    assert bad_spec.exit_code == 1 and "/spec" in bad_spec.output
    bad_name = runner.invoke(sets_cli, ["add", "x", "--name", "X\x1b", "-q", "*"], obj=obj)
    assert bad_name.exit_code == 1 and "/name" in bad_name.output
    bad_text = runner.invoke(sets_cli, ["add", "x", "--name", "X", "-q", "*",
                                        "--description", "\ufffe"], obj=obj)
    assert bad_text.exit_code == 1 and "/description" in bad_text.output
    assert runner.invoke(sets_cli, ["add", "x", "--name", "X", "-q", "*"], obj=obj).exit_code == 0
    bad_update = runner.invoke(sets_cli, ["update", "x", "--name", "\x0c"], obj=obj)
    assert bad_update.exit_code == 1 and "/name" in bad_update.output
    bad_update = runner.invoke(sets_cli, ["update", "x", "--description", "\x0c"], obj=obj)
    assert bad_update.exit_code == 1 and "/description" in bad_update.output
