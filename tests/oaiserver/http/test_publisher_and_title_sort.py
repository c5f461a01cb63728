"""The publisher facet and the title sort over HTTP, on both databases.

A catalogue of records with known publishers and titles is served on
127.0.0.1; the REST search (``GET /api/records``) and the ``/search`` page
are checked against what the catalogue holds, and against each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from lxml import html as lxml_html

from oaiserver.http.pages import search_page
from oaiserver.services import Services
from tests.conftest import BOTH_DATABASES
from tests.databases import migrated_engine
from tests.oaiserver.oai.oai_support import make_services
from tests.sample_metadata import minimal

from .site_support import site

#: publisher names as written; the two spellings of Zenodo are one value (any case)
PUBLISHERS = ("Zenodo", "GFZ Data Services", "ZENODO", "PANGAEA", "Example Data Centre")
#: titles in mixed case, with ties in all but case (the id breaks them)
TITLES = ("beta waves", "Alpha particles", "gamma rays", "Beta Waves", "delta rivers",
          "ALPHA PARTICLES", "epsilon", "Zeta functions", "eta", "alpha particles",
          "Theta rhythm", "iota")
N = 24
HTML = {"Accept": "text/html"}


def metadata(i: int) -> dict[str, Any]:
    titles = [{"title": TITLES[i % len(TITLES)] + f" {i % 3}"}]
    if i % 4 == 0:  # a subtitle first: the main title is the one without a titleType
        titles.insert(0, {"title": "Aaa a subtitle", "titleType": "Subtitle"})
    doc = minimal(titles=titles, doi=f"10.5072/pub.{i}")
    if i % 7 == 6:
        del doc["publisher"]  # no publisher: counted nowhere
    else:
        doc["publisher"] = {"name": PUBLISHERS[i % len(PUBLISHERS)]}
    return doc


def main_title(i: int) -> str:
    return next(t["title"] for t in metadata(i)["titles"] if "titleType" not in t)


def publisher_counts() -> Counter[str]:
    """Records per publisher, names compared case-insensitively."""
    return Counter(metadata(i)["publisher"]["name"].casefold()
                   for i in range(N) if "publisher" in metadata(i))


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def base(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for engine in migrated_engine(request.param, tmp_path_factory.mktemp("pub")):
        services: Services = make_services(engine)
        services.sets.create("zenodo", name="Zenodo", query='publisher:"zenodo"')
        for i in range(N):
            services.records.create(metadata(i), record_id=f"p{i:04d}")
        with site(services) as url:
            yield url


def api(base: str, **params: Any) -> dict[str, Any]:
    response = requests.get(base + "/api/records", params=params, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def page(url: str, **params: Any) -> lxml_html.HtmlElement:
    response = requests.get(url, params=params, headers=HTML, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return lxml_html.fromstring(response.text)


def page_total(tree: lxml_html.HtmlElement) -> int:
    (shown,) = tree.xpath("//*[@class='total']")
    return int(shown.text_content().strip().replace(",", ""))


def test_the_publisher_facet_counts_the_records_and_its_links_narrow(base: str) -> None:
    buckets = api(base, sort="newest", size=1)["aggregations"]["publisher"]["buckets"]
    assert {b["key"]: b["doc_count"] for b in buckets} == dict(publisher_counts())
    # labels are names as written, never the folded key
    written = {metadata(i)["publisher"]["name"] for i in range(N) if "publisher" in metadata(i)}
    assert all(b["label"] in written for b in buckets)

    tree = page(base + "/search")
    links = tree.xpath("//section[@data-facet='publisher']//li")
    shown = {" ".join(li.xpath("a")[0].text_content().split()):
             int(li.xpath("span[@class='count']/text()")[0]) for li in links}
    assert shown == {b["label"]: b["doc_count"] for b in buckets}  # page and REST agree
    for li in links:
        count = int(li.xpath("span[@class='count']/text()")[0])
        narrowed = page(base + li.xpath("a/@href")[0])
        assert page_total(narrowed) == count
        key = next(b["key"] for b in buckets if b["doc_count"] == count
                   and b["label"] == " ".join(li.xpath("a")[0].text_content().split()))
        found = api(base, publisher=key, size=100, facets=0)
        assert found["hits"]["total"] == count
        assert {h["metadata"]["publisher"]["name"].casefold() for h in found["hits"]["hits"]} \
            == {key}
        # the narrowed page shows the filter as active, with a link that widens again
        label = " ".join(li.xpath("a")[0].text_content().split())
        assert texts_of(narrowed, "//ul[@class='filters']/li") == [f"Publisher: {label} ✕"]
        assert texts_of(narrowed, "//section[@data-facet='publisher']//a[@aria-current]") \
            == [f"✓ {label}"]


def test_publisher_is_a_query_field_for_searches_and_sets(base: str) -> None:
    zenodo = publisher_counts()["zenodo"]
    assert zenodo > 0
    assert api(base, q='publisher:"Zenodo"', facets=0)["hits"]["total"] == zenodo
    assert api(base, q="publisher:zeno*", facets=0)["hits"]["total"] == zenodo
    # the whole name, not its words: "Data" alone matches no publisher
    assert api(base, q="publisher:data", facets=0)["hits"]["total"] == 0
    assert api(base, q='publisher:"gfz data services"', facets=0)["hits"]["total"] == \
        publisher_counts()["gfz data services"]
    tree = page(base + "/sets/zenodo")
    assert texts_of(tree, "//a[@class='members']") == [f"{zenodo} records"]
    listed = requests.get(base + "/oai", params={"verb": "ListIdentifiers", "set": "zenodo",
                                                 "metadataPrefix": "oai_dc"}, timeout=30).text
    assert listed.count("<identifier>") == min(zenodo, 7)


def expected_title_order() -> list[str]:
    return [f"p{i:04d}" for i in sorted(range(N), key=lambda i: (main_title(i).casefold(),
                                                                   f"p{i:04d}"))]


def test_title_sort_pages_through_every_record_once_in_order(base: str) -> None:
    seen: list[str] = []
    body = api(base, sort="title", size=5, facets=0)
    pages = 1
    while True:
        assert body["sort"] == "title"
        seen += [h["id"] for h in body["hits"]["hits"]]
        nxt = body["links"].get("next")
        if not nxt:
            break
        response = requests.get(nxt, timeout=30)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        pages += 1
    assert pages == -(-N // 5)
    assert seen == expected_title_order()


def test_title_sort_on_the_search_page(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = page(base + "/search", sort="title")
    assert tree.xpath("//select[@id='sort']/option[@value='title']/@selected") != []
    seen: list[str] = []
    while True:
        seen += [h.rsplit("/", 1)[1] for h in tree.xpath("//h3/a/@href")
                 if "/records/" in h]
        nxt = tree.xpath("//a[@rel='next']/@href")
        if not nxt:
            break
        tree = page(base + nxt[0])
    assert seen == expected_title_order()
    # narrowed by a publisher, still in title order
    zenodo = [i for i in expected_title_order()
              if metadata(int(i[1:])).get("publisher", {}).get("name", "").casefold() == "zenodo"]
    narrowed = page(base + "/search", sort="title", publisher="Zenodo")
    assert [h.rsplit("/", 1)[1] for h in narrowed.xpath("//h3/a/@href")
            if "/records/" in h] == zenodo
    assert search_page.SORT_LABELS["title"] in texts_of(narrowed, "//select[@id='sort']/option")


def texts_of(tree: lxml_html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def test_a_bad_sort_is_a_clear_400(base: str) -> None:
    response = requests.get(base + "/api/records", params={"sort": "sideways"}, timeout=30)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "sideways" in response.text and "title" in response.text
    shown = requests.get(base + "/search", params={"sort": "sideways"}, headers=HTML, timeout=30)
    assert shown.status_code == 400
    (alert,) = lxml_html.fromstring(shown.text).xpath("//*[@role='alert']")
    assert "there is no sort 'sideways'" in alert.text_content()
    assert "title (a to z)" in alert.text_content()
    # a cursor of another sort is refused, not misread
    newest = api(base, sort="newest", size=2, facets=0)["links"]["next"]
    cursor = newest.split("page=")[1]
    wrong = requests.get(base + "/api/records", params={"sort": "title", "page": cursor},
                         timeout=30)
    assert wrong.status_code == 400 and "cursor" in wrong.text


def test_the_openapi_description_names_the_facet_and_the_sort(base: str) -> None:
    spec = requests.get(base + "/api/openapi.json", timeout=30).json()
    params = {p["name"]: p for p in spec["paths"]["/api/records"]["get"]["parameters"]}
    assert "title" in params["sort"]["schema"]["enum"]
    assert "`publisher`" in params["publisher"]["description"]
