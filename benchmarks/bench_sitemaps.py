"""Benchmark of sitemaps and ResourceSync: what a crawler's or a client's requests cost.

Measures, in one run on one database of N records (median of 5 requests,
through the Flask app, minus the network):

* the sitemap index: its first request after a write (one pass over the
  ``(datestamp, id)`` index numbering the rows: it grows with N) and the
  next ones (the ranges kept until the next write);
* the first and last sitemap page (keyset ranges: the last page should cost
  what the first costs);
* the ResourceSync Resource List and Change List indexes, and a Resource
  List page (every entry's exports rendered and hashed).

Usage::

    python benchmarks/bench_sitemaps.py                # 200,000 records, SQLite
    python benchmarks/bench_sitemaps.py --records 50000 --sitemap-page-size 50000
    python benchmarks/bench_sitemaps.py --database postgresql+psycopg://postgres@127.0.0.1/test

Records are inserted in bulk, as ``bench_oai.py`` does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

from benchmarks.bench_oai import populate
from benchmarks.scratch_database import scratch_database
from oaiserver.config import Config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.db import Base

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def timed(client: Any, url: str, repeats: int = 5) -> tuple[float, bytes]:
    """(median seconds, body) of GET ``url`` (its path and query)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    times, body = [], b""
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
        body = response.data
    return statistics.median(times), body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--sitemap-page-size", type=int, default=Config.sitemap_page_size)
    options = parser.parse_args(argv)

    with scratch_database(options.database, "bench_sitemaps") as (engine, folder):
        import repository_core.migrate

        repository_core.migrate.target_metadata()
        Base.metadata.create_all(engine)
        t = time.perf_counter()
        populate(engine, options.records)
        print(f"inserted {options.records} records in {time.perf_counter() - t:.1f} s "
              f"({engine.dialect.name})")
        config = Config(data_dir=str(folder), secret_key="bench", ratelimit_enabled=False,
                        base_url="http://127.0.0.1:5000",
                        sitemap_page_size=options.sitemap_page_size)
        client = create_app(services=build_services(config, engine=engine)).test_client()

        cold_s, _ = timed(client, "/sitemap.xml", repeats=1)
        index_s, body = timed(client, "/sitemap.xml")
        pages = [loc.text for loc in etree.fromstring(body).iter(f"{SM}loc")]
        first_s, first = timed(client, pages[0])
        last_s, _ = timed(client, pages[-1])
        urls = sum(1 for _ in etree.fromstring(first).iter(f"{SM}url"))
        print(f"sitemap index ({len(pages)} pages), first:  {cold_s * 1000:8.1f} ms")
        print(f"sitemap index, kept ranges:            {index_s * 1000:8.1f} ms")
        print(f"sitemap page 1 ({urls} URLs):         {first_s * 1000:8.1f} ms")
        print(f"sitemap page {len(pages)} (last):                {last_s * 1000:8.1f} ms")
        print(f"ratio last / first sitemap page:       {last_s / first_s:8.2f}")

        rl_cold_s, _ = timed(client, "/resourcesync/resourcelist.xml", repeats=1)
        rl_s, body = timed(client, "/resourcesync/resourcelist.xml")
        rl_pages = [loc.text for loc in etree.fromstring(body).iter(f"{SM}loc")]
        cl_s, _ = timed(client, "/resourcesync/changelist.xml", repeats=1)
        page_s, page = timed(client, rl_pages[-1])
        entries = sum(1 for _ in etree.fromstring(page).iter(f"{SM}url"))
        print(f"resource list index ({len(rl_pages)} pages), first: {rl_cold_s * 1000:8.1f} ms")
        print(f"resource list index, kept ranges:      {rl_s * 1000:8.1f} ms")
        print(f"change list index, first:              {cl_s * 1000:8.1f} ms")
        print(f"resource list page ({entries} entries):  {page_s * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
