"""Generated hostile requests against every public route: never a 5xx, always a valid answer.

Hypothesis builds query strings, headers, paths and bodies from the
characters and shapes that broke servers before (deep nesting, long
values, control characters, non-ASCII digits, percent signs, template
syntax, huge numbers). Each answer must be below 500; OAI-PMH answers must
be valid against OAI-PMH.xsd; problem documents must be well-formed
RFC 9457 JSON whose ``status`` is the HTTP status. The app is the real one
over a real database, driven through Flask's test client so that hundreds
of requests stay quick.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.oaiserver.oai.oai_support import (
    check_response,
    define_sets,
    make_app,
    make_services,
    populate,
)

TOKEN = "fuzz-token"

NASTY_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from([
        "", " ", "%", "%zz", "${jndi:ldap://x}", "\x00", "\ufffd", "２０２０-01-01", "٢٠٢٠",
        "9223372036854775807", "-1", "1e309", "NaN", "*", "*a*a*a*a*a*c", "(" * 300, "NOT " * 300,
        '"' + "word " * 80 + '"', "a:" * 200, "titles.title:(", "oai:oaiserver.example.org:r0000",
        "javascript:alert(1)", "<script>", "../../etc/passwd", "🙂" * 50, "x" * 5000,
    ]),
)
PARAM_NAMES = st.sampled_from([
    "verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken",
    "q", "size", "page", "after", "sort", "year", "resource_type", "subject", "language",
    "format", "style", "locale", "interval", "begin_date", "end_date", "start",
])
VERBS = st.sampled_from(["Identify", "ListRecords", "ListIdentifiers", "GetRecord",
                         "ListSets", "ListMetadataFormats", "Nope", ""])
GET_PATHS = st.sampled_from([
    "/oai", "/api/records", "/api/records/r0000", "/api/records/r0000/doi", "/api/sets",
    "/api/sets/physics", "/records/r0000", "/records/r0000/linkset", "/records/r0000/export/bibtex",
    "/records/r0000/export/citation", "/doi/10.5072/test.0", "/", "/records/nope",
    "/search", "/sets", "/sets/physics", "/api/docs", "/api/openapi.json",
])
ACCEPTS = st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40), st.sampled_from([
    "text/html", "*/*", "application/ld+json;q=0.5, */*;q=0.1", "text/x-bibliography; style=nope",
    "text/x-bibliography; style=agora", "application/x-bibtex;q=abc", ";;;", "a/b/c",
]))


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"[]", b"{}", b'{"metadata": 3}', b'{"spec": "a b"}',
                     _nested(50_000).encode(), b'{"state": "draft"}', b'{"metadata": {"titles": [{}]}}',
                     b'{"a": 1e999999}', b'{"a": ' + b"9" * 5000 + b"}"]),
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                 max_leaves=10).map(lambda v: json.dumps({"metadata": v}).encode()),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    from repository_core.db import make_engine
    from repository_core.migrate import upgrade

    folder = tmp_path_factory.mktemp("fuzz")
    engine: Engine = make_engine(f"sqlite:///{folder / 'fuzz.db'}")
    upgrade(engine)
    services = make_services(engine, api_tokens=[TOKEN], oai_page_size=3)
    define_sets(services)
    populate(services, 8)
    yield make_app(services).test_client()
    services.close()


def _check(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.get_data()[:500])
    body = response.get_data()
    plain_xml = response.mimetype == "text/xml" and response.headers.get("Content-Encoding") is None
    if plain_xml and body.lstrip().startswith(b"<?xml") and b"OAI-PMH" in body[:600]:
        check_response(body)
    if response.mimetype == "application/problem+json":
        problem = json.loads(body)
        assert problem["status"] == response.status_code
        assert isinstance(problem["title"], str) and problem["title"]


FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(verb=VERBS, params=st.lists(st.tuples(PARAM_NAMES, NASTY_TEXT), max_size=4),
       post=st.booleans(), accept=st.sampled_from(["*/*", "text/html"]))
def test_oai_pmh(client: FlaskClient, verb: str, params: list[tuple[str, str]], post: bool,
                 accept: str) -> None:
    pairs = [("verb", verb), *params]
    if post:
        response = client.post("/oai", data=urlencode(pairs), headers={"Accept": accept},
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.get("/oai?" + urlencode(pairs), headers={"Accept": accept})
    assert response.status_code in (200, 503)
    _check(response)


@FUZZ
@given(path=GET_PATHS, params=st.lists(st.tuples(PARAM_NAMES, NASTY_TEXT), max_size=4),
       accept=ACCEPTS, host=st.sampled_from(["localhost", "evil.example", "a" * 300]))
def test_public_reads(client: FlaskClient, path: str, params: list[tuple[str, str]],
                      accept: str, host: str) -> None:
    query = urlencode(params)
    response = client.get(f"{path}?{query}" if query else path,
                          headers={"Accept": accept, "Host": host})
    _check(response)
    location = response.headers.get("Location", "")
    assert "evil.example" not in location


@FUZZ
@given(segment=NASTY_TEXT, prefix=st.sampled_from(["/records/", "/api/records/", "/doi/",
                                                     "/api/sets/", "/oai/static/", "/api//records/",
                                                     "/sets/", "/static/"]))
def test_paths(client: FlaskClient, segment: str, prefix: str) -> None:
    response = client.get(prefix + quote(segment, safe=""), headers={"Host": "evil.example"})
    _check(response)
    assert "evil.example" not in response.headers.get("Location", "")


@FUZZ
@given(route=st.sampled_from([("POST", "/api/records"), ("PUT", "/api/records/r0001"),
                              ("PATCH", "/api/records/r0001"), ("POST", "/api/sets"),
                              ("PUT", "/api/sets/physics"), ("POST", "/api/records/r0001/doi")]),
       body=BODIES, authorised=st.booleans(),
       content_type=st.sampled_from(["application/json", "text/plain", "application/merge-patch+json"]))
def test_writes(client: FlaskClient, route: tuple[str, str], body: bytes, authorised: bool,
                content_type: str) -> None:
    method, path = route
    headers = {"Content-Type": content_type}
    if authorised:
        headers["Authorization"] = f"Bearer {TOKEN}"
    response = client.open(path, method=method, data=body, headers=headers)
    _check(response)
    if not authorised:
        assert response.status_code == 401


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["q", "year", "size", "page", "after", "sort",
                                               "resource_type", "subject", "language"]),
                              NASTY_TEXT, min_size=1, max_size=3))
@example(params={"q": "(" * 1000})
@example(params={"q": "NOT " * 2000})
@example(params={"q": "-" * 5000})
@example(params={"q": '"' + " ".join(f"w{i}" for i in range(65)) + '"'})
@example(params={"q": " ".join(f"word{i}" for i in range(500))})
@example(params={"year": "9223372036854775807"})
@example(params={"size": "9223372036854775807", "page": "99999999999999999999"})
def test_search(client: FlaskClient, params: dict[str, str]) -> None:
    _check(client.get("/api/records", query_string=params))
