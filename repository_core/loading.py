"""Loading files of records into the store, one transaction per file.

A file either loads whole or not at all (nothing half-written); a broken
file is reported with its path and reason and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InvalidRecord, RepositoryError, UnreadableInput
from .service import RecordService

__all__ = ["RECORD_SUFFIXES", "FileRejected", "LoadReport", "expand_paths", "load_source"]

RECORD_SUFFIXES = {".xml", ".json", ".jsonl", ".ndjson"}


class FileRejected(RepositoryError):
    """A record in a file is invalid: the file is not loaded; says which and why."""

    def __init__(self, source: str, index: int | None, error: InvalidRecord):
        self.source, self.index, self.error = source, index, error
        where = source if index is None else f"{source} (record {index + 1})"
        reasons = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in error.problems)
        super().__init__(f"{where}: {reasons}")


@dataclass
class LoadReport:
    loaded: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files as given; folders walked (sorted) for record files; ``-`` kept."""
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in RECORD_SUFFIXES:
                    yield str(child)
        else:
            yield raw


def _documents(data: bytes, source: str) -> list[dict[str, Any]]:
    from repository_core.metadata.importing import read_records

    # JSON lines: by suffix, or (stdin) top-level objects starting at column 0 of several lines
    stripped = data.strip()
    if source.endswith((".jsonl", ".ndjson")) or (
        stripped.startswith(b"{") and b"\n{" in stripped
    ):
        documents: list[dict[str, Any]] = []
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                try:
                    documents.extend(read_records(line, source=source))
                except UnreadableInput as exc:
                    raise UnreadableInput(str(exc).split(": ", 1)[-1], source=source,
                                          line=number) from None
        return documents
    return read_records(data, source=source)


def _identifier_warnings(
    service: RecordService, source: str, index: int, metadata: Any
) -> list[str]:
    """What the identifier checks would have refused, said as warnings."""
    strict = set(service.validate(metadata, check_identifiers=True))
    lenient = set(service.validate(metadata, check_identifiers=False))
    return [f"{source} (record {index + 1}): /metadata{p.pointer}: {p.message} (kept as given)"
            for p in sorted(strict - lenient, key=lambda p: p.pointer)]


def load_source(
    service: RecordService,
    source: str,
    stream: BinaryIO | None = None,
    *,
    lenient_identifiers: bool = False,
    warnings: list[str] | None = None,
) -> int:
    """Load every record of one file (or stdin) in one transaction; return the count.

    ``lenient_identifiers`` keeps identifiers that fail their checksum or
    syntax check (legacy data), and appends a warning for each to ``warnings``.
    """
    if stream is not None:
        data = stream.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UnreadableInput(exc.strerror or "cannot read", source=source) from None
    documents = _documents(data, source)
    with service.transaction() as session:
        for index, document in enumerate(documents):
            try:
                service.create(
                    document["metadata"],
                    collections=document.get("collections") or (),
                    record_id=document.get("id"),
                    session=session,
                    check_identifiers=not lenient_identifiers,
                )
                if lenient_identifiers and warnings is not None:
                    warnings += _identifier_warnings(service, source, index, document["metadata"])
            except InvalidRecord as exc:
                raise FileRejected(source, index if len(documents) > 1 else None, exc) from None
    return len(documents)
