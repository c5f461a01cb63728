"""Benchmark of harvesting in: a full harvest of a second instance, then incremental runs.

Measures, in one run: a second instance of this server (SQLite, N records,
real HTTP on 127.0.0.1 through waitress) is harvested in ``oai_datacite``
into a fresh repository, through the real harvester (sickle, one
transaction a page, validation, set and search hooks); then

* an incremental run when nothing changed at the source;
* an incremental run after 1 % of the source's records changed.

The incremental runs should cost a small fraction of the full one: they ask
``from=`` the last responseDate and touch only what changed.

Usage::

    python benchmarks/bench_harvest.py                  # 2,000 records, SQLite
    python benchmarks/bench_harvest.py --records 500
    python benchmarks/bench_harvest.py --database postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scratch_database import scratch_database
from oaiserver.cli.serve import http_server
from oaiserver.config import Config
from oaiserver.services import build_harvester, build_services
from repository_core.harvest.sources import add_source
from repository_core.migrate import upgrade


def metadata(i: int, title: str = "Benchmark record") -> dict[str, Any]:
    return {
        "doi": f"10.5072/bench.{i}",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Survey data"},
        "creators": [{"name": "Müller, Anna", "nameType": "Personal", "givenName": "Anna",
                      "familyName": "Müller"}],
        "titles": [{"title": f"{title} {i}"}],
        "publisher": {"name": "Example Data Centre"},
        "publicationYear": "2021",
        "descriptions": [{"description": "A record made for the benchmark. " * 4,
                          "descriptionType": "Abstract"}],
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--database", default="", help="the harvesting repository's SQLAlchemy "
                                                       "URL (default: temp SQLite)")
    options = parser.parse_args(argv)

    with scratch_database("", "bench_harvest_source") as (source_engine, folder), \
            scratch_database(options.database, "bench_harvest_sink") as (sink_engine, _):
        upgrade(source_engine)
        upgrade(sink_engine)
        source = build_services(Config(data_dir=str(folder), secret_key="bench",
                                       oai_page_size=options.page_size,
                                       ratelimit_enabled=False), engine=source_engine)
        t = time.perf_counter()
        for i in range(options.records):
            source.records.create(metadata(i), record_id=f"b{i:06d}")
        created = time.perf_counter() - t
        print(f"source: {options.records} records created through the record service in "
              f"{created:.1f} s")
        server = http_server(source, "127.0.0.1", 0, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.effective_port}/oai"
        try:
            sink = build_services(Config(secret_key="sink", ratelimit_enabled=False),
                                  engine=sink_engine)
            with sink.records.transaction() as s:
                add_source(s, "bench", url, "oai_datacite")
            harvester = build_harvester(sink.config, sink.records)

            timings = {}
            t = time.perf_counter()
            full = harvester.run("bench")
            timings["full"] = time.perf_counter() - t
            print(f"full harvest: {full.created} records, {full.pages} pages in "
                  f"{timings['full']:.2f} s ({full.created / timings['full']:.0f} records/s, "
                  f"sink {sink_engine.dialect.name})")
            time.sleep(1.1)  # past the first run's responseDate (whole seconds)
            t = time.perf_counter()
            idle = harvester.run("bench")
            timings["idle"] = time.perf_counter() - t
            print(f"incremental, nothing changed: {idle.pages} page(s), {idle.summary()} in "
                  f"{timings['idle']:.3f} s")
            changed = max(1, options.records // 100)
            for i in range(0, options.records, options.records // changed):
                source.records.update(f"b{i:06d}", metadata(i, "Changed record"))
            t = time.perf_counter()
            some = harvester.run("bench")
            timings["some"] = time.perf_counter() - t
            print(f"incremental, {changed} changed: {some.pages} page(s), {some.summary()} in "
                  f"{timings['some']:.3f} s")
            print(f"full harvest / creating the same records locally: "
                  f"{timings['full'] / created:.2f}")
            print(f"ratios to the full harvest: nothing changed "
                  f"{timings['idle'] / timings['full']:.3f}, "
                  f"1 % changed {timings['some'] / timings['full']:.3f}")
        finally:
            server.close()


if __name__ == "__main__":
    main()
