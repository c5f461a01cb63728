"""Benchmark: ``sort=title`` pages against ``sort=newest``, on the embedded search.

Run::

    .venv/bin/python benchmarks/bench_title_sort.py                  # 100,000 records, SQLite
    .venv/bin/python benchmarks/bench_title_sort.py --records 20000
    .venv/bin/python benchmarks/bench_title_sort.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Loads ``--records`` records in bulk (as ``bench_query_limits`` does), then
times the search service (no HTTP) for the first page, and a page reached by
following ``--pages`` keyset cursors, of: everything, a facet filter, and a
query, each sorted by title and by newest (20 hits, facets off: the sort is
what is measured). Prints the worst of ``--repeat`` runs in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from benchmarks.bench_query_limits import load
from benchmarks.bench_sets import analyze, prepare
from benchmarks.scratch_database import scratch_database
from repository_core.search import search

SHAPES: list[tuple[str, str | None, dict[str, list[str]]]] = [
    ("everything", None, {}),
    ("a resource type filter", None, {"resource_type": ["Dataset"]}),
    ("a word", "data", {}),
]


def timed(engine: Any, q: str | None, sort: str, filters: dict[str, list[str]], pages: int,
          repeat: int) -> tuple[float, float]:
    """(worst first page, worst page after ``pages`` cursors) in seconds."""
    with Session(engine) as session:
        cursor = None
        for _ in range(pages):  # the cursor of the deep page, found once
            cursor = search(session, q, sort=sort, size=20, cursor=cursor, filters=filters,
                            facets=False).next_cursor
        first = deep = 0.0
        for _ in range(repeat):
            t0 = time.perf_counter()
            search(session, q, sort=sort, size=20, filters=filters, facets=False)
            first = max(first, time.perf_counter() - t0)
            t0 = time.perf_counter()
            search(session, q, sort=sort, size=20, cursor=cursor, filters=filters,
                   facets=False)
            deep = max(deep, time.perf_counter() - t0)
    return first, deep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="", help="PostgreSQL URL (default: temp SQLite)")
    args = parser.parse_args()
    with scratch_database(args.database, "bench_title_sort") as (engine, _):
        prepare(engine)
        load(engine, args.records, random.Random(42))
        analyze(engine)
        print(f"database: {engine.dialect.name}, records: {args.records:,}, "
              f"deep page: after {args.pages} pages")
        print(f"{'shape':26} {'sort':7} {'first ms':>9} {'deep ms':>9}")
        for label, q, filters in SHAPES:
            for sort in ("title", "newest"):
                first, deep = timed(engine, q, sort, filters, args.pages, args.repeat)
                print(f"{label:26} {sort:7} {first * 1000:9.1f} {deep * 1000:9.1f}")


if __name__ == "__main__":
    main()
