"""A person opening /oai in a browser sees readable pages (oai2.xsl) with a next-page link.

The browser asks for HTML, so the server runs the stylesheet itself (lxml)
and sends an HTML page in the site's layout: nothing depends on XSLT in the
browser. Runs headless Chromium against a live server on 127.0.0.1. Skipped
with a reason when Chromium is not installed (CI installs the Debian
``chromium``).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from .oai_support import define_sets, make_app, populate, serve, with_base_url

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)

# CI (OAISERVER_TEST_REQUIRE_BROWSER=1) installs Chromium: there a missing browser is a failure.
REQUIRE_BROWSER = os.environ.get("OAISERVER_TEST_REQUIRE_BROWSER", "") not in {"", "0"}


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if CHROMIUM is None:
        reason = "headless Chromium is not installed (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(reason + "; OAISERVER_TEST_REQUIRE_BROWSER is set")
        pytest.skip(reason)


pytestmark = [pytest.mark.browser]


def text(dom: str) -> str:
    return re.sub(r"\s+", " ", dom)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


def png_pixel_bytes(path: Path) -> bytes:
    """The decompressed image data of a PNG (filter bytes included): enough to see variety."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


@pytest.fixture
def live(sqlite_services):
    define_sets(sqlite_services)
    populate(sqlite_services, 20)
    with serve(make_app(sqlite_services)) as url:
        with_base_url(sqlite_services, url)
        yield url


def test_identify_page_is_readable(live: str, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", f"{live}?verb=Identify").stdout
    assert "<h1>OAI-PMH: Identify</h1>" in dom
    assert 'class="site-search"' in dom  # the site's layout: rendered by the server
    assert "oaiserver demo repository" in dom
    assert "Earliest datestamp" in dom and "persistent" in dom

    shot = tmp_path / "identify.png"
    chromium(tmp_path, f"--screenshot={shot}", f"{live}?verb=Identify")
    pixels = png_pixel_bytes(shot)
    assert len(set(pixels)) > 16, "the screenshot is not blank"


def test_list_pages_link_to_the_next_page(live: str, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", f"{live}?verb=ListRecords&metadataPrefix=oai_dc").stdout
    assert "Items 1 to 7 of 20" in text(dom)
    assert "Record number 0" in dom
    match = re.search(r'<a class="next" href="([^"]+)"', dom)
    assert match, "a next-page link"
    href = html.unescape(match.group(1))
    assert href.startswith("?verb=ListRecords&resumptionToken=")
    page2 = chromium(tmp_path, "--dump-dom", live + href).stdout
    assert "Items 8 to 14 of 20" in text(page2)
    assert "Record number 7" in page2
