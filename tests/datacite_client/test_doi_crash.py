"""SIGKILL the worker process mid-sync, restart it: the end state is the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.sample_metadata import minimal

from .conftest import PASSWORD, PREFIX, USER, build_parts, make_client, make_sqlite
from .standin import DataCiteStandIn, Faults
from .test_doi_lifecycle import assert_synced

ROOT = Path(__file__).resolve().parents[2]


def worker_process(db: Path, standin: DataCiteStandIn, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OAISERVER_DATABASE_URL": f"sqlite:///{db}",
        "OAISERVER_DATACITE_URL": standin.url,
        "OAISERVER_DATACITE_USERNAME": USER,
        "OAISERVER_DATACITE_PASSWORD": PASSWORD,
        "OAISERVER_DATACITE_PREFIX": PREFIX,
    }
    env.pop("OAISERVER_CONFIG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.datacite_client.crash_runner", "sync", "--quiet", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for_requests(standin: DataCiteStandIn, n: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while len(standin.log) < n:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.002)


def test_sigkill_mid_sync_then_restart(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    engine = make_sqlite(db)
    faults = Faults(latency=(0.001, 0.006), p_500=0.05, p_drop=0.05, seed=9)
    with DataCiteStandIn(accounts={USER: (PASSWORD, [PREFIX])}, faults=faults) as standin:
        parts = build_parts(engine, make_client(standin))
        for i in range(80):
            parts.records.create(minimal(titles=[{"title": f"t{i}"}]), record_id=f"k{i:03d}")
            parts.lifecycle.publish(f"k{i:03d}")

        for kill_after in (20, 50):  # two crashes, at different points
            proc = worker_process(db, standin, "--lease", "1")
            wait_for_requests(standin, kill_after, proc)
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(10) == -signal.SIGKILL
            proc.communicate()
            # records change while no worker runs: the restart must send the latest
            for i in range(kill_after, kill_after + 5):
                doi = f"{PREFIX}/k{i:03d}"
                parts.records.update(f"k{i:03d}", minimal(doi=doi, titles=[{"title": f"after {i}"}]))

        assert len(standin.dois) < 80  # the kills happened mid-sync
        proc = worker_process(db, standin, "--lease", "1")
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        assert b"sent" in out
        assert_synced(parts, standin, 80)

    engine.dispose()
