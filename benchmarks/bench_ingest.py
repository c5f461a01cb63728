"""Benchmark: ``oaiserver load`` of a JSON-lines file, as a user runs it.

Run::

    .venv/bin/python benchmarks/bench_ingest.py                        # 10,000 records, SQLite
    .venv/bin/python benchmarks/bench_ingest.py --database postgresql
    .venv/bin/python benchmarks/bench_ingest.py --baseline             # and with --batch-size 1
    .venv/bin/python benchmarks/bench_ingest.py --compare-one-process  # and with --one-process
    .venv/bin/python benchmarks/bench_ingest.py --records 1000 --sets 0 --batch-size 100
    .venv/bin/python benchmarks/bench_ingest.py --records 1000000 --trace 60   # a long stream
    .venv/bin/python benchmarks/bench_ingest.py --keep /tmp/loaded.db  # keep it for bench_search

Generates ``--records`` synthetic records (``fixtures.synthetic``) into a
JSON-lines file, defines ``--sets`` query-defined OAI sets first (by
publication year, resourceTypeGeneral, title word and creator name, in
turn), then runs the real command ``oaiserver load`` as a process of its
own and reports records/s (the process's wall time, start-up and the
migration check included), its peak RSS, and the ratio against the
targets of issue 11: 2,000 records/s on SQLite, 1,000 on PostgreSQL.
It also reports the CPU time the load spent a record (user + system, of
the load process, of its helper processes and, on a PostgreSQL server
running on this machine, of the server's processes, apart) and the rate
this machine's cores allow at that cost, had they nothing else to do: a
load cannot go faster than its work fits on the cores, whatever the order
it does it in.
``--baseline`` loads the same file again into a fresh database with
``--batch-size 1`` (a transaction a record, close to loading before
batches) and prints the ratio batched / one by one. ``--compare-one-process`` loads it again with
``--one-process`` (parsing, validating and rendering payloads in the
writing process, not in processes of their own) and prints that ratio. The load renders the
records' OAI payloads after each batch, as ``oaiserver load`` does by
default; ``--defer-payloads`` measures it without.

``--database``: ``sqlite`` (a file in a temporary folder, the default),
``postgresql`` (the local server, database ``test``) or any URL. PostgreSQL
runs in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, make_url, select, text

from benchmarks.scratch_database import kept_database, scratch_database
from fixtures.synthetic import RESOURCE_TYPES_GENERAL, generate
from oaiserver.config import load_config
from oaiserver.services import build_services
from repository_core.migrate import upgrade
from repository_core.models import RecordRow

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGETS = {"sqlite": 2000.0, "postgresql": 1000.0}
TITLE_WORDS = ["arctic", "ocean", "climate", "data", "model", "river", "soil", "gene", "survey",
               "analysis", "revisited", "measurements", "supplementary", "software", "study"]
CREATOR_NAMES = ["campbell", "smith", "garcia", "muller", "wang", "kim", "novak", "rossi",
                 "connor", "olivia", "mary", "priya", "ivanov", "sato", "kumar"]


def set_queries(count: int) -> dict[str, str]:
    """``count`` set specs and queries: year, resource type, title word, creator, in turn."""
    kinds = [
        [(f"year-{y}", f"publicationYear:{y}") for y in range(2025, 1899, -1)],
        [(f"type-{t.lower()}", f"types.resourceTypeGeneral:{t}") for t in RESOURCE_TYPES_GENERAL],
        [(f"title-{w}", f"titles.title:{w}") for w in TITLE_WORDS],
        [(f"creator-{n}", f"creators.name:{n}") for n in CREATOR_NAMES],
    ]
    found: dict[str, str] = {}
    i = 0
    while len(found) < count and any(kinds):
        kind = kinds[i % len(kinds)]
        if kind:
            spec, query = kind.pop(0)
            found[spec] = query
        i += 1
    return found


def kind_of(url: str) -> str:
    """``sqlite`` or ``postgresql``: which database ``url`` ('' for a scratch SQLite file) is."""
    return "sqlite" if not url or url.startswith("sqlite") else "postgresql"


def local_postgres(url: str) -> bool:
    """Whether ``url`` is a PostgreSQL server on this machine (its processes' CPU is
    then read from /proc)."""
    return (kind_of(url) == "postgresql"
            and make_url(url).host in (None, "", "localhost", "127.0.0.1", "::1"))


def database_url(url: str, engine: Engine) -> str:
    """The URL the load process uses: the benchmark's SQLite file or schema."""
    if not url:
        return f"sqlite:///{engine.url.database}"
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def load_once(url: str, args: argparse.Namespace, path: Path, batch_size: int,
              ahead: bool = True) -> tuple[float, float, int, str, Cpu]:
    """(seconds, peak RSS in MB, records stored, summary line, CPU seconds) of one
    ``oaiserver load``."""
    database = (kept_database(url, args.keep) if args.keep
                else scratch_database(url, "bench_ingest"))
    with database as (engine, _folder):
        upgrade(engine)
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(RecordRow)).scalar_one():
                raise SystemExit(f"--keep {args.keep}: it holds records already; "
                                 "a load is measured into an empty database")
        services = build_services(load_config({"ratelimit_enabled": False}, environ={}),
                                  engine=engine)
        for spec, query in set_queries(args.sets).items():
            services.sets.create(spec, name=spec, query=query)
        env = {**os.environ, "OAISERVER_DATABASE_URL": database_url(url, engine)}
        env.pop("OAISERVER_CONFIG", None)
        server_before = postgres_cpu_seconds() if local_postgres(url) else None
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "oaiserver", "load", "-q", "--batch-size", str(batch_size),
             *(["--defer-payloads"] if args.defer_payloads else []),
             *([] if ahead and not args.one_process else ["--one-process"]), str(path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert process.stderr is not None
        sampler = TreeMemory(process.pid)
        tracer = Trace(process.pid, engine, args.trace, started) if args.trace else None
        err = process.stderr.read().decode()
        _pid, status, usage = os.wait4(process.pid, 0)
        sampler.stop()
        # the whole tree's CPU (wait4 counts the helpers the load waited for), and
        # the load's own as last sampled: the helpers' is the difference
        tree_cpu = usage.ru_utime + usage.ru_stime
        own_cpu = min(sampler.cpu_seconds.get(process.pid, 0.0), tree_cpu)
        server_after = postgres_cpu_seconds() if server_before is not None else None
        if tracer is not None:
            tracer.stop()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"oaiserver load failed ({process.returncode}):\n{err[-2000:]}")
        with engine.connect() as conn:
            stored = int(conn.execute(select(func.count()).select_from(RecordRow)).scalar_one())
        services.close()
    summary = err.strip().splitlines()[-1] if err.strip() else ""
    if sampler.peak_mb:
        summary += f" [peak RSS of the load and its helper processes together: " \
                   f"{sampler.peak_mb:.0f} MB]"
    server = (server_after - server_before
              if server_before is not None and server_after is not None else None)
    return seconds, usage.ru_maxrss / 1024, stored, summary, Cpu(own_cpu, tree_cpu - own_cpu,
                                                                 server)


