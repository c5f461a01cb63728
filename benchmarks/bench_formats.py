"""Benchmark: rendering one record in each registered export format.

Run::

    .venv/bin/python benchmarks/bench_formats.py              # 2 s per format
    .venv/bin/python benchmarks/bench_formats.py --seconds 5

Renders DataCite's 31 official example records (``fixtures/datacite-examples``,
read with the importer) in every format of ``serializers.registry.FORMATS``
that can represent them, round after round for ``--seconds`` per format, and
prints the mean time per record and its ratio to DataCite XML, measured in
the same run. XML formats are timed as the OAI endpoint renders them (the
lxml element), the others as the bytes the record pages send. Rendering is
done once per record revision and stored (render once, serve many), so these
figures bound the cost of a write and of a first harvest, not of a read.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repository_core.metadata.importing import read_records
from repository_core.records import Record
from serializers.context import ExportContext
from serializers.registry import FORMATS, Format

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "datacite-examples"
CTX = ExportContext(base_url="https://repo.example.org", repository_id="repo.example.org",
                    repository_name="Example Repository", datacentre_symbol="EXAMPLE.REPO")


def example_records() -> list[Record]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for path in sorted(EXAMPLES.glob("*.xml")):
        for document in read_records(path.read_bytes(), source=path.name):
            metadata = document["metadata"]
            records.append(Record(id=path.stem, metadata=metadata, created=now, datestamp=now,
                                  doi=metadata.get("doi")))
    return records


def per_record_seconds(fmt: Format, records: list[Record], seconds: float) -> tuple[float, int]:
    usable = [r for r in records if fmt.available(r)]
    render = fmt.oai_payload if fmt.oai_payload is not None else fmt.dump
    for record in usable:           # warm caches (compiled schemas, language tables)
        render(record, CTX)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for record in usable:
            render(record, CTX)
        count += len(usable)
    return (time.perf_counter() - start) / count, len(usable)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each format")
    args = parser.parse_args()
    records = example_records()
    results = {fmt.name: per_record_seconds(fmt, records, args.seconds) for fmt in FORMATS}
    base = results["datacite"][0]
    print(f"{'format':16s} {'records':>7s} {'µs/record':>10s} {'x DataCite XML':>15s}")
    for name, (seconds, usable) in results.items():
        print(f"{name:16s} {usable:7d} {seconds * 1e6:10.0f} {seconds / base:15.2f}")


if __name__ == "__main__":
    main()
