"""Benchmark: OAI set membership (placing a written record; filling a set).

Run::

    .venv/bin/python benchmarks/bench_sets.py                 # 100,000 records, SQLite
    .venv/bin/python benchmarks/bench_sets.py --records 10000 # a quick run
    .venv/bin/python benchmarks/bench_sets.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Measures, in one run:

1. placing one written record among 1,000 defined sets: the cost of a
   record update through ``RecordService`` with all query hooks (terms,
   full-text, membership), against the same write with no sets defined;
2. filling one new set over the whole store (``create_set``: one UPDATE
   and a few INSERT ... SELECT over the term index), for a selective and a
   broad query, and changing its query;
3. a set-selective page of 100 deep in the set, read the way ListRecords
   reads it (``oaiserver.oai.sql.SQLRepository.list_records``).

PostgreSQL runs in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from benchmarks.scratch_database import scratch_database
from oaiserver.oai.sql import SQLRepository
from repository_core.db import Base
from repository_core.migrate import upgrade
from repository_core.models import RecordRow, SetRow
from repository_core.query import index_record_terms
from repository_core.query.sql import term_rows
from repository_core.query.term_table import TermRow
from repository_core.records import Cursor, Record
from repository_core.search import (
    create_search_schema,
    index_search_document,
    search_tables,
)
from repository_core.service import RecordService
from repository_core.sets import (
    SetMembershipHook,
    create_set,
    membership_count,
    update_set,
)

TYPES = ["Dataset", "Software", "Text", "Image", "Collection", "Other"]
SUBJECTS = ["climate", "oceanography", "genomics", "physics", "linguistics", "ecology",
            "economics", "astronomy", "chemistry", "history"]
WORDS = ["data", "model", "ocean", "climate", "change", "ice", "arctic", "survey", "gene", "protein", "star", "galaxy", "language", "corpus", "market", "river", "soil", "forest", "city", "energy"]
AFFS = ["University of Oslo", "CERN", "ETH Zürich", "Max Planck Institute", "MIT",
        "University of Tokyo", "Université de Genève"]


def metadata(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "doi": f"10.5555/bench.{i}",
        "types": {"resourceTypeGeneral": rng.choice(TYPES)},
        "titles": [{"title": " ".join(rng.sample(WORDS, 5))}],
        "creators": [{"name": f"Person {rng.randrange(5000)}", "nameType": "Personal",
                      "affiliation": [{"name": rng.choice(AFFS)}]}],
        "publisher": {"name": "Bench"},
        "publicationYear": str(rng.randint(1990, 2025)),
        "subjects": [{"subject": s} for s in rng.sample(SUBJECTS, 2)],
        "language": rng.choice(["en", "de", "fr", "ja"]),
        "descriptions": [{"description": " ".join(rng.choices(WORDS, k=20)),
                          "descriptionType": "Abstract"}],
    }


def prepare(engine: Engine) -> None:
    upgrade(engine)
    Base.metadata.create_all(engine, tables=[Base.metadata.tables["query_terms"],
                                             *search_tables()])
    with engine.begin() as conn:
        create_search_schema(conn)


def load(engine: Engine, n: int, rng: random.Random) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    batch = 2000
    with Session(engine) as session:
        for lo in range(0, n, batch):
            records, terms = [], []
            for i in range(lo, min(n, lo + batch)):
                stamp = start + timedelta(seconds=i)
                md = metadata(rng, i)
                rec = Record(id=f"b{i:07d}", metadata=md, created=stamp, datestamp=stamp,
                             doi=md["doi"])
                records.append({"id": rec.id, "doi": rec.doi, "metadata_json": md,
                                "collections": [], "created": stamp, "datestamp": stamp,
                                "revision": 1, "deleted": False})
                terms += term_rows(rec)
            session.execute(RecordRow.__table__.insert(), [{**r, "metadata": r.pop("metadata_json")} for r in records])
            session.execute(TermRow.__table__.insert(), terms)
            session.commit()


def analyze(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--sets", type=int, default=1_000)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--database", default="", help="PostgreSQL URL (default: temp SQLite)")
    args = parser.parse_args()
    rng = random.Random(42)

    with scratch_database(args.database, "bench_sets") as (engine, _):
        run(engine, args, rng)


def run(engine: Engine, args: argparse.Namespace, rng: random.Random) -> None:
    prepare(engine)
    print(f"database: {engine.dialect.name}, records: {args.records:,}, sets: {args.sets:,}")
    seconds, _ = timed(lambda: load(engine, args.records, rng))
    print(f"load (bulk, with term index):        {seconds:8.2f} s")
    analyze(engine)  # as autovacuum would after a bulk load

    svc = RecordService(engine, validate=lambda md, **kw: [],
                        hooks=[index_record_terms, index_search_document, SetMembershipHook()])
    targets = [f"b{rng.randrange(args.records):07d}" for _ in range(args.writes)]

    def writes() -> list[float]:
        out = []
        for rid in targets:
            md = metadata(rng, int(rid[1:]))
            t0 = time.perf_counter()
            svc.update(rid, md)
            out.append(time.perf_counter() - t0)
        return out

    base = writes()
    # 1,000 sets: varied queries over the fields harvesters use
    queries = []
    for k in range(args.sets):
        queries.append(rng.choice([
            (f"types.resourceTypeGeneral:{rng.choice(TYPES)} AND subjects.subject:"
             f"{rng.choice(SUBJECTS)}"),
            f"publicationYear:[{rng.randint(1990, 2020)} TO {rng.randint(2010, 2025)}]",
            f'creators.affiliation.name:"{rng.choice(AFFS)}" OR language:{rng.choice("efj")}*',
            (f"titles.title:{rng.choice(WORDS)} AND NOT descriptions.description:"
             f"{rng.choice(WORDS)}"),
            (f"_exists_:subjects.subject AND (language:en OR language:de) AND "
             f"publicationYear:>={rng.randint(1990, 2025)}"),
        ]))
    now = datetime.now(UTC)
    with Session(engine) as session:  # defined without filling: only placement is measured
        session.execute(insert(SetRow), [
            {"spec": f"bench:s{k:04d}", "name": f"s{k}", "description": None, "query": q,
             "created": now, "updated": now} for k, q in enumerate(queries)])
        session.commit()
    with_sets = writes()
    b, w = statistics.median(base), statistics.median(with_sets)
    print(f"write one record, no sets (median): {b * 1000:8.2f} ms")
    print(f"write one record, {args.sets:,} sets (median): {w * 1000:8.2f} ms   "
          f"(placement costs {(w - b) * 1000:.2f} ms, x{w / b:.2f})")

    for label, query in [
        ("selective", "types.resourceTypeGeneral:Software AND subjects.subject:climate"),
        ("broad", "publicationYear:>=2000 AND NOT language:ja"),
    ]:
        spec = f"fill-{label}"
        with svc.transaction() as s:
            seconds, _ = timed(lambda s=s, spec=spec, label=label, query=query:
                               create_set(s, spec, name=label, query=query))
        with svc.reading() as s:
            members = membership_count(s, spec)
        print(f"fill one set over {args.records:,} ({label}, {members:,} members): "
              f"{seconds:8.2f} s")
    analyze(engine)
    with svc.transaction() as s:
        seconds, _ = timed(lambda: update_set(s, "fill-broad",
                                                  query="publicationYear:>=2010"))
    print(f"change the broad set's query:          {seconds:8.2f} s")

    # the page as the OAI endpoint reads it for ListRecords&set=fill-broad
    oai = SQLRepository(engine)

    def set_page(after: Cursor | None) -> list[Any]:
        return oai.list_records(set_spec="fill-broad", since=None, until=None, after=after, limit=100)

    first = set_page(None)
    t_first, _ = timed(lambda: set_page(None))
    half = oai.list_records(set_spec="fill-broad", since=None, until=None, after=None,
                            limit=max(1, members // 2))
    deep_after = half[-1].position
    t_deep, _ = timed(lambda: set_page(deep_after))
    print(f"set page of 100, first / middle:       {t_first * 1000:8.2f} ms / "
          f"{t_deep * 1000:.2f} ms   ({len(first)} rows)")


if __name__ == "__main__":
    main()
