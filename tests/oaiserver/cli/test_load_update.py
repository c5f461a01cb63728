"""``oaiserver load --update-existing``: loading the same folder again is safe."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from oaiserver.cli import cli
from oaiserver.cli.load import UPDATE_HINT

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "fixtures" / "datacite-examples"
JSON_EXAMPLES = ROOT / "tests" / "fixtures" / "datacite-json"
# The workflow example repeats the dissertation's DOI, and three JSON files
# describe 10.5438/4k3m-nyvg: one of each, so that every file of the folder loads.
SAME_DOI_AS_ANOTHER = {"datacite-example-workflow-v4.xml", "datacite_with_container.json",
                       "datacite_with_container_and_seriesinformation_and_relateditem.json"}


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("OAISERVER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("OAISERVER_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def folder(env: Path) -> Path:
    target = env / "in"
    target.mkdir()
    for path in [*EXAMPLES.glob("*.xml"), *JSON_EXAMPLES.glob("*.json")]:
        if path.name not in SAME_DOI_AS_ANOTHER:
            shutil.copy(path, target / path.name)
    return target


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def stored() -> dict[str, tuple[int, object]]:
    """record id -> (revision, datestamp)."""
    from oaiserver.config import load_config
    from oaiserver.services import build_services

    services = build_services(load_config())
    try:
        records, _ = services.records.list(limit=1000)
        return {r.id: (r.revision, r.datestamp) for r in records}
    finally:
        services.close()


def test_loading_a_folder_twice_reports_every_file_unchanged(folder: Path) -> None:
    files = len(list(folder.iterdir()))
    first = run("load", "--lenient-identifiers", "--update-existing", str(folder))
    assert first.exit_code == 0, first.stderr
    assert f"loaded {files} record(s): {files} created, 0 updated, 0 unchanged; 0 record(s) failed" in first.stderr
    before = stored()

    second = run("load", "--lenient-identifiers", "--update-existing", str(folder))
    assert second.exit_code == 0, second.stderr
    assert f"loaded {files} record(s): 0 created, 0 updated, {files} unchanged; 0 record(s) failed" in second.stderr
    assert stored() == before  # no new revision, no datestamp moved


def test_without_the_flag_a_stored_record_is_refused_with_a_hint(folder: Path) -> None:
    path = folder / "datacite-example-dataset-v4.xml"
    assert run("load", str(path)).exit_code == 0
    again = run("load", str(path))
    assert again.exit_code == 1
    assert f"error: {path}: /doi: DOI 10.82433/9184-dy35 belongs to record" in again.stderr
    assert UPDATE_HINT in again.stderr


def test_a_changed_file_updates_its_record_with_a_new_revision_and_datestamp(folder: Path) -> None:
    path = folder / "datacite-example-dataset-v4.xml"
    assert run("load", str(path)).exit_code == 0
    [(record_id, (revision, datestamp))] = stored().items()
    path.write_bytes(path.read_bytes().replace(b"<publicationYear>2022", b"<publicationYear>2023"))
    result = run("load", "--update-existing", str(path))
    assert result.exit_code == 0, result.stderr
    assert "loaded 1 record(s): 0 created, 1 updated, 0 unchanged; 0 record(s) failed" in result.stderr
    [(same_id, (new_revision, new_datestamp))] = stored().items()
    assert same_id == record_id and new_revision == revision + 1
    assert new_datestamp > datestamp  # type: ignore[operator]


def test_two_files_with_one_doi_in_one_run_are_still_refused(folder: Path) -> None:
    shutil.copy(EXAMPLES / "datacite-example-workflow-v4.xml", folder / "zz-workflow.xml")
    dissertation = folder / "datacite-example-dissertation-v4.xml"
    for flags in ((), ("--update-existing",), ("--update-existing",)):
        result = run("load", "--lenient-identifiers", *flags, str(dissertation), str(folder / "zz-workflow.xml"))
        assert result.exit_code == 1
        assert (f"{folder / 'zz-workflow.xml'}: /doi: DOI 10.5072/100044 was loaded from {dissertation} "
                "in this run") in result.stderr
    assert len(stored()) == 1


def test_two_records_with_one_doi_in_one_file_are_refused(env: Path) -> None:
    import json

    from tests.sample_metadata import minimal

    path = env / "twice.json"
    path.write_text(json.dumps([{"metadata": minimal(doi="10.1234/same")},
                                {"metadata": minimal(doi="10.1234/SAME")}]))
    result = run("load", "--update-existing", str(path))
    assert result.exit_code == 1
    assert ("twice.json (record 2): /doi: DOI 10.1234/same was loaded from "
            f"{path} (record 1) in this run") in result.stderr
    assert len(stored()) == 1  # the first one
