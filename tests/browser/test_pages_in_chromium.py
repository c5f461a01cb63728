"""The web pages in headless Chromium, with JavaScript off: what a person sees.

- every page at 1280 and 375 pixels wide: no horizontal scrolling, no
  Content-Security-Policy report in the console, a screenshot kept in
  ``test-artifacts/screenshots/`` (looked at by a person, not compared);
- following a facet link narrows the results to the count it showed;
- a query typed into the search box with a syntax error shows the message
  with the position (the form submits under the CSP's ``form-action``);
- the OAI-PMH view pages through a list with its resumption links.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.databases import migrated_engine
from tests.oaiserver.http.site_support import N, expected, fill, site
from tests.oaiserver.oai.oai_support import make_services

from .browser_support import ARTIFACTS, browser_missing, chrome, require

pytestmark = [pytest.mark.browser]

SHOTS = ARTIFACTS / "screenshots"
PAGES = {
    "home": "/",
    "search": "/search?q=ocean&resource_type=Dataset",
    "search-error": "/search?q=titles.title%3A(ocean",
    "sets": "/sets",
    "set": "/sets/ocean",
    "record": "/records/s0000",
    "oai": "/oai?verb=ListRecords&metadataPrefix=oai_dc",
    "oai-identify": "/oai?verb=Identify",
    "api-docs": "/api/docs",
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(browser_missing())
    for engine in migrated_engine("sqlite", tmp_path_factory.mktemp("pages")):
        services = make_services(engine)
        fill(services)
        with site(services) as url:
            yield url


@pytest.fixture(scope="module")
def driver(base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chrome(tmp_path_factory.mktemp("profile")) as session:
        yield session


def png_size_and_variety(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the pixel data): enough to see a real image."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def csp_reports(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"]]


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_fits_and_is_kept_as_a_screenshot(base: str, driver: Any, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(width, 900)
    csp_reports(driver)  # clear the log
    for name, path in PAGES.items():
        driver.get(base + path)
        viewport = driver.execute_cdp_cmd("Runtime.evaluate", {
            "expression": "[document.documentElement.clientWidth,"
                          " document.documentElement.scrollWidth,"
                          " document.documentElement.scrollHeight]",
            "returnByValue": True})["result"]["value"]
        client, scroll, height = viewport
        assert client == width, (name, viewport)
        assert scroll <= client, f"{name} scrolls sideways at {width} px: {scroll} > {client}"
        assert driver.find_elements("css selector", "header .site-search input[name=q]"), name
        # the stylesheet applied (the header's background is ours, not the default)
        header = driver.find_element("css selector", "header.site-header")
        assert header.value_of_css_property("background-color") == "rgba(18, 60, 104, 1)", name
        shot = SHOTS / f"{name}-{width}.png"
        driver.set_window_size(width, min(max(height, 900), 6000))
        driver.save_screenshot(str(shot))
        driver.set_window_size(width, 900)
        shot_width, shot_height, variety = png_size_and_variety(shot)
        assert shot_width == width and shot_height >= 600 and variety > 16, name
    assert csp_reports(driver) == []


def _total(driver: Any) -> int:
    return int(driver.find_element("css selector", ".total").text.replace(",", ""))


def test_following_a_facet_link_narrows_the_results(base: str, driver: Any) -> None:
    driver.set_window_size(1280, 900)
    driver.get(base + "/search?q=ocean")
    assert _total(driver) == expected("subject")["ocean"]
    item = driver.find_element(
        "xpath", "//section[@data-facet='year']//li[a[normalize-space()='2022']]")
    shown = int(item.find_element("css selector", ".count").text)
    item.find_element("tag name", "a").click()
    assert "year=2022" in driver.current_url
    assert _total(driver) == shown
    assert shown == sum(1 for i in range(N) if i % 2 == 0 and i % 5 == 3)
    hits = driver.find_elements("css selector", "ol.hits li.hit")
    assert len(hits) == shown and all("2022" in h.text for h in hits)
    # and the filter can be taken off again
    driver.find_element("css selector", "ul.filters a").click()
    assert _total(driver) == expected("subject")["ocean"]


def test_a_syntax_error_shows_the_message(base: str, driver: Any) -> None:
    driver.set_window_size(375, 900)
    driver.get(base + "/")
    box = driver.find_element("css selector", "#home-q")
    box.send_keys("titles.title:(ocean")
    box.submit()
    alert = driver.find_element("css selector", "[role=alert]")
    assert "That search could not be run" in alert.text
    assert "syntax error" in alert.text and "At character 20" in alert.text
    marked = driver.find_element("css selector", "pre.error-position").text.split("\n")
    assert marked == ["titles.title:(ocean", " " * 19 + "^"]
    assert csp_reports(driver) == []


def test_the_oai_view_pages_through_a_list(base: str, driver: Any) -> None:
    driver.set_window_size(1280, 900)
    driver.get(base + "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc")
    assert driver.find_element("tag name", "h1").text == "OAI-PMH: ListIdentifiers"
    seen: list[str] = []
    summaries = []
    while True:
        summary = re.search(r"Items \d+ to \d+ of \d+", driver.find_element("tag name", "main").text)
        assert summary, "the page says which items it shows"
        summaries.append(summary.group(0))
        seen += [a.text for a in driver.find_elements(
            "xpath", "//div[@class='item']//a[starts-with(@href, '?verb=GetRecord')]")]
        following = driver.find_elements("css selector", "a.next")
        if not following:
            break
        following[0].click()
    assert "This is the last page of the list." in driver.find_element("tag name", "main").text
    assert summaries == ["Items 1 to 7 of 30", "Items 8 to 14 of 30", "Items 15 to 21 of 30",
                         "Items 22 to 28 of 30", "Items 29 to 30 of 30"]
    assert len(seen) == len(set(seen)) == N
