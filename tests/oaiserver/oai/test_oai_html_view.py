"""The OAI-PMH browser view: HTML made on the server for browsers, XML for everyone else.

A request whose ``Accept`` prefers HTML gets the response transformed with
``oai2.xsl`` by lxml; ``*/*``, XML types, ties and no ``Accept`` get the
XML exactly as before, and every answer says ``Vary: Accept``. The real
harvesters (sickle over GET, oaipmh-scythe over POST) are checked to
receive XML, by what the server sent them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from flask import request
from lxml import etree
from oaipmh_scythe import HTTPConfig, Scythe
from sickle import Sickle

from oaiserver.http.pages.oai_view import prefers_html
from oaiserver.http.security import OAI_CSP, PAGE_CSP
from oaiserver.services import Services

from .oai_support import NS, check_response, define_sets, make_app, populate, serve, with_base_url

CHROMIUM_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                   "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
N = 20


@pytest.mark.parametrize(("accept", "html_wanted"), [
    (CHROMIUM_ACCEPT, True),
    (FIREFOX_ACCEPT, True),
    ("text/html", True),
    ("application/xhtml+xml", True),
    (None, False),
    ("", False),
    ("*/*", False),
    ("text/*", False),
    ("text/xml", False),
    ("application/xml", False),
    ("text/xml, text/html", False),           # a tie goes to XML
    ("text/html;q=0.5, text/xml", False),
    ("text/html;q=0", False),
    ("application/json", False),
    (";;;garbage", False),
])
def test_only_an_accept_preferring_html_gets_html(accept: str | None, html_wanted: bool) -> None:
    assert prefers_html(accept) is html_wanted


@pytest.fixture
def live(sqlite_services: Services) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A server with N records and sets; yields its OAI URL and (Accept, sent type) per request."""
    define_sets(sqlite_services)
    populate(sqlite_services, N)
    app = make_app(sqlite_services, validate=True)
    seen: list[tuple[str, str]] = []

    @app.after_request
    def _record(response):  # type: ignore[no-untyped-def]
        if request.path.startswith("/oai"):
            seen.append((request.headers.get("Accept", ""), response.mimetype))
        return response

    with serve(app) as url:
        with_base_url(sqlite_services, url)
        yield url, seen


def _without_date(body: bytes) -> bytes:
    """The body without what the clock writes: the response date, and the
    resumption token's expiry and text (which carry the time of the request)."""
    body = re.sub(rb"<responseDate>[^<]*</responseDate>", b"", body)
    body = re.sub(rb' expirationDate="[^"]*"', b"", body)
    return re.sub(rb"(<resumptionToken[^>]*>)[^<]*(</resumptionToken>)", rb"\1\2", body)


def test_harvesters_get_the_same_xml_as_before(live) -> None:
    url, _ = live
    query = "?verb=ListRecords&metadataPrefix=oai_dc"
    bodies = []
    for accept in (None, "*/*", "text/xml", "application/xml", "text/xml, text/html"):
        headers = {"Accept": accept} if accept else {}
        response = requests.get(url + query, headers=headers, timeout=30)
        if accept is None:  # requests sends */* unless told otherwise: send none at all
            response = requests.get(url + query, headers={"Accept": None}, timeout=30)  # type: ignore[dict-item]
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert "Accept" in response.headers["Vary"]
        assert response.headers["Content-Security-Policy"] == OAI_CSP
        check_response(response.content)
        bodies.append(_without_date(response.content))
    assert len(set(bodies)) == 1
    assert b'<?xml-stylesheet type="text/xsl"' in bodies[0]


def test_a_browser_gets_the_page_made_on_the_server(live) -> None:
    url, _ = live
    response = requests.get(f"{url}?verb=ListRecords&metadataPrefix=oai_dc",
                            headers={"Accept": CHROMIUM_ACCEPT}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "<style" not in page and "style=" not in page
    assert "xml-stylesheet" not in page
    assert '<link rel="stylesheet" href="/static/site.css">' in page
    assert "<h1>OAI-PMH: ListRecords</h1>" in page
    assert "Items 1 to 7 of 20" in re.sub(r"\s+", " ", page)
    # the same records as the XML, in the same order
    xml = requests.get(f"{url}?verb=ListRecords&metadataPrefix=oai_dc", timeout=30).content
    identifiers = [e.text for e in etree.fromstring(xml).iterfind(".//oai:header/oai:identifier", NS)]
    shown = re.findall(r"identifier=(oai:[^\"&]+)", html.unescape(page))
    assert [i for i in dict.fromkeys(shown)] == identifiers


def test_the_browser_view_pages_through_a_list(live) -> None:
    url, _ = live
    link = "?verb=ListIdentifiers&metadataPrefix=oai_dc"
    seen: list[str] = []
    pages = 0
    while link:
        page = requests.get(url + link, headers={"Accept": "text/html"}, timeout=30).text
        pages += 1
        seen += re.findall(r'verb=GetRecord&amp;metadataPrefix=oai_dc&amp;identifier=([^"&]+)"',
                           page)
        found = re.search(r'<a class="next" href="([^"]+)"', page)
        link = html.unescape(found.group(1)) if found else ""
        if not link:
            assert "This is the last page of the list." in page
    assert pages == 3 and len(seen) == N == len(set(seen))


def test_errors_and_single_records_render_too(live) -> None:
    url, _ = live
    bad = requests.get(f"{url}?verb=Nonsense", headers={"Accept": "text/html"}, timeout=30)
    assert bad.status_code == 200 and "Error badVerb" in bad.text
    one = requests.get(f"{url}?verb=GetRecord&metadataPrefix=oai_dc&identifier="
                       "oai:oaiserver.example.org:r0003", headers={"Accept": "text/html"},
                       timeout=30)
    assert "Record number 3" in one.text and 'class="xml"' in one.text


def test_sickle_and_scythe_still_get_xml(live) -> None:
    url, seen = live
    sickle_ids = [r.header.identifier for r in Sickle(url).ListRecords(metadataPrefix="oai_dc")]
    with Scythe(url, http_config=HTTPConfig(http_method="POST")) as scythe:
        scythe_ids = [r.header.identifier for r in scythe.list_records(metadata_prefix="oai_dc")]
    assert len(sickle_ids) == len(scythe_ids) == N
    assert len(seen) >= 6  # three pages each
    assert {mimetype for _, mimetype in seen} == {"text/xml"}
