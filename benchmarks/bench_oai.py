"""Benchmark of the OAI-PMH endpoint: full ListRecords harvests and deep paging.

Measures, in one run on one database:

* a complete ListRecords harvest of N records in ``oai_dc``, ``oai_datacite``
  and ``oai_openaire`` (records per second, every page through the Flask app
  and the real serializers, as a harvester would get them, minus the network);
* the latency of page 1 (which also takes the snapshot bound and counts
  the list), page 2 and page 1,000 (by resumption token): keyset paging
  should make page 1,000 cost what page 2 costs.

* the process's resident memory (now and peak) after filling and after
  each harvest: the harvest should keep it flat.

Usage::

    python benchmarks/bench_oai.py                 # 100,000 records, SQLite
    python benchmarks/bench_oai.py --records 20000
    python benchmarks/bench_oai.py --records 1000000 --formats oai_dc
    python benchmarks/bench_oai.py --database postgresql+psycopg://postgres@127.0.0.1/test

Records are inserted in bulk (not through the record service: that is not
what is measured). With PostgreSQL, the tables are created in a fresh schema
that is dropped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree
from sqlalchemy import insert, text

from benchmarks.scratch_database import scratch_database
from oaiserver.config import Config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.db import Base
from repository_core.models import ClockRow, RecordRow

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def metadata(i: int) -> dict[str, Any]:
    return {
        "doi": f"10.5072/bench.{i}",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Survey data"},
        "creators": [{"name": "Müller, Anna", "nameType": "Personal", "givenName": "Anna",
                      "familyName": "Müller"}],
        "titles": [{"title": f"Benchmark record {i}"}],
        "publisher": {"name": "Example Data Centre"},
        "publicationYear": "2021",
        "subjects": [{"subject": "ocean temperature"}],
        "descriptions": [{"description": "A record made for the benchmark. " * 4,
                          "descriptionType": "Abstract"}],
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }


def populate(engine: Any, n: int) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(n):
            stamp = start + timedelta(milliseconds=i)
            batch.append({
                "id": f"b{i:07d}", "doi": f"10.5072/bench.{i}", "metadata": metadata(i),
                "collections": [], "created": stamp, "datestamp": stamp,
                "revision": 1, "deleted": False,
            })
            if len(batch) == 5000:
                conn.execute(insert(RecordRow), batch)
                batch = []
        if batch:
            conn.execute(insert(RecordRow), batch)
        last = start + timedelta(milliseconds=n)
        conn.execute(insert(ClockRow), [{"id": 1, "last_datestamp": last, "served_until": last}])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # planner statistics after a bulk load


def harvest(client: Any, prefix: str, *, keep_token_of_page: int = 0) -> tuple[int, float, Any]:
    """(records, seconds, token that asks for page ``keep_token_of_page``)."""
    started = time.perf_counter()
    args = {"verb": "ListRecords", "metadataPrefix": prefix}
    count, page, kept = 0, 1, None
    while True:
        body = client.get("/oai", query_string=args).data
        doc = etree.fromstring(body)
        count += sum(1 for _ in doc.iter(f"{OAI}record"))
        token = doc.find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            break
        page += 1
        if page == keep_token_of_page:
            kept = token.text
        args = {"verb": "ListRecords", "resumptionToken": token.text}
    return count, time.perf_counter() - started, kept


def latency(client: Any, args: dict[str, str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get("/oai", query_string=args)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--formats", default="oai_dc,oai_datacite,oai_openaire",
                        help="the metadata prefixes to harvest, comma-separated")
    options = parser.parse_args(argv)
    prefixes = [p for p in options.formats.split(",") if p]

    with scratch_database(options.database, "bench_oai") as (engine, folder):
        import repository_core.migrate

        repository_core.migrate.target_metadata()
        Base.metadata.create_all(engine)
        t = time.perf_counter()
        populate(engine, options.records)
        print(f"inserted {options.records} records in {time.perf_counter() - t:.1f} s "
              f"({engine.dialect.name}); {memory()}")

        # rate limits off: this measures harvesting, from one client, as fast as it goes
        config = Config(data_dir=str(folder), secret_key="bench", oai_page_size=options.page_size,
                        ratelimit_enabled=False)
        app = create_app(services=build_services(config, engine=engine))
        client = app.test_client()

        pages = -(-options.records // options.page_size)
        deep = min(1000, pages)
        rates = {}
        token_deep = None
        for prefix in prefixes:
            count, seconds, kept = harvest(client, prefix, keep_token_of_page=deep)
            assert count == options.records, (prefix, count)
            token_deep = token_deep or kept
            rates[prefix] = count / seconds
            print(f"ListRecords {prefix:13s} {count} records in {seconds:7.1f} s: "
                  f"{rates[prefix]:8.0f} records/s; {memory()}")
        for prefix in prefixes[1:]:
            print(f"{prefix} / {prefixes[0]} throughput: {rates[prefix] / rates[prefixes[0]]:.2f}")

        first = latency(client, {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
        _, _, token2 = harvest_first_token(client)
        second = latency(client, {"verb": "ListRecords", "resumptionToken": token2})
        print(f"page 1 (bound + count):   {first * 1000:7.1f} ms")
        print(f"page 2 (token):           {second * 1000:7.1f} ms")
        if token_deep and deep > 2:
            deep_t = latency(client, {"verb": "ListRecords", "resumptionToken": token_deep})
            print(f"page {deep} (token):        {deep_t * 1000:7.1f} ms")
            print(f"ratio page {deep} / page 2: {deep_t / second:.2f}")
            print(f"ratio page {deep} / page 1: {deep_t / first:.2f}")
        print(f"ratio page 1 / page 2:    {first / second:.2f}")


def memory() -> str:
    """This process's resident memory now and at its peak (Linux)."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) // 1024
    return f"RSS {fields.get('VmRSS', 0)} MB, peak {fields.get('VmHWM', 0)} MB"


def harvest_first_token(client: Any) -> tuple[int, float, str]:
    doc = etree.fromstring(client.get(
        "/oai", query_string={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).data)
    token = doc.find(f".//{OAI}resumptionToken")
    return 0, 0.0, token.text


if __name__ == "__main__":
    main()
