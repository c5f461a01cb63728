"""Benchmark of usage statistics: recording cost, processing throughput, report time.

Measures, in one run on one database:

* the landing page through the Flask app with statistics on (the record's
  figures read and folded into the ETag, one event recorded) against the
  same app with statistics off, called alternately in the same run: the
  ratio is the overhead the request path pays (target < 5%); measured after
  processing, so the figures table holds a month of rows;
* recording one event alone (``UsageRecorder.record``: hash, robot check,
  one INSERT), against that page and a plain record read;
* processing throughput of ``process_usage`` (events per second) over N
  synthetic events spread over one month: 10,000 records, 20,000 clients,
  10% robots, some double clicks; appended in time order, as recorded
  (``--shuffled``: in random time order, the worst case);
* the time of that month's COUNTER Dataset Report.

Usage::

    python benchmarks/bench_stats.py                   # 200,000 events, SQLite
    python benchmarks/bench_stats.py --events 1000000
    python benchmarks/bench_stats.py --database postgresql+psycopg://postgres@127.0.0.1/test

Events are inserted in bulk for the processing measurement (recording one
at a time is what the first measurement times). With PostgreSQL, the tables
are created in a fresh schema that is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from oaiserver.config import Config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.db import make_engine
from repository_core.migrate import upgrade
from repository_core.models import ClockRow, RecordRow
from repository_core.service import RecordService
from repository_core.stats import UsageRecorder, dataset_report, process_usage
from repository_core.stats.tables import UsageEventRow

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
MONTH = datetime(2024, 3, 1, tzinfo=UTC)


def populate_records(engine: Any, n: int) -> None:
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [{"id": f"s{i:06d}", "doi": f"10.5072/stats.{i}", "collections": [],
             "metadata": {"titles": [{"title": f"Dataset {i}"}],
                          "publisher": {"name": "Example Data Centre"},
                          "publicationYear": "2023", "types": {"resourceTypeGeneral": "Dataset"},
                          "creators": [{"name": "Doe, Jane"}], "doi": f"10.5072/stats.{i}",
                          "schemaVersion": "http://datacite.org/schema/kernel-4"},
             "created": stamp, "datestamp": stamp, "revision": 1, "deleted": False}
            for i in range(n)]
    with engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(RecordRow), rows[i:i + 5000])
        conn.execute(text("DELETE FROM datestamp_clock"))
        conn.execute(insert(ClockRow), [{"id": 1, "last_datestamp": stamp,
                                         "served_until": stamp}])


def populate_events(engine: Any, n: int, records: int, *, shuffled: bool = False,
                    seed: int = 7) -> None:
    """``n`` events of one month, appended in time order as the request path
    records them (``shuffled``: ids in random time order, the worst case for
    processing, where every batch touches every day)."""
    rng = random.Random(seed)
    seconds = 30 * 24 * 3600
    offsets = [rng.randrange(seconds) for _ in range(n)]
    if not shuffled:
        offsets.sort()
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i, offset in enumerate(offsets):
            when = MONTH + timedelta(seconds=offset)
            batch.append({
                "record_id": f"s{rng.randrange(records):06d}", "action": "investigation",
                "access_method": "Regular" if rng.random() < 0.7 else "Machine",
                "is_robot": rng.random() < 0.1,
                "session": f"{rng.randrange(20_000):032x}", "occurred": when})
            if i % 10 == 0:  # a double click now and then
                batch.append({**batch[-1], "occurred": when + timedelta(seconds=3)})
            if len(batch) >= 10_000:
                conn.execute(insert(UsageEventRow), batch)
                batch = []
        if batch:
            conn.execute(insert(UsageEventRow), batch)


def per_call(fn: Any, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved(a: Any, b: Any, repeats: int) -> tuple[float, float]:
    """Medians of ``a()`` and ``b()`` called alternately, so both see the same noise."""
    times_a, times_b = [], []
    for _ in range(repeats):
        for fn, times in ((a, times_a), (b, times_b)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(times_a), statistics.median(times_b)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--shuffled", action="store_true",
                        help="events in random time order (worst case for processing)")
    options = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    schema = None
    if options.database:
        admin = make_engine(options.database)
        schema = f"bench_stats_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(options.database,
                             connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = make_engine(f"sqlite:///{Path(tmp.name) / 'bench.db'}")
    try:
        upgrade(engine)
        populate_records(engine, options.records)
        print(f"{engine.dialect.name}: {options.records} records")

        # -- processing -----------------------------------------------------
        started = time.perf_counter()
        populate_events(engine, options.events, options.records, shuffled=options.shuffled)
        with Session(engine) as session:
            total = session.query(UsageEventRow).count()
        print(f"inserted {total} synthetic events in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        result = process_usage(engine, now=MONTH + timedelta(days=31))
        seconds = time.perf_counter() - started
        print(f"processed {result.events} events ({result.robots} robots, "
              f"{result.days} record-days) in {seconds:.2f} s: "
              f"{result.events / seconds:,.0f} events/s")

        # -- the month's report ---------------------------------------------
        with Session(engine) as session:
            started = time.perf_counter()
            report = dataset_report(session, "2024-03", "2024-03", platform="Bench",
                                    institution_name="Bench", created_by="bench")
            seconds = time.perf_counter() - started
        print(f"DSR for one month, {len(report['Report_Datasets'])} dataset items: "
              f"{seconds:.2f} s")

        # -- the request path, with a month of figures in place ----------------
        on = build_services(Config(data_dir=tmp.name, secret_key="bench", ratelimit_enabled=False),
                            engine=engine)
        off = build_services(Config(data_dir=tmp.name, secret_key="bench", stats_enabled=False,
                                    ratelimit_enabled=False),
                             engine=engine)
        with_stats = create_app(services=on).test_client()
        without_stats = create_app(services=off).test_client()
        service = RecordService(engine)
        recorder = UsageRecorder(engine)
        rng = random.Random(1)

        def page(client: Any) -> Any:
            def get() -> None:
                response = client.get(f"/records/s{rng.randrange(options.records):06d}",
                                      headers={"User-Agent": BROWSER},
                                      environ_base={"REMOTE_ADDR": f"192.0.2.{rng.randrange(250)}"})
                assert response.status_code == 200, response.status_code
            return get

        def read() -> None:
            service.get(f"s{rng.randrange(options.records):06d}")

        def record() -> None:
            recorder.record(f"s{rng.randrange(options.records):06d}", "investigation",
                            "Regular", f"192.0.2.{rng.randrange(250)}", BROWSER)

        page_on, page_off = page(with_stats), page(without_stats)
        for fn in (page_on, page_off, read, record):  # warm caches (templates, salt, regexes)
            fn()
        t_on, t_off = interleaved(page_on, page_off, options.repeats)
        t_read = per_call(read, options.repeats)
        t_record = per_call(record, options.repeats)
        print(f"landing page, statistics off (median): {t_off * 1000:8.3f} ms")
        print(f"landing page, statistics on (median):  {t_on * 1000:8.3f} ms "
              f"(figures read, ETag over them, one event recorded)")
        print(f"overhead of statistics on a landing page: {(t_on / t_off - 1) * 100:+.1f}% "
              f"(ratio {t_on / t_off:.3f})")
        print(f"plain record read (median):    {t_read * 1000:8.3f} ms")
        print(f"recording one event (median):  {t_record * 1000:8.3f} ms")
        print(f"ratio record event / landing page off: {t_record / t_off:.3f}")
        print(f"ratio record event / record read:  {t_record / t_read:.2f}")
    finally:
        engine.dispose()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        tmp.cleanup()


if __name__ == "__main__":
    main()
