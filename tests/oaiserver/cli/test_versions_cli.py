"""``oaiserver records versions`` and ``oaiserver load --new-version-of``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from oaiserver.cli import cli
from tests.sample_metadata import minimal


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("OAISERVER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("OAISERVER_CONFIG", raising=False)
    return tmp_path


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _write(path, *documents):
    path.write_text("\n".join(json.dumps(d) for d in documents) + "\n")
    return str(path)


def test_load_new_versions_and_list_them(env):
    first = _write(env / "v1.json", {"id": "tide-1", "metadata": minimal(version="1"),
                                     "collections": ["ocean"]})
    assert run("load", "-q", first).exit_code == 0
    second = _write(env / "v2.json", {"metadata": minimal(version="2")})
    result = run("load", "--new-version-of", "tide-1", second)
    assert result.exit_code == 0, result.output
    assert "as version 2 of" in result.stderr
    third = _write(env / "v3.json", {"id": "tide-3", "metadata": minimal(version="3"),
                                     "collections": ["ocean", "tides"]})
    assert run("load", "--new-version-of", "tide-1", third).exit_code == 0

    table = run("records", "versions", "tide-3")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].startswith("concept ")
    assert lines[1] == "index\tid\tcreated\tdoi\tstate"
    rows = [line.split("\t") for line in lines[2:]]
    assert [(r[0], r[4]) for r in rows] == [("1", ""), ("2", ""), ("3", "latest")]
    assert rows[0][1] == "tide-1" and rows[2][1] == "tide-3"

    documents = [json.loads(line) for line in run("records", "versions", "--json",
                                                  "tide-1").output.splitlines()]
    assert [d["versions"] for d in documents] == [
        {"index": 1, "is_latest": False}, {"index": 2, "is_latest": False},
        {"index": 3, "is_latest": True}]
    assert len({d["parent"]["id"] for d in documents}) == 1
    # collections: the file's own, else those of the version it follows
    assert [d["collections"] for d in documents] == [["ocean"], ["ocean"], ["ocean", "tides"]]
    assert [d["metadata"]["version"] for d in documents] == ["1", "2", "3"]


def test_new_version_errors_name_the_file(env):
    assert run("load", "-q", _write(env / "v1.json", {"id": "a-1", "metadata": minimal()})
               ).exit_code == 0
    two = _write(env / "two.jsonl", {"metadata": minimal()}, {"metadata": minimal()})
    result = run("load", "--new-version-of", "a-1", two)
    assert result.exit_code == 1
    assert f"{two}: holds 2 records" in result.stderr
    bad = _write(env / "bad.json", {"metadata": minimal(titles="no list")})
    result = run("load", "--new-version-of", "a-1", bad)
    assert result.exit_code == 1 and f"{bad}: /metadata/titles" in result.stderr
    missing = run("load", "--new-version-of", "nope", _write(env / "ok.json",
                                                             {"metadata": minimal()}))
    assert missing.exit_code == 1 and "nope" in missing.stderr
    broken = env / "broken.json"
    broken.write_text('{"metadata":\n  [}\n')
    result = run("load", "--new-version-of", "a-1", str(broken))
    assert result.exit_code == 1 and f"{broken}:2: malformed JSON" in result.stderr
    many = run("load", "--new-version-of", "a-1", str(env / "ok.json"), str(env / "v1.json"))
    assert many.exit_code == 2
    assert run("records", "versions", "nope").exit_code == 1
    listed = run("records", "versions", "a-1").output.splitlines()
    assert len(listed) == 3  # nothing was added by the failures
