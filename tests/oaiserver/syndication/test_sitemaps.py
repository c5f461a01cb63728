"""Sitemaps over HTTP: the index and every page valid against the sitemaps.org XSDs,
pages as fixed keyset ranges, robots.txt read by Python's own robots.txt parser."""

from __future__ import annotations

import urllib.robotparser
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from oaiserver.config import ConfigError, load_config
from repository_core.store import RecordStore
from repository_core.syndication import PageRangeCache, page_ranges
from tests.oaiserver.oai.oai_support import make_app

from .support import SM, add_records, get, locs, repository, site, valid


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_a_thousand_records_at_400_a_page_give_three_valid_pages(sqlite_engine: Engine) -> None:
    """On SQLite only: writing 1,000 records costs seconds; the ranges' SQL is checked
    on both databases below."""
    services = repository(sqlite_engine, sitemap_page_size=400)
    ids = add_records(services, 1000)
    with site(services) as base:
        response = get(f"{base}/sitemap.xml")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/xml")
        index = valid(response.content, "siteindex.xsd")
        pages = index.findall(f"{SM}sitemap")
        assert len(pages) == 3
        listed: list[str] = []
        sizes = []
        for page in pages:
            body = get(page.findtext(f"{SM}loc")).content
            doc = valid(body, "sitemap.xsd")
            urls = doc.findall(f"{SM}url")
            sizes.append(len(urls))
            listed += [u.findtext(f"{SM}loc") for u in urls]
            # the index's lastmod is the page's latest
            assert page.findtext(f"{SM}lastmod") == max(u.findtext(f"{SM}lastmod") for u in urls)
        assert sizes == [400, 400, 200]
        assert listed == [f"{base}/records/{i}" for i in ids]  # each once, in datestamp order


def test_lastmod_is_the_datestamp_and_deleted_records_are_left_out(engine: Engine) -> None:
    services = repository(engine, sitemap_page_size=4)
    add_records(services, 10)
    services.records.delete("r0003")
    with site(services) as base:
        index = valid(get(f"{base}/sitemap.xml").content, "siteindex.xsd")
        urls = [u for page in locs(index)
                for u in valid(get(page).content, "sitemap.xsd").findall(f"{SM}url")]
    listed = {u.findtext(f"{SM}loc").rsplit("/", 1)[1]: _stamp(u.findtext(f"{SM}lastmod"))
              for u in urls}
    assert sorted(listed) == [f"r{i:04d}" for i in range(10) if i != 3]
    with services.records.reading() as session:
        for record_id, lastmod in listed.items():
            record = RecordStore(session).get(record_id)
            assert record is not None
            assert lastmod == record.datestamp.replace(microsecond=0)


def test_a_page_keeps_its_range_while_records_change(engine: Engine) -> None:
    """A page read after changes lists fewer records, never more, never one twice."""
    services = repository(engine, sitemap_page_size=4)
    add_records(services, 10)
    with site(services) as base:
        old_pages = locs(valid(get(f"{base}/sitemap.xml").content, "siteindex.xsd"))
        services.records.update("r0001", {**services.records.get("r0001").metadata,
                                          "titles": [{"title": "Changed"}]})
        services.records.delete("r0002")
        add_records(services, 1, start=10)
        first = locs(valid(get(old_pages[0]).content, "sitemap.xsd"))
        assert first == [f"{base}/records/r0000", f"{base}/records/r0003"]
        before = [u for page in old_pages for u in locs(valid(get(page).content, "sitemap.xsd"))]
        assert f"{base}/records/r0010" not in before  # a later record joins no old page
        assert len(before) == len(set(before)) == 8
        new_pages = locs(valid(get(f"{base}/sitemap.xml").content, "siteindex.xsd"))
        now = [u for page in new_pages for u in locs(valid(get(page).content, "sitemap.xsd"))]
    assert [u.rsplit("/", 1)[1] for u in now] == [
        "r0000", "r0003", "r0004", "r0005", "r0006", "r0007", "r0008", "r0009", "r0001", "r0010"]


@pytest.mark.parametrize("size", [1, 3, 5, 12, 13])
def test_page_ranges_cut_the_datestamp_order_into_pages_of_the_size(engine: Engine,
                                                                     size: int) -> None:
    services = repository(engine)
    add_records(services, 12)
    services.records.delete("r0005")
    with services.records.reading() as session:
        ordered = [r.id for r in RecordStore(session).page(limit=100)]
        ranges = page_ranges(session, size)
        tombstones = page_ranges(session, size, include_deleted=True)
    assert len(ordered) == 11
    assert [r.last.id for r in ranges] == [ordered[min(k + size, 11) - 1]
                                           for k in range(0, 11, size)]
    assert [r.after for r in ranges[1:]] == [r.last for r in ranges[:-1]]
    assert ranges[0].after is None
    assert tombstones[-1].last.id == "r0005"  # the latest change of all is the deletion


