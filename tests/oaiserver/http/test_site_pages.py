"""The web pages over HTTP on both databases: home, search, sets, the record's sets, the layout.

A catalogue of 30 records with known facet values (``site_support``) is
served on 127.0.0.1; the pages are parsed with lxml.html and their numbers
checked against what the catalogue holds and what the REST search answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from lxml import html as lxml_html
from sqlalchemy import Engine

from oaiserver.http.pages import search_page
from oaiserver.http.security import PAGE_CSP
from oaiserver.services import Services
from tests.conftest import BOTH_DATABASES
from tests.databases import migrated_engine
from tests.oaiserver.oai.oai_support import make_app, make_services

from .site_support import SETS, TYPES, N, expected, fill, site

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def base(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """On both databases, once a module (the tests only read): the pages whose
    numbers come from the search and the sets."""
    yield from _served(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def sqlite_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _served("sqlite", tmp_path_factory)


def _served(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for engine in migrated_engine(kind, tmp_path_factory.mktemp("site")):
        services: Services = make_services(engine)
        fill(services)
        with site(services) as url:
            yield url


def get(url: str, **params: object) -> requests.Response:
    return requests.get(url, params=params, headers=HTML, timeout=30)  # type: ignore[arg-type]


def page(url: str, **params: object) -> lxml_html.HtmlElement:
    response = get(url, **params)
    assert response.status_code == 200, response.text[:500]
    return lxml_html.fromstring(response.text)


def texts(tree: lxml_html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def total(tree: lxml_html.HtmlElement) -> int:
    (shown,) = texts(tree, "//*[@class='total']")
    return int(shown.replace(",", ""))


def assert_page_rules(response: requests.Response) -> None:
    """Every page: HTML, the strict policy, the layout, no script but JSON-LD, no inline style."""
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    body = response.text
    assert re.findall(r"<script(?![^>]*application/ld\+json)", body) == []
    assert "<style" not in body and not re.search(r"\sstyle=", body)
    tree = lxml_html.fromstring(body)
    assert tree.xpath("//header//form[@role='search']/input[@name='q']")
    assert [a.get("href") for a in tree.xpath("//nav[@aria-label='Main']//a")] == [
        "/search", "/sets", "/oai?verb=Identify", "/api/docs"]
    assert tree.xpath("//footer") and len(tree.xpath("//main")) == 1
    assert tree.xpath("//h1")


def test_home(sqlite_base: str) -> None:
    response = get(sqlite_base + "/")
    assert_page_rules(response)
    assert "Accept" in response.headers["Vary"]
    tree = lxml_html.fromstring(response.text)
    assert texts(tree, "//h1") == ["oaiserver demo repository"]
    assert texts(tree, "//*[@class='record-count']") == [str(N)]
    # the newest first: created last
    assert tree.xpath("//section[@aria-labelledby='newest-heading']//h3/a/@href")[:2] == [
        f"/records/s{N - 1:04d}", f"/records/s{N - 2:04d}"]
    sets = dict(zip(tree.xpath("//section[@aria-labelledby='sets-heading']//li/a/text()"),
                    tree.xpath("//section[@aria-labelledby='sets-heading']//li/span/text()"),
                    strict=True))
    assert sets["Software"] == f"({expected('resource_type')['Software']})"
    assert f"{sqlite_base}/oai" in texts(tree, "//pre[@class='oai-base']")[0]
    assert "oai_datacite" in response.text and "from sickle import Sickle" in response.text


def test_home_answers_json_to_json_clients(sqlite_base: str) -> None:
    response = requests.get(sqlite_base + "/", headers={"Accept": "application/json"}, timeout=30)
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["links"]["oai"] == f"{sqlite_base}/oai?verb=Identify"
    assert requests.get(sqlite_base + "/", timeout=30).headers["Content-Type"].startswith("text/html")


def test_facets_count_what_the_catalogue_holds(base: str) -> None:
    tree = page(base + "/search")
    assert total(tree) == N
    for name in ("resource_type", "year", "language", "subject"):
        shown = {
            " ".join(li.xpath("a")[0].text_content().split()):
                int(li.xpath("span[@class='count']/text()")[0])
            for li in tree.xpath(f"//section[@data-facet='{name}']//li")}
        assert shown == dict(expected(name)), name


def test_following_facet_links_narrows_the_results(base: str) -> None:
    tree = page(base + "/search", q="ocean")
    ocean = total(tree)
    assert ocean == expected("subject")["ocean"]
    (link,) = tree.xpath("//section[@data-facet='resource_type']//a[normalize-space()='Dataset']")
    count = int(link.getparent().xpath("span[@class='count']/text()")[0])
    narrowed = page(base + link.get("href"))
    assert total(narrowed) == count
    assert count == sum(1 for i in range(N) if i % 2 == 0 and TYPES[i % 3] == "Dataset")
    assert narrowed.xpath("//input[@id='q']/@value") == ["ocean"]
    # a second facet narrows again; the filter list offers to remove each
    (year,) = narrowed.xpath("//section[@data-facet='year']//li/a")[:1]
    year_count = int(year.getparent().xpath("span[@class='count']/text()")[0])
    twice = page(base + year.get("href"))
    assert total(twice) == year_count
    removals = twice.xpath("//ul[@class='filters']//a/@href")
    assert len(removals) == 2
    assert total(page(base + removals[0])) >= year_count
    # the REST API's search agrees (one query path)
    params = parse_qs(urlsplit(year.get("href")).query)
    api = requests.get(base + "/api/records", params=params, timeout=30).json()
    assert api["hits"]["total"] == year_count


def test_pages_walk_every_hit_once(base: str) -> None:
    for sort in ("newest", "relevance"):
        url, seen, starts = f"/search?q=observations&sort={sort}", [], []
        while url:
            tree = page(base + url)
            heading = texts(tree, "//h2[@id='results-heading']")[0]
            starts.append(int(re.search(r", (\d+) to", heading).group(1)))
            seen += tree.xpath("//ol[@class='hits']//h3/a/@href")
            nxt = tree.xpath("//a[@rel='next']/@href")
            url = nxt[0] if nxt else ""
        assert len(seen) == len(set(seen)) == N, sort
        assert starts == [1, 21], sort
    newest = page(base + "/search", sort="newest").xpath("//ol[@class='hits']//h3/a/@href")
    assert newest[0] == f"/records/s{N - 1:04d}"


def test_relevance_pages_stop_at_the_window(sqlite_base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_page, "PAGE_SIZE", 5)
    monkeypatch.setattr(search_page, "RELEVANCE_WINDOW", 10)
    first = page(sqlite_base + "/search", q="ocean")
    second = page(sqlite_base + first.xpath("//a[@rel='next']/@href")[0])
    assert second.xpath("//a[@rel='next']") == []
    assert "end after the first 10,000" in second.text_content()
    by_date = page(sqlite_base + "/search", q="ocean", sort="newest")
    assert by_date.xpath("//a[@rel='next']")
    beyond = get(sqlite_base + "/search", q="ocean", start="10", page="x")
    assert beyond.status_code == 400 and "sort by newest, oldest or title" in beyond.text


@pytest.mark.parametrize(("q", "position"), [("titles.title:(ocean", 19), ('"ocean', 0),
                                             ("ocean AND", 9)])
def test_a_query_error_is_a_friendly_message(sqlite_base: str, q: str, position: int) -> None:
    response = get(sqlite_base + "/search", q=q)
    assert response.status_code == 400
    assert_page_rules(response)
    tree = lxml_html.fromstring(response.text)
    (alert,) = tree.xpath("//*[@role='alert']")
    assert "That search could not be run" in alert.text_content()
    assert "syntax error" in texts(alert, ".//*[@class='error-message']")[0]
    (marked,) = alert.xpath(".//pre[@class='error-position']/text()")
    line, caret = marked.split("\n")
    assert line == q and caret == " " * position + "^"
    assert tree.xpath("//input[@id='q']/@value") == [q]


@pytest.mark.parametrize("params", [{"q": "ocean\x01"}, {"sort": "sideways"},
                                    {"year": "\x00"}, {"page": "not-a-cursor"}])
def test_other_bad_arguments_are_messages_too(sqlite_base: str, params: dict[str, str]) -> None:
    response = get(sqlite_base + "/search", **params)
    assert response.status_code == 400
    assert lxml_html.fromstring(response.text).xpath("//*[@role='alert']")


def test_sets_pages(base: str) -> None:
    response = get(base + "/sets")
    assert_page_rules(response)
    tree = lxml_html.fromstring(response.text)
    assert texts(tree, "//ul[@class='set-list']/li/h2") == sorted(
        (name for _, name, _, _ in SETS), key=lambda n: {s[1]: s[0] for s in SETS}[n])
    for spec, name, query, _ in SETS:
        one = get(base + f"/sets/{spec}")
        assert_page_rules(one)
        detail = lxml_html.fromstring(one.text)
        assert texts(detail, "//h1") == [name]
        members = int(texts(detail, "//a[@class='members']")[0].split()[0])
        # the count links to a search that finds exactly those records
        assert total(page(base + detail.xpath("//a[@class='members']/@href")[0])) == members
        assert detail.xpath("//a[@class='query']/code/text()") == [query]
        oai = detail.xpath("//a[@class='oai']/@href")[0]
        listed = requests.get(base + oai.replace("ListRecords", "ListIdentifiers"),
                              timeout=30).text
        assert listed.count("<identifier>") == min(members, 7) and members > 0
    ocean = lxml_html.fromstring(get(base + "/sets/ocean").text)
    assert texts(ocean, "//a[@class='members']")[0] == f"{expected('subject')['ocean']} records"
    assert ocean.xpath("//a[@href='/sets/ocean:data']")
    missing = get(base + "/sets/nope")
    assert missing.status_code == 404
    assert "no set 'nope'" in lxml_html.fromstring(missing.text).text_content()
    assert_page_rules(missing)


def test_a_record_page_shows_its_sets_in_the_layout(sqlite_base: str) -> None:
    response = get(sqlite_base + "/records/s0000")  # ocean, Dataset: in ocean and ocean:data
    assert_page_rules(response)
    tree = lxml_html.fromstring(response.text)
    assert tree.xpath("//ul[@class='record-sets']//a/@href") == ["/sets/ocean", "/sets/ocean:data"]
    assert tree.xpath("//script[@type='application/ld+json']")
    other = lxml_html.fromstring(get(sqlite_base + "/records/s0003").text)  # climate, Dataset
    assert other.xpath("//ul[@class='record-sets']") == []
    assert "This record is in no set." in other.text_content()


def test_the_stylesheet_is_served(sqlite_base: str) -> None:
    response = requests.get(sqlite_base + "/static/site.css", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/css")
    assert "@media (max-width: 48rem)" in response.text


def test_a_filter_written_in_another_case_is_the_facet_value(sqlite_base: str) -> None:
    """Facet keys compare as keyword values do (case-folded): ``Dataset`` is ``dataset``."""
    tree = page(sqlite_base + "/search", resource_type="Dataset")
    assert total(tree) == expected("resource_type")["Dataset"]
    (chosen,) = tree.xpath("//section[@data-facet='resource_type']//a[@aria-current='true']")
    assert "Dataset" in chosen.text_content()
    assert total(page(sqlite_base + chosen.get("href"))) == N  # following it takes it off
    (removal,) = tree.xpath("//ul[@class='filters']//a/@href")
    assert total(page(sqlite_base + removal)) == N


def test_an_empty_repository_has_pages_too(sqlite_engine: Engine) -> None:
    services = make_services(sqlite_engine, repository_description="Nothing here yet.")
    with site(services) as url:
        home = get(url + "/")
        assert_page_rules(home)
        tree = lxml_html.fromstring(home.text)
        assert texts(tree, "//p[@class='intro']") == ["Nothing here yet."]
        assert texts(tree, "//*[@class='record-count']") == ["0"]
        assert "No records yet." in home.text and "No sets are defined." in home.text
        search = get(url + "/search", q="anything")
        assert search.status_code == 200 and "No records found" in search.text
        assert "No sets are defined yet." in get(url + "/sets").text


def test_links_follow_the_base_url_path_behind_a_proxy(sqlite_engine: Engine) -> None:
    """Mounted under a prefix (a proxy serving /data/ -> this server), links keep the prefix."""
    services = make_services(sqlite_engine, base_url="https://repo.example.org/data")
    fill(services)
    client = make_app(services).test_client()
    for path in ("/", "/search?q=ocean", "/sets/ocean", "/records/s0000",
                 "/oai?verb=Identify"):
        tree = lxml_html.fromstring(client.get(path, headers=HTML).get_data(as_text=True))
        assert tree.xpath("//link[@rel='stylesheet']/@href") == ["/data/static/site.css"], path
        inside = [h for h in tree.xpath("//a/@href") if h.startswith("/")]
        assert inside and all(h.startswith("/data/") for h in inside), (path, inside)


def test_a_set_link_narrows_the_search_to_its_members(base: str) -> None:
    tree = page(base + "/search", q="observations")
    assert total(tree) == N
    links = {" ".join(a.text_content().split()): a.get("href")
             for a in tree.xpath("//section[@data-facet='set']//a")}
    assert set(links) == {name for _, name, _, _ in SETS}
    ocean_data = page(base + links["Ocean data"])
    assert total(ocean_data) == sum(1 for i in range(N) if i % 2 == 0 and TYPES[i % 3] == "Dataset")
    # with a facet on top, and the parent set holding its part's records too
    ocean = page(base + links["Ocean"])
    assert total(ocean) == expected("subject")["ocean"]
    (dataset,) = ocean.xpath("//section[@data-facet='resource_type']//a[normalize-space()='Dataset']")
    assert total(page(base + dataset.get("href"))) == total(ocean_data)
    assert [a.text_content().split()[0] for a in ocean.xpath("//ul[@class='filters']//a")] == ["Set:"]


def test_set_filters_keep_query_errors_where_they_were_typed(sqlite_base: str) -> None:
    response = get(sqlite_base + "/search", q="ocean AND", set="ocean")
    assert response.status_code == 400
    (marked,) = lxml_html.fromstring(response.text).xpath("//pre[@class='error-position']/text()")
    assert marked.split("\n") == ["ocean AND", " " * 9 + "^"]
    unknown = get(sqlite_base + "/search", set="nope")
    assert unknown.status_code == 400 and "there is no set" in unknown.text
