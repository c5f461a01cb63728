"""Harvest speed over HTTP: this server against the ``oaipmh`` package's reference server.

One run, on one machine, side by side:

* N records are inserted in bulk (the shape of ``bench_oai``: title, creator,
  publisher, description, subject, DOI) and their OAI payloads rendered the
  way ingest renders them (``repository_core.payloads.warm``);
* this server runs in a process of its own (waitress, a real socket, the
  production app), and so does the reference: the ``oaipmh`` package's
  ``BatchingServer`` over an in-memory list of the same records in
  ``oai_dc`` (served by waitress too), page size 100 on both;
* a raw HTTP client (``http.client``, one kept-alive connection, no XML
  parsing: records are counted and the token found in the bytes) harvests
  everything with ``Accept-Encoding: identity`` and again with ``gzip``;
* the same pages are assembled in this process without HTTP
  (``OAIEndpoint.respond``: what a request does minus the socket, Flask and
  the compression);
* page 1 (the snapshot bound and the count), page 2 and page 1,000 latency
  over HTTP, and the server's resident memory (now and peak) after the harvests;
* a floor: a Flask app under waitress (a process of its own) that answers
  each request with our server's page for it, kept in memory, compressed
  as ours compresses: what the HTTP stack alone costs for these bytes, so
  the most any assembly of the pages could reach against the reference.

Printed: records/s of each, the ratios ours / reference and HTTP / in-process,
and each server's CPU time per page (user + system, from ``/proc``): on a
shared machine the wall-clock rates move with the load, the CPU time much
less.

Usage::

    python benchmarks/bench_harvest_speed.py --records 100000
    python benchmarks/bench_harvest_speed.py --records 100000 --database postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FORMATS = ("oai_dc", "oai_datacite", "datacite")
_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


# -- the servers, each in a process of its own -------------------------------------------
def serve_ours(database: str, data_dir: str, page_size: int) -> None:

    from oaiserver.config import Config
    from oaiserver.http.app import create_app
    from oaiserver.services import build_services
    from repository_core.db import make_engine

    config = Config(data_dir=data_dir, secret_key="bench", oai_page_size=page_size,
                    ratelimit_enabled=False, base_url="http://127.0.0.1")
    app = create_app(services=build_services(config, engine=make_engine(database)))
    _serve(app)


def serve_reference(records: int, page_size: int) -> None:
    from oaipmh import common
    from oaipmh.metadata import MetadataRegistry
    from oaipmh.server import BatchingServer, oai_dc_writer

    start = datetime(2020, 1, 1)
    items = []
    for i in range(records):
        header = common.Header(None, f"oai:bench.example.org:b{i:07d}",
                               start + timedelta(milliseconds=i), [], False)
        items.append((header, common.Metadata(None, reference_fields(i)), None))

    class Provider:
        """IBatchingOAI over a list already in datestamp order (the reference's best case)."""

        def identify(self) -> Any:
            return common.Identify(
                repositoryName="Reference", baseURL="http://127.0.0.1/oai", protocolVersion="2.0",
                adminEmails=["admin@example.org"], earliestDatestamp=start,
                deletedRecord="persistent", granularity="YYYY-MM-DDThh:mm:ssZ",
                compression=["identity"])

        def listRecords(self, metadataPrefix: str, set: Any = None, from_: Any = None,
                        until: Any = None, cursor: int = 0, batch_size: int = 10) -> list[Any]:
            return items[cursor:cursor + batch_size]

    registry = MetadataRegistry()
    registry.registerWriter("oai_dc", oai_dc_writer)
    server = BatchingServer(Provider(), registry, resumption_batch_size=page_size)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        from urllib.parse import parse_qs

        args = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        body = server.handleRequest(args)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    _serve(app)


def serve_pages(path: str) -> None:
    """The floor: each recorded page served as it is (gzip as our server compresses it)."""
    import pickle

    from flask import Flask, Response, request

    from oaiserver.oai.views import COMPRESS_LEVEL

    pages: dict[str, bytes] = pickle.loads(Path(path).read_bytes())
    app = Flask(__name__)

    @app.route("/oai")
    def oai() -> Response:
        body = pages[request.query_string.decode()]
        response = Response(content_type="text/xml; charset=utf-8")
        if request.accept_encodings["gzip"] > 0:
            body = gzip.compress(body, compresslevel=COMPRESS_LEVEL, mtime=0)
            response.content_encoding = "gzip"
        response.set_data(body)
        return response

    _serve(app)


def reference_fields(i: int) -> dict[str, list[str]]:
    """The oai_dc fields this server writes for ``bench_oai.metadata(i)``."""
    return {
        "title": [f"Benchmark record {i}"], "creator": ["Müller, Anna"],
        "subject": ["ocean temperature"],
        "description": ["A record made for the benchmark. " * 4],
        "publisher": ["Example Data Centre"], "date": ["2021"], "type": ["Dataset"],
        "identifier": [f"https://doi.org/10.5072/bench.{i}"],
    }


def _serve(app: Any) -> None:
    import waitress.server

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
    print(server.effective_port, flush=True)
    server.run()


def start(args: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, seconds (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process, MB (Linux)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


# -- the client ---------------------------------------------------------------------------
class Client:
    def __init__(self, port: int, encoding: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.encoding = encoding

    def get(self, params: dict[str, str]) -> bytes:
        self.conn.request("GET", "/oai?" + urlencode(params),
                          headers={"Accept-Encoding": self.encoding})
        response = self.conn.getresponse()
        body = response.read()
        assert response.status == 200, (response.status, body[:200])
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body


def harvest(get: Any, prefix: str, *, keep: int = 0) -> tuple[int, float, str | None]:
    """(records, seconds, the token of page ``keep``) of a full ListRecords."""
    started = time.perf_counter()
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    count, page, kept = 0, 1, None
    while True:
        body = get(params)
        count += body.count(b"<record>") + body.count(b"<record ")
        found = _TOKEN.search(body)
        if found is None:
            break
        page += 1
        token = found.group(1).decode()
        if page == keep:
            kept = token
        params = {"verb": "ListRecords", "resumptionToken": token}
    return count, time.perf_counter() - started, kept


def median_ms(get: Any, params: dict[str, str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        get(params)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


# -- the run -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--serve-ours", nargs=2, metavar=("URL", "DATA_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--serve-reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-pages", metavar="FILE", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.serve_pages:
        return serve_pages(options.serve_pages)
    if options.serve_ours:
        return serve_ours(*options.serve_ours, options.page_size)
    if options.serve_reference:
        return serve_reference(options.records, options.page_size)

    from sqlalchemy import text

    from benchmarks.bench_oai import populate
    from benchmarks.scratch_database import scratch_database
    from oaiserver.config import Config
    from oaiserver.services import build_services
    from repository_core.db import Base

    print(f"load average before: {os.getloadavg()}")
    with scratch_database(options.database, "bench_harvest_speed") as (engine, folder):
        import repository_core.migrate

        repository_core.migrate.target_metadata()
        Base.metadata.create_all(engine)
        t = time.perf_counter()
        populate(engine, options.records)
        print(f"inserted {options.records} records in {time.perf_counter() - t:.1f} s "
              f"({engine.dialect.name})")
        config = Config(data_dir=str(folder), secret_key="bench", oai_page_size=options.page_size,
                        ratelimit_enabled=False, base_url="http://127.0.0.1")
        services = build_services(config, engine=engine)
        try:
            from oaiserver.oai.sql import render_payloads as warm
        except ImportError:
            warm = None  # a version without the payload store
        if warm is not None:
            t = time.perf_counter()
            rendered = warm(engine, services.export_context)
            print(f"rendered {rendered} payloads in {time.perf_counter() - t:.1f} s")

        url = engine.url.render_as_string(hide_password=False)
        if engine.dialect.name == "postgresql":  # the server process uses the scratch schema
            with engine.connect() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            url += f"?options=-csearch_path%3D{schema}"
        ours, our_port = start(["--serve-ours", url, str(folder),
                                "--page-size", str(options.page_size)])
        ref, ref_port = start(["--serve-reference", "--records", str(options.records),
                               "--page-size", str(options.page_size)])
        try:
            run(options, services, ours, our_port, ref, ref_port)
        finally:
            for proc in (ours, ref):
                proc.terminate()
                proc.wait(10)
    print(f"load average after: {os.getloadavg()}")


def run(options: Any, services: Any, ours: Any, our_port: int, ref: Any, ref_port: int) -> None:
    n = options.records
    pages = -(-n // options.page_size)
    deep = min(1000, pages)
    deep_token = None
    rates: dict[tuple[str, str], float] = {}
    # the server's own CPU time per page too: wall-clock rates on a shared
    # machine move with its load, a server's CPU time much less
    cpu: dict[tuple[str, str], float] = {}
    for encoding in ("identity", "gzip"):
        before = cpu_seconds(ref.pid)
        ref_count, ref_s, _ = harvest(Client(ref_port, encoding).get, "oai_dc")
        cpu[("reference", encoding)] = (cpu_seconds(ref.pid) - before) / pages * 1000
        assert ref_count == n, ref_count
        rates[("reference", encoding)] = n / ref_s
        print(f"reference oai_dc       {encoding:8s} {n / ref_s:9.0f} records/s   "
              f"server CPU {cpu[('reference', encoding)]:5.2f} ms/page")
        for prefix in FORMATS:
            before = cpu_seconds(ours.pid)
            count, seconds, kept = harvest(Client(our_port, encoding).get, prefix, keep=deep)
            cpu[(prefix, encoding)] = (cpu_seconds(ours.pid) - before) / pages * 1000
            assert count == n, (prefix, count)
            deep_token = deep_token or kept
            rates[(prefix, encoding)] = n / seconds
            print(f"ours      {prefix:12s} {encoding:8s} {n / seconds:9.0f} records/s   "
                  f"x{n / seconds / rates[('reference', encoding)]:.2f} the reference; "
                  f"server CPU {cpu[(prefix, encoding)]:5.2f} ms/page, "
                  f"x{cpu[('reference', encoding)] / cpu[(prefix, encoding)]:.2f} the reference's")
    now, peak = rss_mb(ours.pid)
    print(f"server RSS after the harvests: {now:.0f} MB (peak {peak:.0f} MB)")
    floor(our_port, n, pages, rates, cpu)

    endpoint = services.oai
    for prefix in FORMATS:
        before = time.process_time()
        count, seconds, _ = harvest(
            lambda p: endpoint.respond({k: [v] for k, v in p.items()}), prefix)
        spent = (time.process_time() - before) / pages * 1000
        assert count == n
        inproc = n / seconds
        print(f"in-process {prefix:12s}          {inproc:9.0f} records/s   "
              f"HTTP identity x{rates[(prefix, 'identity')] / inproc:.2f}, "
              f"gzip x{rates[(prefix, 'gzip')] / inproc:.2f} of in-process; "
              f"CPU {spent:5.2f} ms/page (with the client's counting)")

    get = Client(our_port, "identity").get
    first = median_ms(get, {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    token2 = _TOKEN.search(get({"verb": "ListRecords", "metadataPrefix": "oai_dc"}))
    assert token2 is not None
    second = median_ms(get, {"verb": "ListRecords", "resumptionToken": token2.group(1).decode()})
    print(f"page 1 (bound + count) {first:7.1f} ms; page 2 {second:7.1f} ms; "
          f"page 1 / page 2 x{first / second:.2f}")
    if deep_token and deep > 2:
        deep_ms = median_ms(get, {"verb": "ListRecords", "resumptionToken": deep_token})
        print(f"page {deep} {deep_ms:7.1f} ms; page {deep} / page 2 x{deep_ms / second:.2f}")


def floor(our_port: int, n: int, pages: int, rates: dict[tuple[str, str], float],
          cpu: dict[tuple[str, str], float]) -> None:
    """Harvest our ``oai_dc`` pages again from a server that only sends them (``serve_pages``)."""
    import pickle
    import tempfile

    recorded: dict[str, bytes] = {}
    client = Client(our_port, "identity")

    def record(params: dict[str, str]) -> bytes:
        recorded[urlencode(params)] = body = client.get(params)
        return body

    harvest(record, "oai_dc")
    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        file.write(pickle.dumps(recorded))
        file.flush()
        server, port = start(["--serve-pages", file.name])
        try:
            for encoding in ("identity", "gzip"):
                before = cpu_seconds(server.pid)
                count, seconds, _ = harvest(Client(port, encoding).get, "oai_dc")
                spent = (cpu_seconds(server.pid) - before) / pages * 1000
                assert count == n, count
                print(f"floor     oai_dc       {encoding:8s} {n / seconds:9.0f} records/s   "
                      f"x{n / seconds / rates[('reference', encoding)]:.2f} the reference; "
                      f"server CPU {spent:5.2f} ms/page, "
                      f"x{cpu[('reference', encoding)] / spent:.2f} the reference's "
                      f"(our pages sent by Flask and waitress, nothing assembled)")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
