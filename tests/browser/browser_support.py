"""Headless Chromium for the page tests: a served catalogue, a WebDriver session, artifacts.

Chromium is driven with Selenium through Debian's ``chromedriver`` (the
package ``chromium-driver``, which matches the installed ``chromium``);
nothing is downloaded. Locally the tests skip with the reason when either
is missing; with ``OAISERVER_TEST_REQUIRE_BROWSER=1`` (CI) that is a
failure. Screenshots go to ``test-artifacts/`` at the project root
(ignored by git), kept for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
CHROMEDRIVER = shutil.which("chromedriver")
REQUIRE_BROWSER = os.environ.get("OAISERVER_TEST_REQUIRE_BROWSER", "") not in {"", "0"}


def require(missing: str | None) -> None:
    """Skip (locally) or fail (CI) when something the browser tests need is missing."""
    if missing is None:
        return
    if REQUIRE_BROWSER:
        pytest.fail(missing + "; OAISERVER_TEST_REQUIRE_BROWSER is set")
    pytest.skip(missing)


def browser_missing() -> str | None:
    if CHROMIUM is None:
        return "headless Chromium is not installed (apt-get install chromium)"
    if CHROMEDRIVER is None:
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


@contextmanager
def chrome(profile: Path, *, javascript: bool = False) -> Iterator[object]:
    """A headless Chromium session; JavaScript off unless asked for (the pages need none)."""
    require(browser_missing())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
