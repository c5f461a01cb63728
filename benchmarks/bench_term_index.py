"""The ceiling the term index puts on a load: its rows alone, written as a load writes them.

``oaiserver load`` writes, for each batch of new records, their rows in
``query_terms`` (a row per token of each text field, per keyword, per
number: the index the embedded search and the set queries read). This
writes nothing else: N synthetic records (``fixtures.synthetic``, read and
normalised as the loader reads them) in batches of ``--batch-size``, each
batch in one transaction with the load's SQLite settings; a batch's record
rows first (timed apart), then its term rows by the loader's own
``index_terms_many`` (SQLite: the driver's ``executemany``; PostgreSQL:
``COPY``), timed.

Printed: term rows a record; records/s of the term rows alone, overall and
for the last tenth of the batches (the indexes grow as the load goes on);
the record rows' rate beside them; and the term rows' rate against the
ingest target (2,000 records/s on SQLite, 1,000 on PostgreSQL). A load
that writes these rows in its one writing connection cannot go faster than
this, whatever else it does in other processes.

Usage::

    python benchmarks/bench_term_index.py --records 20000
    python benchmarks/bench_term_index.py --records 20000 --database postgresql
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlalchemy.orm import Session

from benchmarks.bench_ingest import POSTGRES, TARGETS
from benchmarks.scratch_database import scratch_database
from fixtures.synthetic import generate
from repository_core.loading import _sqlite_for_bulk
from repository_core.metadata import read_records
from repository_core.migrate import upgrade
from repository_core.models import RecordRow
from repository_core.query.fields import extract
from repository_core.query.sql import index_terms_many, term_tuples
from repository_core.record_ids import new_record_id
from repository_core.records import Record


def records(count: int, seed: int) -> list[Record]:
    """``count`` synthetic records as the loader reads them, with new ids in order."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    found = []
    for i, document in enumerate(generate(count, seed=seed)):
        [read] = read_records(json.dumps(document).encode(), source="synthetic")
        stamp = start + timedelta(milliseconds=i)
        found.append(Record(id=new_record_id(), metadata=read["metadata"], created=stamp,
                            datestamp=stamp, revision=1, doi=read["metadata"].get("doi"),
                            deleted=False, collections=tuple(read["collections"])))
    return found


def write(engine: Any, batch: list[Record]) -> tuple[float, float]:
    """(seconds of the record rows, seconds of the term rows) of one batch."""
    extracted = [extract(r) for r in batch]
    with Session(engine) as session, session.begin():
        _sqlite_for_bulk(session)
        started = time.perf_counter()
        session.execute(insert(RecordRow), [
            {"id": r.id, "doi": r.doi, "metadata_json": r.metadata, "collections": list(r.collections),
             "created": r.created, "datestamp": r.datestamp, "revision": 1, "deleted": False}
            for r in batch])
        between = time.perf_counter()
        index_terms_many(session, batch, extracted)
        session.flush()
        ended = time.perf_counter()
    return between - started, ended - between


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--database", default="sqlite",
                        help="sqlite, postgresql, or a database URL")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = {"sqlite": "", "postgresql": POSTGRES}.get(args.database, args.database)
    kind = "sqlite" if not url or url.startswith("sqlite") else "postgresql"
    target = TARGETS[kind]

    print(f"reading {args.records:,} synthetic records ...", flush=True)
    corpus = records(args.records, args.seed)
    rows = sum(len(term_tuples(r, extract(r))) for r in corpus[:1000]) / min(1000, len(corpus))
    print(f"{rows:.0f} term rows a record (the first 1,000), {kind}, batches of {args.batch_size}")
    with scratch_database(url, "bench_term_index") as (engine, _folder):
        upgrade(engine)
        batches = [corpus[i:i + args.batch_size]
                   for i in range(0, len(corpus), args.batch_size)]
        spent = [write(engine, batch) for batch in batches]
    record_s = sum(s for s, _ in spent)
    term_s = sum(t for _, t in spent)
    tail = spent[-max(1, len(spent) // 10):]
    tail_records = sum(len(b) for b in batches[-len(tail):])
    rate = args.records / term_s
    print(f"term rows alone: {rate:,.0f} records/s overall "
          f"({rate * rows:,.0f} rows/s), {tail_records / sum(t for _, t in tail):,.0f} records/s "
          f"over the last {len(tail)} batches")
    print(f"record rows alone: {args.records / record_s:,.0f} records/s")
    print(f"the term rows alone are {rate / target:.2f} x the ingest target of "
          f"{target:,.0f} records/s")


if __name__ == "__main__":
    main()
