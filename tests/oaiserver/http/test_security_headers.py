"""Security headers and CORS over HTTP; the Content-Security-Policy checked in Chromium.

The CSP must be strict and still let the pages work: Chromium, with its
console logged, opens the landing page and the OAI-PMH browser view and must
report no violation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from oaiserver.http.security import LANDING_CSP, OAI_CSP
from oaiserver.services import Services
from tests.oaiserver.oai.oai_support import make_app, make_services, populate, serve

TOKEN = "headers-token"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
REQUIRE_BROWSER = os.environ.get("OAISERVER_TEST_REQUIRE_BROWSER", "") not in {"", "0"}


@pytest.fixture
def services(sqlite_engine: Engine) -> Services:
    services = make_services(sqlite_engine, api_tokens=[TOKEN])
    populate(services, 2)
    return services


@pytest.fixture
def base(services: Services) -> Iterator[str]:
    with serve(make_app(services)) as oai_url:
        yield oai_url.removesuffix("/oai")


def test_html_pages_carry_a_strict_policy(base: str) -> None:
    page = requests.get(f"{base}/records/r0000", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Content-Security-Policy"] == LANDING_CSP
    assert "default-src 'none'" in LANDING_CSP and "unsafe" not in LANDING_CSP
    assert "script-src" not in LANDING_CSP  # no script at all (JSON-LD is data, not script)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    oai = requests.get(f"{base}/oai?verb=Identify", timeout=30)
    assert oai.headers["Content-Security-Policy"] == OAI_CSP
    assert "frame-ancestors 'none'" in OAI_CSP


@pytest.mark.parametrize("path", ["/api/records", "/api/records/r0000", "/records/r0000",
                                  "/records/r0000/export/bibtex", "/oai?verb=Identify",
                                  "/api/sets", "/records/r0000/linkset"])
def test_public_reads_allow_any_origin(base: str, path: str) -> None:
    response = requests.get(base + path, headers={"Origin": "https://tool.example"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Link" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_writes_get_no_cors_headers(base: str) -> None:
    response = requests.post(f"{base}/api/records", json={"metadata": {}}, timeout=30,
                             headers={"Origin": "https://tool.example",
                                      "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201  # validation is off in these services
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _console(tmp_path: Path, url: str) -> tuple[str, list[str]]:
    command = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--no-first-run",
               f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
               "--dump-dom", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)
    violations = [line for line in done.stderr.splitlines()
                  if "Content Security Policy" in line]
    return done.stdout, violations


@pytest.mark.browser
def test_the_pages_work_under_their_policy_in_chromium(base: str, tmp_path: Path) -> None:
    if CHROMIUM is None:
        reason = "headless Chromium is not installed (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(reason + "; OAISERVER_TEST_REQUIRE_BROWSER is set")
        pytest.skip(reason)
    dom, violations = _console(tmp_path, f"{base}/records/r0000")
    assert "Record number 0" in dom
    assert violations == []
    dom, violations = _console(tmp_path, f"{base}/oai?verb=Identify")
    assert "oaiserver.example.org" in dom and "<table" in dom  # the OAI view, made on the server
    assert violations == []
