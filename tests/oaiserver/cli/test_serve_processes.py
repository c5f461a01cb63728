"""``oaiserver serve --workers N`` on PostgreSQL: several processes, one repository.

Two servers run as real processes on one PostgreSQL schema: one with
``--workers 2`` (gunicorn, two web processes, background work in processes
of its own) and one plain. A harvest whose pages alternate between them
completes exactly; the usage worker process turns page views into figures;
SIGTERM stops every process ``serve`` started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree

from oaiserver.config import Config
from oaiserver.services import build_services
from repository_core.db import make_engine
from repository_core.migrate import upgrade
from tests.databases import POSTGRES_URL, postgres_schema
from tests.sample_metadata import minimal

ROOT = Path(__file__).resolve().parents[3]
OAI = "{http://www.openarchives.org/OAI/2.0/}"
BASE_URL = "http://repository.example.org"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A database URL whose connections use a new, empty schema."""
    for schema in postgres_schema():
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError("server exited: " + (process.stderr.read().decode()
                                                      if process.stderr else ""))
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no server at {url}")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_two_server_processes_serve_one_harvest_and_share_the_work(schema_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAISERVER_")}
    env.update({
        "OAISERVER_DATABASE_URL": schema_url,
        "OAISERVER_SECRET_KEY": "shared-secret",
        "OAISERVER_BASE_URL": BASE_URL,
        "OAISERVER_OAI_PAGE_SIZE": "4",
        "OAISERVER_RATELIMIT_ENABLED": "false",
        "OAISERVER_STATS_WORKER_INTERVAL_SECONDS": "1",
        "OAISERVER_HARVEST_INTERVAL_MINUTES": "60",  # a scheduler process, no source to harvest
    })
    engine = make_engine(schema_url)
    upgrade(engine)
    services = build_services(Config(database_url=schema_url, base_url=BASE_URL,
                                     secret_key="shared-secret"), engine=engine)
    ids = [services.records.create(minimal(titles=[{"title": f"Record {i}"}]),
                                   record_id=f"p{i:03d}").id for i in range(22)]
    services.close()

    command = [sys.executable, "-m", "oaiserver", "serve", "--host", "127.0.0.1"]
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen([*command, "--port", str(ports[0]), "--workers", "2", "--threads", "2"],
                         env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
        subprocess.Popen([*command, "--port", str(ports[1])], env={
            **env, "OAISERVER_STATS_WORKER": "false"},
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            _wait(url + "/health", process)

        # two web processes forked by gunicorn, the usage and harvest workers spawned apart
        parent = processes[0].pid
        children = _children(parent)
        forked = [c for c in children if _cmdline(c) == _cmdline(parent)]
        assert len(forked) == 2, (children, [_cmdline(c) for c in children])
        spawned = [c for c in children if b"multiprocessing" in _cmdline(c)
                   and b"resource_tracker" not in _cmdline(c)]
        assert len(spawned) == 2, (children, [_cmdline(c) for c in children])

        # a harvest whose pages alternate between the two servers
        seen: list[str] = []
        params: dict[str, str] = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
        for page in range(20):
            reply = requests.get(urls[page % 2] + "/oai", params=params, timeout=30)
            assert reply.status_code == 200
            tree = etree.fromstring(reply.content)
            assert not tree.findall(f"{OAI}error"), reply.text
            seen += [h.findtext(f"{OAI}identifier").rsplit(":", 1)[-1]
                     for h in tree.iter(f"{OAI}header")]
            token = tree.findtext(f".//{OAI}resumptionToken")
            if not token:
                break
            params = {"verb": "ListIdentifiers", "resumptionToken": token}
        assert seen == ids  # every record once, in order, across 6 pages and 2 servers

        # views on both servers reach the figures through the usage worker process
        for url in urls:
            for rid in ("p000", "p001"):
                assert requests.get(f"{url}/records/{rid}", headers={"User-Agent": BROWSER},
                                    timeout=30).status_code == 200
        for _ in range(100):
            ready = requests.get(urls[1] + "/health/ready", timeout=30).json()
            if ready["backlogs"]["usage_events"] == 0:
                break
            time.sleep(0.2)
        assert ready["backlogs"]["usage_events"] == 0
        stats = requests.get(urls[1] + "/api/records/p000", timeout=30).json()["stats"]
        # one client viewed p000 on each server seconds apart: a double click, counted once
        assert (stats["total_investigations"], stats["unique_investigations"]) == (1, 1)
    finally:
        started = _children(processes[0].pid) if processes[0].poll() is None else []
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)
            if process.stderr is not None:
                process.stderr.close()
    # SIGTERM reached every process serve started: web workers and background worker
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started and not [pid for pid in started if _alive(pid)]
