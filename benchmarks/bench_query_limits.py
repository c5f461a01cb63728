"""Benchmark: hostile search queries against ``GET /api/records?q=``.

Run::

    .venv/bin/python benchmarks/bench_query_limits.py                  # 100,000 records, SQLite
    .venv/bin/python benchmarks/bench_query_limits.py --records 10000  # a quick run
    .venv/bin/python benchmarks/bench_query_limits.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Sends each expensive shape (deep nesting, long NOT/-/+ chains, long
phrases, hundreds of bare words, large OR queries, keyword wildcards with
many stars, an overflowing facet filter, broad matches with facets) through
the real Flask application (its test client: the whole WSGI stack, no
network) over a store of ``--records`` records, and prints each shape's
status and worst server time over ``--repeat`` runs. Then it sends
``--distinct`` distinct large OR queries and prints the process's resident
memory before, after the first tenth, and at the end (flat is the target).

PostgreSQL runs in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient
from sqlalchemy import Engine, Table, text
from sqlalchemy.orm import Session

from benchmarks.bench_sets import WORDS, analyze, metadata, prepare
from benchmarks.scratch_database import scratch_database
from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.models import RecordRow
from repository_core.query.sql import term_rows
from repository_core.query.term_table import TermRow
from repository_core.records import Record
from repository_core.search import SearchDocumentRow, document_body


def load(engine: Engine, n: int, rng: random.Random) -> None:
    """Records, their query terms and their full-text rows, in bulk."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    batch = 2000
    sqlite = engine.dialect.name == "sqlite"
    doc_id = 0
    with Session(engine) as session:
        for lo in range(0, n, batch):
            records, terms, docs = [], [], []
            for i in range(lo, min(n, lo + batch)):
                stamp = start + timedelta(seconds=i)
                md = metadata(rng, i)
                rec = Record(id=f"b{i:07d}", metadata=md, created=stamp, datestamp=stamp,
                             doi=md["doi"])
                records.append({"id": rec.id, "doi": rec.doi, "metadata": md,
                                "collections": [], "created": stamp, "datestamp": stamp,
                                "revision": 1, "deleted": False})
                terms += term_rows(rec)
                doc_id += 1
                docs.append({"doc_id": doc_id, "record_id": rec.id,
                             "body": document_body(rec), "tsv": None})
            session.execute(_table(RecordRow).insert(), records)
            session.execute(_table(TermRow).insert(), terms)
            session.execute(_table(SearchDocumentRow).insert(), docs)
            if sqlite:
                session.execute(text("INSERT INTO search_fts(rowid, body) VALUES (:doc_id, :body)"),
                                docs)
            session.commit()
        if not sqlite:
            session.execute(text("UPDATE search_documents SET tsv = to_tsvector('simple', body)"))
            session.commit()


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def shapes(rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    def phrase(n: int) -> str:
        return '"' + " ".join(rng.choices(WORDS, k=n)) + '"'

    return [
        ("1,000 nested parentheses", {"q": "(" * 1000 + "data" + ")" * 1000}),
        ("2,000 NOTs", {"q": "NOT " * 2000 + "data"}),
        ("5,000 '-'", {"q": "-" * 5000 + "data"}),
        ("5,000 '+'", {"q": "+" * 5000 + "data"}),
        ("phrase, 8 words", {"q": phrase(8)}),
        ("phrase, 40 words", {"q": phrase(40)}),
        ("phrase, 65 words", {"q": phrase(65)}),
        ("phrase, 65 words in titles.title", {"q": "titles.title:" + phrase(65)}),
        ("phrase of one word repeated, 100 words", {"q": '"' + "data " * 100 + '"'}),
        ("500 bare words", {"q": " ".join(rng.choices(WORDS, k=500))}),
        ("128 bare words", {"q": " ".join(rng.choices(WORDS, k=128))}),
        ("OR of 128 words", {"q": " OR ".join(rng.choices(WORDS, k=128))}),
        ("OR of 128 subjects", {"q": " OR ".join(
            f"subjects.subject:s{k}" for k in range(128))}),
        ("8 keyword wildcards *a*a*a*a*a*a*c", {"q": " OR ".join(
            f"subjects.subject:*{'a*' * 6}c{k}" for k in range(8))}),
        ("?year=9223372036854775807", {"year": "9223372036854775807"}),
        ("broad match, facets", {"q": "data"}),
        ("everything, facets", {"q": "*"}),
        ("broad match, relevance, page 2 shape", {"q": "data OR model", "size": "100"}),
    ]


MIXED_FIELDS = ["titles.title", "subjects.subject", "creators.name", "language",
                "types.resourceTypeGeneral", "descriptions.description"]


def distinct_query(rng: random.Random, k: int) -> str:
    """Query ``k`` of the memory run: 20 to 128 clauses, a shape of its own.

    Even ``k``: bare words joined by OR and AND (terms of one field become
    one lookup); odd ``k``: clauses over several fields, ranges and phrases,
    in a random order (each a lookup of its own, so the statement grows).
    """
    n = rng.randint(20, 128)
    if k % 2 == 0:
        words = rng.choices(WORDS, k=n - 1) + [f"w{k}"]
        return " ".join(w + rng.choice([" OR", " AND", ""]) for w in words).rstrip("ORAND ")
    clauses = []
    for _ in range(n - 1):
        kind = rng.random()
        if kind < 0.2:
            lo = rng.randint(1990, 2025)
            clauses.append(f"publicationYear:[{lo} TO {lo + rng.randint(0, 5)}]")
        elif kind < 0.3:
            clauses.append('"' + " ".join(rng.choices(WORDS, k=rng.randint(2, 6))) + '"')
        else:
            clauses.append(f"{rng.choice(MIXED_FIELDS)}:{rng.choice(WORDS)}")
    clauses.append(f"titles.title:w{k}")
    return " OR ".join(clauses)


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_get(client: FlaskClient, args: dict[str, str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    response = client.get("/api/records?" + urlencode(args))
    return time.perf_counter() - t0, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--distinct", type=int, default=10_000)
    parser.add_argument("--only", default="",
                        help="run only the shapes whose label contains this text")
    parser.add_argument("--database", default="", help="PostgreSQL URL (default: temp SQLite)")
    args = parser.parse_args()
    rng = random.Random(42)
    with scratch_database(args.database, "bench_query_limits") as (engine, folder):
        prepare(engine)
        print(f"database: {engine.dialect.name}, records: {args.records:,}")
        t0 = time.perf_counter()
        load(engine, args.records, rng)
        analyze(engine)
        print(f"load: {time.perf_counter() - t0:.1f} s")
        # rate limits off: this measures the cost of each query, from one client
        config = load_config({"base_url": "http://bench.invalid", "data_dir": str(folder),
                              "ratelimit_enabled": False}, environ={})
        client = create_app(services=build_services(config, engine=engine)).test_client()
        run(client, args, rng)


def run(client: FlaskClient, args: argparse.Namespace, rng: random.Random) -> None:
    worst_all = 0.0
    print(f"{'shape':44} {'status':>6} {'worst ms':>9}")
    for label, query in shapes(rng):
        if args.only not in label:
            continue
        times, status = [], 0
        for _ in range(args.repeat):
            seconds, status = timed_get(client, query)
            times.append(seconds)
        worst_all = max(worst_all, max(times))
        print(f"{label:44} {status:>6} {max(times) * 1000:9.1f}")
    print(f"worst server time of any shape: {worst_all * 1000:.1f} ms")

    before = rss_mb()
    marks = {max(1, args.distinct // 10), max(1, args.distinct // 2), args.distinct}
    worst = 0.0
    for k in range(1, args.distinct + 1):
        q = distinct_query(rng, k)
        seconds, _ = timed_get(client, {"q": q, "facets": "0", "size": "1"})
        worst = max(worst, seconds)
        if k in marks:
            print(f"RSS after {k:>6,} distinct large queries (20-128 clauses): "
                  f"{rss_mb():7.1f} MB (before: {before:.1f} MB)")
    print(f"worst server time of the distinct queries: {worst * 1000:.1f} ms")


if __name__ == "__main__":
    main()
