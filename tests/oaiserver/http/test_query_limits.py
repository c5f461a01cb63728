"""Hostile search queries over HTTP: a 400 problem naming the limit, never a 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import build_services

AUTH = {"Authorization": "Bearer s3cret"}
LONG_TITLE = " ".join(f"word{i % 23}" for i in range(70))


@pytest.fixture
def services(engine: Engine) -> Any:
    config = load_config({"api_tokens": "s3cret", "base_url": "https://repo.example.org"},
                         environ={})
    services = build_services(config, engine=engine)
    services.records.validate = lambda md, **kw: []
    services.records.create({"titles": [{"title": LONG_TITLE}], "publicationYear": "2020",
                             "subjects": [{"subject": "a" * 300 + "c"}]}, record_id="long")
    services.records.create({"titles": [{"title": "climate data"}],
                             "publicationYear": "2021"}, record_id="short")
    return services


@pytest.fixture
def app(services: Any) -> Flask:
    return create_app(services=services)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


HOSTILE = [
    ("(" * 1000 + "climate" + ")" * 1000, "max_depth", 32),
    ("NOT " * 2000 + "climate", "max_depth", 32),
    ("-" * 5000 + "climate", "max_depth", 32),
    ("+" * 5000 + "climate", "max_depth", 32),
    (" ".join(["climate"] * 500), "max_clauses", 128),
    (" OR ".join(f"w{i}" for i in range(500)), "max_clauses", 128),
    ('"' + " ".join(["climate"] * 200) + '"', "max_phrase_words", 128),
    (" OR ".join(["subjects.subject:*a*a*a*a*a*a*c"] * 9), "max_wildcards", 8),
]


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json
    assert body["status"] == status
    return body


@pytest.mark.parametrize(("q", "limit", "value"), HOSTILE)
def test_hostile_search_is_a_400_naming_the_limit(client: FlaskClient, q: str, limit: str,
                                                  value: int) -> None:
    body = _problem(client.get("/api/records", query_string={"q": q}), 400)
    assert body["title"] == "Query too complex"
    assert (body["limit"], body["value"]) == (limit, value)
    assert body["found"] > value
    assert str(value) in body["detail"]


@pytest.mark.parametrize(("q", "limit", "value"), HOSTILE[:3] + HOSTILE[-1:])
def test_hostile_set_definition_is_a_400_naming_the_limit(client: FlaskClient, q: str,
                                                          limit: str, value: int) -> None:
    body = _problem(client.post("/api/sets", headers=AUTH,
                                json={"spec": "hostile", "name": "x", "query": q}), 400)
    assert (body["limit"], body["value"]) == (limit, value)
    assert client.get("/api/sets/hostile").status_code == 404


@pytest.mark.parametrize("year", ["9223372036854775807", "-9223372036854775809",
                                  "1" * 40, "2020.5", "MMXX"])
def test_year_filter_out_of_range_is_a_400_naming_the_parameter(client: FlaskClient,
                                                                year: str) -> None:
    body = _problem(client.get("/api/records", query_string={"q": "*", "year": year}), 400)
    assert body["parameter"] == "year"


def test_year_filter_still_filters(client: FlaskClient) -> None:
    body = client.get("/api/records", query_string={"q": "*", "year": "2021"}).json
    assert [h["id"] for h in body["hits"]["hits"]] == ["short"]


def test_a_65_word_phrase_answers(client: FlaskClient) -> None:
    words = LONG_TITLE.split()
    phrase = " ".join(words[3:68])
    assert len(phrase.split()) == 65
    for q in (f'"{phrase}"', f'titles.title:"{phrase}"'):
        response = client.get("/api/records", query_string={"q": q})
        assert response.status_code == 200, response.json
        assert [h["id"] for h in response.json["hits"]["hits"]] == ["long"]
        assert response.json["aggregations"]["year"]["buckets"][0]["key"] == "2020"
    missing = client.get("/api/records", query_string={"q": f'"{phrase} word99"'})
    assert missing.json["hits"]["total"] == 0


def test_a_hostile_wildcard_set_places_records_at_once(client: FlaskClient) -> None:
    """The set's query is matched in memory on every write (the ReDoS of the review)."""
    created = client.post("/api/sets", headers=AUTH, json={
        "spec": "wild", "name": "wild", "query": "subjects.subject:*a*a*a*a*a*a*c"})
    assert created.status_code == 201, created.json
    assert client.get("/api/sets/wild").json["members"] == 1
    written = client.post("/api/records", headers=AUTH, json={"metadata": {
        "titles": [{"title": "t"}], "subjects": [{"subject": "a" * 512}]}})
    assert written.status_code == 201, written.json
    assert client.get("/api/sets/wild").json["members"] == 1


def test_database_errors_are_logged_without_the_statement(
        app: Flask, services: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    statement = "SELECT " + " OR ".join(f"'{i}' = '{i}'" for i in range(10_000))

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(statement, {}, Exception("Expression tree is too large"))

    monkeypatch.setattr(services.search, "search", fail)
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/api/records", query_string={"q": "climate"})
    body = _problem(response, 500)
    assert statement[:50] not in body.get("detail", "")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the failure is logged"
    for record in errors:
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info)
                                      if record.exc_info else "")
        assert len(text) < 5_000
        assert "Expression tree is too large" in text
        assert f"({len(statement):,} characters)" in text


def test_a_search_past_its_time_budget_is_a_400(client: FlaskClient, services: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from repository_core.search import budget

    monkeypatch.setattr(budget, "PROGRESS_STEPS", 1)  # SQLite: look at the clock at once
    monkeypatch.setattr(services.search, "seconds", 1e-9)
    if services.records.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's timeout is whole milliseconds: tests/repository_core "
                    "query/test_budget.py stops a slow statement there")
    body = _problem(client.get("/api/records", query_string={"q": "climate OR data"}), 400)
    assert body["title"] == "Query too expensive"
    assert (body["limit"], body["value"]) == ("max_seconds", 1e-9)
    monkeypatch.setattr(services.search, "seconds", 5.0)
    assert client.get("/api/records", query_string={"q": "climate OR data"}).status_code == 200


def test_facets_that_would_pass_the_budget_are_left_out(
        client: FlaskClient, services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hits and total come first; slow facet counting is stopped and left out."""
    from sqlalchemy import text

    from repository_core.search import embedded

    slow = {"sqlite": ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 10000000) SELECT count(*) FROM n"),
            "postgresql": "SELECT count(*) FROM pg_sleep(5)"}

    def slow_facets(session: Any, *args: Any) -> Any:
        session.execute(text(slow[session.get_bind().dialect.name]))
        raise AssertionError("the budget should have stopped the statement")

    monkeypatch.setattr(embedded, "_facet_values", slow_facets)
    monkeypatch.setattr(services.search, "seconds", 0.3)
    response = client.get("/api/records", query_string={"q": "climate"})
    assert response.status_code == 200, response.json
    assert [h["id"] for h in response.json["hits"]["hits"]] == ["short"]
    assert response.json["hits"]["total"] == 1
    assert response.json["aggregations"] == {}
