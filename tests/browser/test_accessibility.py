"""Accessibility: axe-core (``@axe-core/cli``) finds no serious or critical violation.

The pages checked: home, a search with facets, a search with a query error,
a record, the sets and the OAI-PMH view (one set and the API documentation
share their markup; each page costs about two seconds of the suite).
``@axe-core/cli`` is installed from ``tests/browser/package.json`` (the
lock file pins it) with ``CHROMEDRIVER_SKIP_DOWNLOAD=true``: its own driver
download cannot work offline and would not match Debian's Chromium, so it
is pointed at Debian's ``chromedriver`` and ``chromium``. The full results
(every impact) are kept in ``test-artifacts/axe-results.json``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import migrated_engine
from tests.oaiserver.http.site_support import fill, site
from tests.oaiserver.oai.oai_support import make_services

from .browser_support import ARTIFACTS, CHROMEDRIVER, CHROMIUM, browser_missing, require

pytestmark = [pytest.mark.browser]

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / ".bin" / "axe"
PAGES = [
    "/",
    "/search?q=ocean",
    "/search?q=titles.title%3A(ocean",
    "/records/s0000",
    "/sets",
    "/oai?verb=ListRecords&metadataPrefix=oai_dc",
]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(browser_missing())
    require(None if AXE.exists() else
            "@axe-core/cli is not installed (cd tests/browser && "
            "CHROMEDRIVER_SKIP_DOWNLOAD=true npm ci)")
    for engine in migrated_engine("sqlite", tmp_path_factory.mktemp("axe")):
        services = make_services(engine)
        fill(services)
        with site(services) as url:
            yield url


def test_no_serious_or_critical_violations(base: str, tmp_path: Path) -> None:
    command = [str(AXE), *(base + page for page in PAGES),
               "--chromedriver-path", str(CHROMEDRIVER), "--chrome-path", str(CHROMIUM),
               "--chrome-options", "headless,no-sandbox,disable-gpu,disable-dev-shm-usage",
               "--save", "axe-results.json", "--dir", str(tmp_path), "--no-reporter",
               "--show-errors", "true"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    saved = tmp_path / "axe-results.json"
    assert done.returncode == 0 and saved.exists(), done.stdout + done.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(saved.read_text(encoding="utf-8"),
                                                encoding="utf-8")
    results = json.loads(saved.read_text(encoding="utf-8"))
    assert [r["url"] for r in results] == [base + page for page in PAGES]
    for result in results:
        assert result["passes"], f"axe ran no rule on {result['url']}"  # it did check something
    blocking = [
        f"{result['url']}: {violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for result in results for violation in result["violations"]
        if violation["impact"] in BLOCKING
    ]
    assert blocking == []
