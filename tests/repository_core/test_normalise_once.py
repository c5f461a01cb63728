"""A load normalises a JSON record once: the reader's normalisation is final.

``read_records`` normalises JSON as ``normalize_metadata`` does (strictly:
an unknown attribute is refused), so the loader does not normalise a JSON
record again: that holds only if normalising what the reader gave changes
nothing, shown here on every JSON shape DataCite has published (bolognese's
fixtures), the official examples written as JSON in the REST API's shape
and in snake_case, and synthetic records. XML is read, not normalised by the
reader: the loader still normalises it, and a normaliser other than the
default is always called.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import repository_core.loading
from fixtures.synthetic import generate
from repository_core.loading import LoadReport, load_source
from repository_core.metadata import read_records
from repository_core.metadata.importing import normalize_metadata, read_as_json
from repository_core.models import RecordRow
from repository_core.service import RecordService
from tests.examples import EXAMPLES, example_bytes, example_metadata

JSON_EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "datacite-json")
                       .glob("*.json"))


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z])([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def _documents() -> list[tuple[str, bytes]]:
    found = [(path.name, path.read_bytes()) for path in JSON_EXAMPLES]
    for path in EXAMPLES:
        metadata = example_metadata(path)
        rest = {"data": {"type": "dois", "id": metadata.get("doi"),
                         "attributes": {**metadata, "publicationYear": 2020, "state": "findable"}}}
        found.append((f"{path.stem} (REST)", json.dumps(rest).encode()))
        snake = {_snake(k): v for k, v in metadata.items()}
        found.append((f"{path.stem} (snake_case)", json.dumps(snake).encode()))
    found += [(f"synthetic {i}", json.dumps(doc).encode())
              for i, doc in enumerate(generate(200, seed=5))]
    return found


DOCUMENTS = _documents()


def test_the_json_documents_are_many_and_read_as_json() -> None:
    assert len(JSON_EXAMPLES) >= 6 and len(DOCUMENTS) > 250
    assert all(read_as_json(data) for _, data in DOCUMENTS)
    assert not read_as_json(example_bytes(EXAMPLES[0]))
    assert read_as_json(b"\xef\xbb\xbf \n [{}]") and not read_as_json(b"  <resource/>")


@pytest.mark.parametrize(("name", "data"), DOCUMENTS, ids=[n for n, _ in DOCUMENTS])
def test_normalising_what_the_reader_gave_changes_nothing(name: str, data: bytes) -> None:
    for document in read_records(data, source=name):
        metadata = document["metadata"]
        snapshot = json.loads(json.dumps(metadata))
        assert normalize_metadata(metadata) == metadata
        assert metadata == snapshot  # and did not change it in place


def _counting(calls: list[Any]) -> Any:
    def normalize(metadata: Any) -> Any:
        calls.append(metadata)
        return normalize_metadata(metadata)
    return normalize


def test_the_default_normaliser_runs_on_xml_only(sqlite_engine: Engine, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    counted = _counting(calls)
    # the loader knows the default normaliser by identity: this one stands in for it
    monkeypatch.setattr(repository_core.loading, "normalize_metadata", counted)
    service = RecordService(sqlite_engine, normalize=counted)
    lines = tmp_path / "records.jsonl"
    lines.write_text("".join(json.dumps(doc) + "\n" for doc in generate(12, seed=3)))
    array = tmp_path / "records.json"
    array.write_text(json.dumps(list(generate(3, seed=4))))
    xml = tmp_path / "record.xml"
    xml.write_bytes(example_bytes(EXAMPLES[0]))
    report = LoadReport()
    for path in (lines, array):
        load_source(service, str(path), report=report, batch_size=5, prepare_ahead=False)
    assert report.created == 15 and calls == []
    load_source(service, str(xml), report=report)
    assert report.created == 16 and len(calls) == 1
    with service.reading() as session:
        stored = session.execute(select(RecordRow.metadata_json)).scalars().all()
    assert all(normalize_metadata(md) == md for md in stored)


def test_another_normaliser_is_called_for_every_record(sqlite_engine: Engine, tmp_path: Path,
                                                       ) -> None:
    calls: list[Any] = []
    service = RecordService(sqlite_engine, normalize=_counting(calls))
    lines = tmp_path / "records.jsonl"
    lines.write_text("".join(json.dumps(doc) + "\n" for doc in generate(7, seed=3)))
    report = LoadReport()
    load_source(service, str(lines), report=report, batch_size=3, prepare_ahead=False)
    assert report.created == 7 and len(calls) == 7