def test_robots_txt_points_to_the_index_and_keeps_crawlers_out_of_api_and_search(
        sqlite_engine: Engine) -> None:
    services = repository(sqlite_engine)
    add_records(services, 1)
    with site(services) as base:
        response = get(f"{base}/robots.txt")
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        robots = urllib.robotparser.RobotFileParser(f"{base}/robots.txt")
        robots.parse(response.text.splitlines())
        assert robots.site_maps() == [f"{base}/sitemap.xml"]
        for path in ["/records/r0000", "/sitemap.xml", "/oai?verb=Identify"]:
            assert robots.can_fetch("ExampleBot", base + path), path
        for path in ["/api/records", "/api/records?q=title:ocean", "/search?q=ocean",
                     "/search?q=ocean&type=Dataset"]:
            assert not robots.can_fetch("ExampleBot", base + path), path


def test_robots_txt_paths_are_under_the_base_urls_path(sqlite_engine: Engine) -> None:
    services = repository(sqlite_engine, base_url="https://example.org/repo/")
    client = make_app(services).test_client()
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /repo/api/\n" in text
    assert text.endswith("Sitemap: https://example.org/repo/sitemap.xml\n")


@pytest.mark.parametrize(("query", "named"), [
    ("", "last: missing"),
    ("?last=yesterday", "last: expected"),
    ("?last=2024-05-01T10:00:00.000000Z~r1&after=2024-05-01T10:00:00.000000Z~r2",
     "after: must come before last"),
    ("?last=2024-13-01T10:00:00.000000Z~r1", "last: '2024-13-01T10:00:00.000000Z' is not"),
    ("?last=2024-05-01T10:00:00.000000Z~r1&page=2", "unknown argument 'page'"),
])
def test_a_page_url_the_index_did_not_give_is_a_clear_400(sqlite_engine: Engine, query: str,
                                                          named: str) -> None:
    services = repository(sqlite_engine)
    with site(services) as base:
        for path in ["/sitemap-records.xml", "/resourcesync/resourcelist-page.xml",
                     "/resourcesync/changelist-page.xml"]:
            response = get(base + path + query)
            assert response.status_code == 400
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.json()["detail"].startswith(named), response.json()


def test_no_live_record_no_sitemap(sqlite_engine: Engine) -> None:
    """The protocol has no empty sitemap: 404 until a record is live (and when a page emptied)."""
    services = repository(sqlite_engine)
    with site(services) as base:
        assert get(f"{base}/sitemap.xml").status_code == 404
        add_records(services, 1)
        page = locs(valid(get(f"{base}/sitemap.xml").content, "siteindex.xsd"))[0]
        services.records.delete("r0000")
        assert get(f"{base}/sitemap.xml").status_code == 404
        gone = get(page)
        assert gone.status_code == 404
        assert "read" in gone.json()["detail"]


@pytest.mark.parametrize("key", ["SITEMAP_PAGE_SIZE", "RESOURCESYNC_PAGE_SIZE"])
def test_page_sizes_are_bounded_by_the_protocol(key: str) -> None:
    assert load_config(environ={f"OAISERVER_{key}": "400"}).__getattribute__(key.lower()) == 400
    for bad in ["0", "50001"]:
        with pytest.raises(ConfigError, match=key.lower()):
            load_config(environ={f"OAISERVER_{key}": bad})


def test_page_ranges_are_kept_until_the_next_write(engine: Engine) -> None:
    services = repository(engine)
    add_records(services, 5)
    cache = PageRangeCache()
    with services.records.reading() as session:
        first = cache.ranges(session, 2)
        assert cache.ranges(session, 2) is first  # no write: the kept answer
        assert cache.ranges(session, 2, include_deleted=True) is not first
    services.records.delete("r0004")
    with services.records.reading() as session:
        after = cache.ranges(session, 2)
        assert after is not first
        assert after == page_ranges(session, 2)
        assert [r.last.id for r in after] == ["r0001", "r0003"]


def test_a_crawler_coming_back_gets_304_until_its_page_changes(sqlite_engine: Engine) -> None:
    services = repository(sqlite_engine, sitemap_page_size=4)
    add_records(services, 8)
    with site(services) as base:
        index = get(f"{base}/sitemap.xml")
        pages = locs(valid(index.content, "siteindex.xsd"))
        first, second = get(pages[0]), get(pages[1])
        for url, response in [(f"{base}/sitemap.xml", index), (pages[0], first),
                              (pages[1], second)]:
            again = get(url, headers={"If-None-Match": response.headers["ETag"]})
            assert again.status_code == 304 and again.content == b""
            assert again.headers["ETag"] == response.headers["ETag"]
        services.records.delete("r0005")  # on the second page
        assert get(pages[0], headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        changed = get(pages[1], headers={"If-None-Match": second.headers["ETag"]})
        assert changed.status_code == 200
        assert f"{base}/records/r0005" not in locs(valid(changed.content, "sitemap.xsd"))
        # the ranges are the same ((r0003, r0007] lost r0005), so is the index
        assert get(f"{base}/sitemap.xml",
                   headers={"If-None-Match": index.headers["ETag"]}).status_code == 304
        add_records(services, 1, start=8)
        assert get(f"{base}/sitemap.xml",
                   headers={"If-None-Match": index.headers["ETag"]}).status_code == 200
