"""The OpenAPI 3.1 description: valid, complete (every /api route), true (real answers fit it).

``openapi-spec-validator`` checks the document against the OpenAPI 3.1
schema; the Flask URL map is compared with the described paths both ways,
so a new route without a description (or a description of a removed one)
fails here; and real responses of the running server are validated with
the described schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from lxml import html as lxml_html
from openapi_spec_validator import validate
from sqlalchemy import Engine

from oaiserver.http.api.openapi import openapi_document
from oaiserver.http.app import create_app
from oaiserver.http.security import PAGE_CSP
from oaiserver.services import Services
from tests.oaiserver.oai.oai_support import make_services

from .site_support import fill, site

TOKEN = "openapi-token"
_IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def services(sqlite_engine: Engine) -> Services:
    services = make_services(sqlite_engine, api_tokens=[TOKEN])
    fill(services)
    return services


@pytest.fixture
def base(services: Services) -> Iterator[str]:
    with site(services) as url:
        yield url


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document("https://repo.example.org", "Example")
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_route_is_described_and_nothing_else(services: Services) -> None:
    app = create_app(services=services)
    routes = {(_flask_path(rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")
              for method in (rule.methods or set()) - _IGNORED_METHODS}
    document = openapi_document(services.config.base_url, services.config.repository_name)
    described = {(path, method) for path, item in document["paths"].items()
                 for method in item if method in {"get", "post", "put", "patch", "delete"}}
    assert routes == described
    assert len(routes) >= 17


def test_operations_declare_their_parameters_and_problems() -> None:
    document = openapi_document("https://repo.example.org", "Example")
    parameters = document["components"]["parameters"]
    for path, item in document["paths"].items():
        declared = {parameters[p["$ref"].rsplit("/", 1)[-1]]["name"] if "$ref" in p else p["name"]
                    for p in item.get("parameters", [])}
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = declared | {p.get("name") for p in operation.get("parameters", [])}
            assert set(re.findall(r"{([a-z_]+)}", path)) <= names, (path, method)
            if operation.get("security"):
                assert "401" in operation["responses"], (path, method)
                if "requestBody" in operation:
                    assert {"400", "413", "422"} <= set(operation["responses"]), (path, method)


def _validator(document: dict[str, Any], schema: str) -> Draft202012Validator:
    return Draft202012Validator({**document, "$ref": f"#/components/schemas/{schema}"})


def test_real_answers_fit_the_described_schemas(base: str) -> None:
    document = requests.get(f"{base}/api/openapi.json", timeout=30).json()
    assert document["servers"] == [{"url": base}]
    validate(document)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answers = [
        ("RecordList", requests.get(f"{base}/api/records", timeout=30)),
        ("RecordList", requests.get(f"{base}/api/records", params={"q": "ocean"}, timeout=30)),
        ("Record", requests.get(f"{base}/api/records/s0001", timeout=30)),
        ("SetList", requests.get(f"{base}/api/sets", timeout=30)),
        ("Set", requests.get(f"{base}/api/sets/ocean", timeout=30)),
        ("DOIStatus", requests.get(f"{base}/api/records/s0001/doi", timeout=30)),
        ("Problem", requests.get(f"{base}/api/records/nope", timeout=30)),
        ("Problem", requests.get(f"{base}/api/records", params={"q": "a AND"}, timeout=30)),
        ("Problem", requests.post(f"{base}/api/sets", json={"spec": "x"}, headers=auth,
                                  timeout=30)),
        ("Record", requests.post(f"{base}/api/records", json={"metadata": {}}, headers=auth,
                                 timeout=30)),
        ("Record", requests.post(f"{base}/api/records/s0001/versions", json={"from": "s0001"},
                                 headers=auth, timeout=30)),
        ("RecordList", requests.get(f"{base}/api/records/s0001/versions", timeout=30)),
        ("RecordList", requests.get(f"{base}/api/records", params={"q": "ocean",
                                                                   "all_versions": "true"},
                                    timeout=30)),
        ("Problem", requests.post(f"{base}/api/records/s0001/versions", json={"from": 3},
                                  headers=auth, timeout=30)),
    ]
    for schema, response in answers:
        assert response.status_code < 500
        errors = list(_validator(document, schema).iter_errors(response.json()))
        assert errors == [], (schema, response.request.url, errors[:3])
    # and a wrong shape is caught: the check can fail
    assert list(_validator(document, "Record").iter_errors({"id": 3}))


def test_the_docs_page_lists_every_operation(base: str) -> None:
    response = requests.get(f"{base}/api/docs", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert "<script" not in response.text
    tree = lxml_html.fromstring(response.text)
    document = requests.get(f"{base}/api/openapi.json", timeout=30).json()
    operation_ids = [op["operationId"] for item in document["paths"].values()
                     for key, op in item.items() if key != "parameters"]
    assert sorted(tree.xpath("//section[@class='operation']/@id")) == sorted(operation_ids)
    headings = [" ".join(h.text_content().split()) for h in tree.xpath("//section/h3")]
    assert "GET /api/records/{record_id}" in headings and "PATCH /api/records/{record_id}" in headings
    assert tree.xpath("//a[@href='/api/openapi.json']")
