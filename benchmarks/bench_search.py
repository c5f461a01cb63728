"""Benchmark: ``GET /api/records?q=`` with facets, over a corpus of realistic queries.

Run::

    .venv/bin/python benchmarks/bench_search.py                    # 100,000 records, SQLite
    .venv/bin/python benchmarks/bench_search.py --records 10000    # a quick run
    .venv/bin/python benchmarks/bench_search.py --records 1000000
    .venv/bin/python benchmarks/bench_search.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/bench_search.py --keep search100k.db   # fill once, query again later

Fills a scratch database with ``--records`` records of the synthetic
generator (:mod:`fixtures.synthetic`), in bulk, with the rows the record
service writes for each (the record, its ``query_terms`` rows, its
full-text document): ``executemany`` on SQLite, ``COPY`` on PostgreSQL, the
term and full-text indexes built once at the end; two worker processes
make the rows (each chunk of records from a seed of its own) while the
main process writes them. Then it sends every query
of ``--queries`` (``benchmarks/search_queries.txt``: terms, fields,
phrases, ranges, wildcards, booleans, a query matching most records, some
matching none) through the real Flask application (its test client: the
whole WSGI stack, no network), facets on, 20 hits, ``--repeat`` times each
after one warm-up request, and prints the median, 95th percentile and worst
server time of each class of query and of all, against the targets.

PostgreSQL runs in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient
from sqlalchemy import Engine, Index, Table, func, select

from benchmarks.bench_sets import prepare
from benchmarks.scratch_database import kept_database, scratch_database
from fixtures.synthetic import generate
from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.models import RecordRow
from repository_core.query.sql import term_rows
from repository_core.query.term_table import TermRow
from repository_core.records import Record
from repository_core.search import SearchDocumentRow, document_body

QUERIES = Path(__file__).resolve().parent / "search_queries.txt"

#: (records, median ms, worst ms) the issue sets; None: no target
TARGETS = {100_000: (50.0, 500.0), 1_000_000: (200.0, None)}

#: processes making rows while the main process writes them
WORKERS = 2

_TERM_COLUMNS = ("record_id", "field", "ord", "pos", "term", "num", "raw")


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


Rows = list[tuple[Any, ...]]


def chunk_rows(task: tuple[int, int, int]) -> tuple[Rows, Rows, Rows]:
    """(records, terms, documents) rows of records ``lo`` to ``hi`` (run in a worker process).

    Each chunk draws from a seed of its own (so chunks can be made in
    parallel); the record's id and DOI are its number, so they stay unique.
    """
    seed, lo, hi = task
    start = datetime(2015, 1, 1, tzinfo=UTC)
    records: Rows = []
    terms: Rows = []
    docs: Rows = []
    for i, item in zip(range(lo, hi), generate(hi - lo, seed=seed * 1_000_003 + lo)):
        stamp = start + timedelta(seconds=i * 60)
        md = item["metadata"]
        md["doi"] = f"10.5072/bench.{i}"
        rec = Record(id=f"s{i:07d}", metadata=md, collections=tuple(item["collections"]),
                     created=stamp, datestamp=stamp, doi=md["doi"])
        naive = stamp.replace(tzinfo=None)
        records.append((rec.id, rec.doi, json.dumps(md), json.dumps(item["collections"]),
                        naive, naive, 1, False))
        terms += [tuple(row[c] for c in _TERM_COLUMNS) for row in term_rows(rec)]
        docs.append((i + 1, rec.id, document_body(rec)))
    return records, terms, docs


def batches(n: int, seed: int, size: int) -> Iterator[tuple[Rows, Rows, Rows]]:
    """Every chunk of ``size`` records, made by worker processes while the caller writes.

    At most two chunks per worker are asked for ahead of the writer: ``Pool.imap``
    would queue every finished chunk in this process while the writer lags
    (15 GB at 1,000,000 records).
    """
    tasks = iter([(seed, lo, min(n, lo + size)) for lo in range(0, n, size)])
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        pending = deque(pool.apply_async(chunk_rows, (task,))
                        for task in islice(tasks, 2 * WORKERS))
        while pending:
            chunk = pending.popleft().get()
            for task in islice(tasks, 1):
                pending.append(pool.apply_async(chunk_rows, (task,)))
            yield chunk


def _bulk_indexes() -> list[Index]:
    """The indexes that are cheaper built once after the fill than kept up during it."""
    return [*_table(TermRow).indexes, *_table(SearchDocumentRow).indexes]


def load(engine: Engine, n: int, seed: int, batch: int = 5000) -> None:
    """The records, their query terms and their full-text rows, in bulk."""
    indexes = _bulk_indexes()
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn, checkfirst=True)
    if engine.dialect.name == "sqlite":
        _load_sqlite(engine, n, seed, batch)
    else:
        _load_postgresql(engine, n, seed, batch)
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # set outside a transaction, which SQLite requires of this pragma
            # the engine keeps SQLite's temporary storage in memory (repository_core.db):
            # building these indexes would sort every term row there
            raw.execute("PRAGMA temp_store = FILE")
        with conn.begin():
            for index in indexes:
                index.create(conn)
        if sqlite:
            raw.execute("PRAGMA temp_store = MEMORY")


def progress(done: int, n: int) -> None:
    if done % 100_000 == 0 and done < n:
        print(f"  {done:,} records written", file=sys.stderr, flush=True)


def _load_sqlite(engine: Engine, n: int, seed: int, batch: int) -> None:
    raw: Any = engine.raw_connection()
    try:
        raw.execute("PRAGMA synchronous = OFF")
        for k, (records, terms, docs) in enumerate(batches(n, seed, batch), 1):
            progress(k * batch, n)
            raw.execute("BEGIN")  # the engine's connections are in autocommit mode
            raw.executemany("INSERT INTO records (id, doi, metadata, collections, created, "
                            "datestamp, revision, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(*r[:4], r[4].isoformat(" "), r[5].isoformat(" "), *r[6:])
                             for r in records])
            raw.executemany(f"INSERT INTO query_terms ({', '.join(_TERM_COLUMNS)}) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", terms)
            raw.executemany("INSERT INTO search_documents (doc_id, record_id, body) "
                            "VALUES (?, ?, ?)", docs)
            raw.executemany("INSERT INTO search_fts (rowid, body) VALUES (?, ?)",
                            [(d[0], d[2]) for d in docs])
            raw.execute("COMMIT")
        raw.execute("PRAGMA synchronous = NORMAL")
    finally:
        raw.close()


def _load_postgresql(engine: Engine, n: int, seed: int, batch: int) -> None:
    raw: Any = engine.raw_connection()
    try:
        cur = raw.cursor()
        for k, (records, terms, docs) in enumerate(batches(n, seed, batch), 1):
            progress(k * batch, n)
            for table, columns, rows in (
                    ("records", ("id, doi, metadata, collections, created, datestamp, "
                                 "revision, deleted"), records),
                    ("query_terms", ", ".join(_TERM_COLUMNS), terms),
                    ("search_documents", "doc_id, record_id, body", docs)):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        cur.execute("UPDATE search_documents SET tsv = to_tsvector('simple', body)")
        cur.execute("SELECT setval(pg_get_serial_sequence('search_documents', 'doc_id'), "
                    "(SELECT max(doc_id) FROM search_documents))")
        raw.commit()
    finally:
        raw.close()


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(class, query) pairs; blank lines and ``#`` comments skipped."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, sep, query = line.partition("\t")
        if not sep or not query.strip():
            raise SystemExit(f"{path}:{number}: expected 'class<TAB>query'")
        out.append((kind.strip(), query.strip()))
    if not out:
        raise SystemExit(f"{path}: no queries")
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def run(client: FlaskClient, queries: list[tuple[str, str]], repeat: int,
        records: int) -> None:
    by_class: dict[str, list[float]] = {}
    print(f"{'class':9} {'query':58} {'status':>6} {'total':>9} {'median ms':>10} "
          f"{'worst ms':>9}")
    for kind, q in queries:
        url = "/api/records?" + urlencode({"q": q, "size": "20"})
        response = client.get(url)  # warm-up: caches, the pages the query reads
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        body = response.get_json(silent=True) or {}
        total = body.get("hits", {}).get("total", "-")
        if isinstance(total, dict):
            total = f"{total.get('value')}{'+' if total.get('relation') == 'gte' else ''}"
        by_class.setdefault(kind, []).extend(times)
        print(f"{kind:9} {q[:58]:58} {response.status_code:>6} {total!s:>9} "
              f"{statistics.median(times):10.1f} {max(times):9.1f}")
    everything = [t for times in by_class.values() for t in times]
    print()
    print(f"{'class':9} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'worst ms':>9}")
    for kind, times in [*by_class.items(), ("all", everything)]:
        count = sum(1 for k, _ in queries if k == kind or kind == "all")
        print(f"{kind:9} {count:7} {statistics.median(times):10.1f} "
              f"{percentile(times, 0.95):8.1f} {max(times):9.1f}")
    target = TARGETS.get(records)
    if target:
        median, worst = target
        line = (f"target at {records:,} records: median < {median:g} ms "
                f"({'met' if statistics.median(everything) < median else 'NOT met'})")
        if worst is not None:
            line += (f", worst < {worst:g} ms "
                     f"({'met' if max(everything) < worst else 'NOT met'})")
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--database", default="", help="PostgreSQL URL (default: temp SQLite)")
    parser.add_argument("--keep", default="",
                        help="a SQLite file (with --database: a PostgreSQL schema) to fill once "
                             "and keep: a later run with the same --keep and --records reuses "
                             "it (migrations applied) and only queries")
    args = parser.parse_args()
    queries = read_queries(args.queries)
    if args.keep:
        with kept_database(args.database, args.keep) as (engine, folder):
            bench(engine, folder, args, queries)
        return
    with scratch_database(args.database, "bench_search") as (engine, folder):
        bench(engine, folder, args, queries)


def analyze(engine: Engine) -> None:
    """Planner statistics after a bulk fill (and, on PostgreSQL, the visibility map
    that lets the term indexes answer alone: what autovacuum would do by itself)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def bench(engine: Engine, folder: Path, args: argparse.Namespace,
          queries: list[tuple[str, str]]) -> None:
    prepare(engine)
    print(f"database: {engine.dialect.name}, records: {args.records:,}, "
          f"queries: {len(queries)}, {args.repeat} runs each")
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(_table(RecordRow))).scalar_one()
    if stored != args.records:
        if stored:
            raise SystemExit(f"the database holds {stored:,} records, not {args.records:,}")
        t0 = time.perf_counter()
        load(engine, args.records, args.seed)
        analyze(engine)
        seconds = time.perf_counter() - t0
        print(f"load: {seconds:.1f} s ({args.records / seconds:,.0f} records/s)")
    else:
        analyze(engine)  # a migration may have added an index since the fill
    # rate limits off: this measures the cost of each query, from one client
    config = load_config({"base_url": "http://bench.invalid", "data_dir": str(folder),
                          "ratelimit_enabled": False}, environ={})
    client = create_app(services=build_services(config, engine=engine)).test_client()
    run(client, queries, args.repeat, args.records)


if __name__ == "__main__":
    main()
