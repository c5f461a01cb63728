"""The command line, run as a user would (in-process and as a real process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from oaiserver.cli import cli
from tests.sample_metadata import minimal

EXAMPLES = Path(__file__).resolve().parents[3] / "fixtures" / "datacite-examples"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("OAISERVER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("OAISERVER_CONFIG", raising=False)
    return tmp_path


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def count_records() -> int:
    result = run("records", "show", "--help")
    assert result.exit_code == 0
    from oaiserver.config import load_config
    from oaiserver.services import build_services

    services = build_services(load_config())
    try:
        return services.records.list(limit=1)[1]
    finally:
        services.close()


def test_load_folder_with_one_broken_file(env):
    folder = env / "in"
    folder.mkdir()
    for name in ("datacite-example-dataset-v4.xml", "datacite-example-video-v4.xml",
                 "datacite-example-GeoLocation-v4.xml"):
        shutil.copy(EXAMPLES / name, folder / name)
    (folder / "zz-broken.xml").write_text("<resource>\n  <unclosed>\n</resource>\n")
    (folder / "notes.txt").write_text("not a record file")
    result = run("load", str(folder))
    assert result.exit_code == 1
    assert "zz-broken.xml:" in result.stderr
    assert "loaded 3 record(s): 3 created, 0 updated, 0 unchanged; 1 record(s) failed" in result.stderr
    assert count_records() == 3


def test_deeply_nested_json_is_a_file_error_not_a_traceback(env):
    folder = env / "in"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "deep.jsonl").write_text(json.dumps({"metadata": minimal()}) + "\n"
                                       + '{"metadata": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    (folder / "good.json").write_text(json.dumps({"metadata": minimal()}))
    result = CliRunner().invoke(cli, ["load", str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    assert "deep.json:1: " in result.stderr and "nested too deeply" in result.stderr
    assert "deep.jsonl:2: " in result.stderr
    # the good line of deep.jsonl loads: a bad record costs only itself
    assert "loaded 2 record(s): 2 created, 0 updated, 0 unchanged; 2 record(s) failed" in result.stderr
    assert count_records() == 2


def test_invalid_record_in_json_lines_is_reported_with_its_line_and_skipped(env):
    good = json.dumps({"metadata": minimal()})
    bad = json.dumps({"metadata": minimal(publicationYear=1)})
    path = env / "batch.jsonl"
    path.write_text(f"{good}\n{bad}\n{good}\n")
    result = run("load", str(path))
    assert result.exit_code == 1
    assert f"error: {path}:2: /metadata/publicationYear" in result.stderr
    assert "loaded 2 record(s): 2 created, 0 updated, 0 unchanged; 1 record(s) failed" in result.stderr
    assert count_records() == 2


def test_load_from_stdin_and_show_and_delete(env):
    result = run("load", "-", input=json.dumps({"id": "rec-1", "metadata": minimal()}))
    assert result.exit_code == 0, result.stderr
    shown = run("records", "show", "rec-1")
    assert json.loads(shown.stdout)["id"] == "rec-1"
    assert run("records", "delete", "rec-1").exit_code == 0
    again = run("records", "delete", "rec-1")
    assert again.exit_code == 1 and "already deleted" in again.stderr
    assert run("records", "show", "nope").exit_code == 1


def test_official_examples_strictly_and_leniently(env, monkeypatch):
    strict = run("load", str(EXAMPLES))
    assert strict.exit_code == 1
    assert "loaded 27 record(s): 27 created, 0 updated, 0 unchanged; 4 record(s) failed" in strict.stderr

    monkeypatch.setenv("OAISERVER_DATABASE_URL", f"sqlite:///{env / 'lenient.db'}")
    lenient = run("load", "--lenient-identifiers", str(EXAMPLES))
    assert lenient.exit_code == 1
    # DataCite's all-fields example misspells two attributes the XSD lets
    # through: loaded without them, a warning with file and line for each.
    assert (f"warning: {EXAMPLES / 'all-fields-v4.4.xml'}:23: attribute 'affilicationIdentifierScheme' "
            "on <affiliation> is not in the DataCite schema; dropped") in lenient.stderr
    assert "(kept as given)" in lenient.stderr
    # The dissertation and workflow examples share the DOI 10.5072/100044:
    # the second one loaded is refused, since a DOI names one record.
    assert ("/doi: DOI 10.5072/100044 was loaded from "
            f"{EXAMPLES / 'datacite-example-dissertation-v4.xml'} in this run") in lenient.stderr
    assert "loaded 30 record(s): 30 created, 0 updated, 0 unchanged; 1 record(s) failed" in lenient.stderr
    assert count_records() == 30


def test_missing_file_is_reported(env):
    result = run("load", str(env / "absent.xml"))
    assert result.exit_code == 1 and "absent.xml" in result.stderr


def test_bad_configuration_is_a_clear_error(env, monkeypatch):
    monkeypatch.setenv("OAISERVER_OAI_PAGE_SIZE", "many")
    result = run("db", "upgrade")
    assert result.exit_code == 1
    assert "OAISERVER_OAI_PAGE_SIZE" in result.stderr


def test_real_process_help_and_usage_errors():
    exe = [sys.executable, "-m", "oaiserver"]
    assert subprocess.run([*exe, "--help"], capture_output=True, check=False).returncode == 0
    usage = subprocess.run([*exe, "load"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_export_prints_the_bytes_the_server_sends(env):
    from oaiserver.config import load_config
    from oaiserver.http.app import create_app
    from oaiserver.services import build_services
    from serializers.registry import FORMATS

    # a dataset and a software record (the affiliation example): CodeMeta and CFF
    # are exported for the software only, and refused for the dataset by both faces
    for name in ("datacite-example-dataset-v4.xml", "datacite-example-affiliation-v4.xml"):
        assert run("load", str(EXAMPLES / name)).exit_code == 0
    services = build_services(load_config())
    exported = set()
    try:
        records, _ = services.records.list(limit=2)
        assert len(records) == 2
        client = create_app(services=services).test_client()
        for record in records:
            for fmt in FORMATS:
                result = CliRunner().invoke(cli, ["export", record.id, "--format", fmt.name],
                                            catch_exceptions=False)
                if not fmt.available(record):
                    assert result.exit_code == 1 and fmt.unavailable_reason in result.stderr
                    assert client.get(f"/records/{record.id}/export/{fmt.name}").status_code == 404
                    continue
                exported.add(fmt.name)
                if fmt.media_type is None:  # OAI-only wrapper: no HTTP export
                    assert result.stdout_bytes.startswith(b"<?xml")
                    continue
                served = client.get(f"/records/{record.id}/export/{fmt.name}")
                assert served.status_code == 200, fmt.name
                assert served.data == result.stdout_bytes, fmt.name
    finally:
        services.close()
    assert exported == set(FORMATS.names())
    bad = run("export", record.id, "--format", "nope")
    assert bad.exit_code == 2 and "unknown format" in bad.stderr


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_the_demo_records_over_http(tmp_path):
    """What `make serve` runs: a real process, a real port, the demo records."""
    import os
    import time

    import requests

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAISERVER_")}
    env["OAISERVER_DATA_DIR"] = str(tmp_path / "data")
    log = tmp_path / "demo.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "oaiserver", "demo", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/api/records?size=100",
                                            timeout=5)
                    break
                except requests.ConnectionError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(log.read_text()) from None
                    time.sleep(0.3)
            hits = response.json()["hits"]
            assert hits["total"] == 30
            assert hits["hits"][0]["links"]["self"].startswith(
                f"http://127.0.0.1:{port}/api/records/")
            assert (tmp_path / "data" / "oaiserver.db").exists()
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert "loaded 30 demo record(s)" in log.read_text()


def test_synthetic_records_load_from_stdin_as_json_lines(env):
    from fixtures.synthetic import generate

    lines = "\n".join(json.dumps(r) for r in generate(25, seed=3)) + "\n"
    result = run("load", "-", input=lines)
    assert result.exit_code == 0, result.stderr
    assert "loaded 25 record(s): 25 created, 0 updated, 0 unchanged; 0 record(s) failed" in result.stderr
    assert count_records() == 25
