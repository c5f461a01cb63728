"""Regression tests of an outside review's findings, over HTTP against the real server.

Each test names the finding it closes. The server is the application
``oaiserver serve`` runs, on a real socket; requests come from ``requests``
so that headers such as ``Host`` travel as a client sends them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import Engine

from oaiserver.services import Services
from tests.oaiserver.oai.oai_support import (
    check_response,
    error_codes,
    make_app,
    make_services,
    oai_id,
    populate,
    serve,
    serve_production,
)
from tests.sample_metadata import minimal

OAI = "{http://www.openarchives.org/OAI/2.0/}"
BASE_URL = "https://repository.example.org/base"
TOKEN = "hardening-token"


@pytest.fixture
def services(sqlite_engine: Engine) -> Services:
    services = make_services(sqlite_engine, base_url=BASE_URL, api_tokens=[TOKEN])
    populate(services, 3)
    return services


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    with serve(make_app(services)) as oai_url:
        yield oai_url.removesuffix("/oai")


def get(server: str, path: str, **kw: Any) -> requests.Response:
    return requests.get(server + path, allow_redirects=False, timeout=30, **kw)


# -- 1. Host-header injection -------------------------------------------------
@pytest.mark.parametrize("path", ["/doi//10.5072/test.0", "/api//records?size=1",
                                  "/oai//static/oai2.xsl"])
def test_redirects_never_take_their_host_from_the_request(server: str, path: str) -> None:
    response = get(server, path, headers={"Host": "evil.example"})
    assert response.status_code == 308
    location = response.headers["Location"]
    assert location.startswith(BASE_URL + "/"), location
    assert "evil.example" not in location
    assert "//" not in location.removeprefix("https://")


# -- 8. OAI-PMH edge cases ----------------------------------------------------
def _oai(server: str, **kw: Any) -> Any:
    response = requests.request(kw.pop("method", "GET"), server + "/oai", timeout=30, **kw)
    assert response.status_code == 200
    return check_response(response.content)  # valid against OAI-PMH.xsd


@pytest.mark.parametrize("identifier", ["${jndi:ldap://x}", "oai:x:50%", "oai:x:a b", "oai:x:<y>"])
def test_an_identifier_that_is_no_uri_is_a_bad_argument(server: str, identifier: str) -> None:
    doc = _oai(server, params={"verb": "GetRecord", "identifier": identifier,
                               "metadataPrefix": "oai_dc"})
    assert error_codes(doc) == ["badArgument"]
    assert dict(doc.find(f"{OAI}request").attrib) == {}  # badArgument echoes no arguments


def test_a_uri_that_is_not_ours_is_still_id_does_not_exist(server: str) -> None:
    doc = _oai(server, params={"verb": "GetRecord", "identifier": "oai:other.org:r0000",
                               "metadataPrefix": "oai_dc"})
    assert error_codes(doc) == ["idDoesNotExist"]
    ours = _oai(server, params={"verb": "GetRecord", "identifier": oai_id("r0000"),
                                "metadataPrefix": "oai_dc"})
    assert error_codes(ours) == []


@pytest.mark.parametrize("value", ["２０２０-01-01", "٢٠٢٠-01-01", "2020-01-0١",
                                   "2020-01-01T00:00:0０Z"])
def test_dates_take_ascii_digits_only(server: str, value: str) -> None:
    doc = _oai(server, params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                               "from": value})
    assert error_codes(doc) == ["badArgument"]


def test_an_overlong_argument_is_refused(server: str) -> None:
    doc = _oai(server, params={"verb": "ListRecords", "resumptionToken": "x" * 5000})
    assert error_codes(doc) == ["badArgument"]


def test_a_form_body_that_is_not_utf8_is_a_bad_argument(server: str) -> None:
    doc = _oai(server, method="POST", data=b"verb=Identify&note=caf\xe9",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error_codes(doc) == ["badArgument"]
    fine = _oai(server, method="POST", data=b"verb=Identify&x=caf%C3%A9",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error_codes(fine) == ["badArgument"]  # x is no argument of Identify
    assert "x" in fine.find(f"{OAI}error").text
    plain = _oai(server, method="POST", data=b"verb=Identify",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error_codes(plain) == []


# -- 7. information leaks: see tests/datacite_client/test_doi_api_cli.py ------
# (guests see neither send errors nor a draft DOI in GET /api/records/<id>/doi)


# -- 6. URLs users will click -------------------------------------------------
HOSTILE_LINKS = ["javascript:alert(1)", "JavaScript:alert(2)", " javascript:alert(3)",
                 "data:text/html,<script>alert(4)</script>", "vbscript:x", "https:///nohost"]


def test_only_web_urls_become_links(services: Services, server: str) -> None:
    metadata = minimal(
        rightsList=[{"rights": f"licence {i}", "rightsUri": url} for i, url in enumerate(HOSTILE_LINKS)]
        + [{"rights": "CC BY 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/"}],
        creators=[{"name": "Doe, Jane", "nameType": "Personal",
                   "nameIdentifiers": [{"nameIdentifier": url, "nameIdentifierScheme": "URL"}
                                       for url in HOSTILE_LINKS]}],
    )
    services.records.create(metadata, record_id="links")
    page = get(server, "/records/links", headers={"Accept": "text/html"})
    assert page.status_code == 200
    link_header = page.headers["Link"]
    linkset = get(server, "/records/links/linkset").text
    for surface in (page.text, link_header, linkset):
        lowered = surface.lower()
        for scheme in ("javascript:", "data:text", "vbscript:", "https:///"):
            assert scheme not in lowered, (scheme, surface[:200])
    assert '<https://creativecommons.org/licenses/by/4.0/> ; rel="license"' in link_header
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page.text
    assert "licence 0" in page.text  # the text stays, as text


# -- 5. bodies ----------------------------------------------------------------
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NESTED = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/sets"), ("PUT", "/api/sets/physics"), ("POST", "/api/records/r0000/doi"),
    ("POST", "/api/records"), ("PUT", "/api/records/r0000"),
])
def test_deeply_nested_json_is_a_400_problem(server: str, method: str, path: str) -> None:
    response = requests.request(method, server + path, data=NESTED, timeout=30,
                                headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "nested" in response.json()["detail"]


def test_the_server_refuses_a_large_body_before_reading_it(sqlite_engine: Engine) -> None:
    """waitress itself answers 413: the body never reaches the application, token or not."""
    import socket

    services = make_services(sqlite_engine, base_url=BASE_URL, max_request_body_bytes=64 * 1024)
    with serve_production(services) as oai_url:
        port = urlsplit(oai_url).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            # announce 100 MB, send only the headers: the answer must not wait for the body
            conn.sendall(b"POST /api/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 104857600\r\n\r\n" + b"{" * 1024)
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        small = requests.get(f"http://127.0.0.1:{port}/api/records?size=1", timeout=30)
        assert small.status_code == 200