class _Sampler(ABC):
    """Calls ``tick`` every ``interval`` seconds in a thread of its own until :meth:`stop`."""

    def __init__(self, interval: float):
        self.interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.tick()

    @abstractmethod
    def tick(self) -> None:
        """One sample."""


class TreeMemory(_Sampler):
    """The peak of the summed RSS of a process and its children, and the CPU
    seconds of each as last seen, sampled every 0.2 s from /proc (Linux;
    elsewhere it reports nothing)."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb = pid, 0.0
        self.cpu_seconds: dict[int, float] = {}
        super().__init__(0.2)

    def tick(self) -> None:
        tree = _tree(self.pid)
        total = sum(_rss_kb(p) for p in tree)
        self.peak_mb = max(self.peak_mb, total / 1024)
        for p in tree:
            self.cpu_seconds[p] = max(self.cpu_seconds.get(p, 0.0), _cpu_seconds(p))


class Trace(_Sampler):
    """Every ``every`` seconds, a line: records committed so far (counted in the
    database beside the load), the rate since the last line, and the RSS of the
    load process and of it with its helpers: how a long stream behaves."""

    def __init__(self, pid: int, engine: Engine, every: float, started: float):
        self.pid, self.engine, self.started = pid, engine, started
        self.last_count, self.last_time = 0, started
        super().__init__(every)

    def tick(self) -> None:
        with self.engine.connect() as conn:
            count = int(conn.execute(select(func.count()).select_from(RecordRow)).scalar_one())
        now = time.perf_counter()
        own = _rss_kb(self.pid) / 1024
        tree = sum(_rss_kb(p) for p in _tree(self.pid)) / 1024
        print(f"  {now - self.started:7.0f} s  {count:>10,} records  "
              f"{(count - self.last_count) / (now - self.last_time):6.0f} records/s lately  "
              f"load {own:4.0f} MB, with helpers {tree:4.0f} MB", flush=True)
        self.last_count, self.last_time = count, now


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid] + [p for c in children for p in _tree(int(c))]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (its own threads, not its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Cpu(NamedTuple):
    """CPU seconds of one load: its process, its helpers, and the database server's
    processes (None where not measured: SQLite, or a server on another machine)."""

    own: float
    helpers: float
    server: float | None


def postgres_cpu_seconds() -> float | None:
    """CPU seconds (user + system) the PostgreSQL server's processes on this
    machine have used so far, those that have exited included (the postmaster's
    reaped children: a load's own backend ends with it); None if /proc shows no
    server. Every ``postgres`` process is counted: the difference over a load is
    the server's work for it where nothing else uses the server meanwhile."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, tail = entry.read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            stats[int(entry.parent.name)] = tail.split()
    if not stats:
        return None
    total = 0
    for fields in stats.values():
        total += int(fields[11]) + int(fields[12])
        if int(fields[1]) not in stats:  # the postmaster: add its reaped children
            total += int(fields[13]) + int(fields[14])
    return total / tick


def cpu_line(cpu: Cpu, records: int, target: float) -> str:
    """The CPU a record cost, and the most records/s the machine's cores allow at that cost."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    per_record = (cpu.own + cpu.helpers + (cpu.server or 0.0)) / records
    ceiling = (cores or 1) / per_record if per_record else float("inf")
    server = ("the database server's not counted" if cpu.server is None
              else f"the database server's processes {cpu.server / records * 1000:.2f}")
    return (f"CPU {per_record * 1000:.2f} ms a record (the load process "
            f"{cpu.own / records * 1000:.2f}, its helpers {cpu.helpers / records * 1000:.2f}, "
            f"{server}): {cores} cores allow at most {ceiling:,.0f} records/s at that cost, "
            f"x{ceiling / target:.2f} the target")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--sets", type=int, default=100)
    parser.add_argument("--database", default="sqlite",
                        help="sqlite, postgresql, or a database URL")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--baseline", action="store_true",
                        help="also load with --batch-size 1 and print the ratio")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--defer-payloads", action="store_true",
                        help="load with --defer-payloads (no OAI payloads rendered per batch)")
    parser.add_argument("--one-process", action="store_true",
                        help="load with --one-process (no second process)")
    parser.add_argument("--compare-one-process", action="store_true",
                        help="also load with --one-process and print the ratio")
    parser.add_argument("--trace", type=float, default=0, metavar="SECONDS",
                        help="print records committed, recent rate and memory every SECONDS")
    parser.add_argument("--keep", default="", metavar="FILE_OR_SCHEMA",
                        help="load into this SQLite file (schema, with --database) and keep it, "
                             "for bench_search.py --keep; it must hold no records")
    args = parser.parse_args()
    if args.keep and (args.baseline or args.compare_one_process):
        parser.error("--keep measures one load: not with --baseline or --compare-one-process")
    url = {"sqlite": "", "postgresql": POSTGRES}.get(args.database, args.database)
    kind = kind_of(url)
    target = TARGETS[kind]

    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as folder:
        path = Path(folder) / "records.jsonl"
        with path.open("w") as out:
            for record in generate(args.records, seed=args.seed):
                out.write(json.dumps(record) + "\n")
        print(f"{args.records:,} records ({path.stat().st_size / 1e6:.1f} MB of JSON lines), "
              f"{args.sets} sets, {kind}, OAI payloads "
              f"{'deferred' if args.defer_payloads else 'rendered per batch'}")
        runs = [("batched", args.batch_size, True)]
        runs += [("one process", args.batch_size, False)] if args.compare_one_process else []
        runs += [("one by one", 1, True)] if args.baseline else []
        rates = {}
        for label, size, ahead in runs:
            seconds, rss, stored, summary, cpu = load_once(url, args, path, size, ahead)
            rate = stored / seconds
            rates[label] = rate
            print(f"{label:>10} (--batch-size {size}): {stored:,} records in {seconds:.1f} s = "
                  f"{rate:,.0f} records/s, peak RSS {rss:.0f} MB; "
                  f"{rate / target:.2f} x the target of {target:,.0f}/s")
            print(f"{'':>12}{summary}")
            if stored:
                print(f"{'':>12}{cpu_line(cpu, stored, target)}")
        if args.baseline:
            print(f"batched / one by one: {rates['batched'] / rates['one by one']:.1f} x")
        if args.compare_one_process:
            print(f"with helper processes / in one process: "
                  f"{rates['batched'] / rates['one process']:.2f} x")


if __name__ == "__main__":
    main()
