"""Loading files of records into the store, one transaction per file.

A file either loads whole or not at all (nothing half-written); a broken
file is reported with its path and reason and the others go on.

Loading again is safe with ``update_existing``: a record of a file whose
record id or DOI is already stored updates that record (a new revision, the
datestamp moves, so harvesters see the change), or, when its normalised
metadata and collections equal the stored ones, is skipped and counted as
unchanged. A record that carries neither an id nor a DOI cannot be matched
and is created again. Within one run a DOI (or id) names one record: a
second record carrying it, in the same file or another, is refused, so two
files never silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .dois import doi_key
from .errors import InvalidRecord, Problem, RepositoryError, UnreadableInput
from .service import RecordService
from .store import RecordStore

__all__ = ["RECORD_SUFFIXES", "FileRejected", "LoadReport", "expand_paths", "load_source"]

RECORD_SUFFIXES = {".xml", ".json", ".jsonl", ".ndjson"}


class FileRejected(RepositoryError):
    """A record in a file is invalid: the file is not loaded; says which and why.

    ``stored``: the record's id or DOI names a record already in the store
    (loading with ``update_existing`` would update it).
    """

    def __init__(self, source: str, index: int | None, error: InvalidRecord, *, stored: bool = False):
        self.source, self.index, self.error, self.stored = source, index, error, stored
        where = source if index is None else f"{source} (record {index + 1})"
        reasons = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in error.problems)
        super().__init__(f"{where}: {reasons}")


@dataclass
class LoadReport:
    """What a run did, file after file (pass the same report to each ``load_source``)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: "DOI <key>" / "id <id>" -> where it was loaded from in this run
    claimed: dict[str, str] = field(default_factory=dict)

    @property
    def loaded(self) -> int:
        """Records of the run now stored as their files say (created, updated or unchanged)."""
        return self.created + self.updated + self.unchanged

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"loaded {self.loaded} record(s): {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged; {len(self.failures)} file(s) failed")


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


def _documents(data: bytes, source: str, warnings: list[str]) -> list[dict[str, Any]]:
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
                    documents.extend(read_records(line, source=source, warnings=warnings))
                except UnreadableInput as exc:
                    raise UnreadableInput(str(exc).split(": ", 1)[-1], source=source,
                                          line=number) from None
        return documents
    return read_records(data, source=source, warnings=warnings)


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
    update_existing: bool = False,
    report: LoadReport | None = None,
) -> int:
    """Load every record of one file (or stdin) in one transaction; return the count.

    ``lenient_identifiers`` keeps identifiers that fail their checksum or
    syntax check (legacy data), and appends a warning for each to ``warnings``
    (``report.warnings`` when a report is given), as it does for what the
    reader dropped. ``update_existing``: see the module docstring. The
    counts go to ``report`` once the file is committed.
    """
    report = report if report is not None else LoadReport()
    warnings = warnings if warnings is not None else report.warnings
    if stream is not None:
        data = stream.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UnreadableInput(exc.strerror or "cannot read", source=source) from None
    read_warnings: list[str] = []
    documents = _documents(data, source, read_warnings)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    claimed: dict[str, str] = {}
    notes: list[str] = []
    with service.transaction() as session:
        for index, document in enumerate(documents):
            where = source if len(documents) == 1 else f"{source} (record {index + 1})"
            stored = False
            try:
                metadata = service.normalize(document["metadata"])
                record_id = document.get("id")
                doi = metadata.get("doi") if isinstance(metadata, dict) else None
                keys = {"/id": f"id {record_id}"} if record_id else {}
                if isinstance(doi, str) and doi:
                    keys["/doi"] = f"DOI {doi_key(doi)}"
                for pointer, key in keys.items():
                    earlier = claimed.get(key) or report.claimed.get(key)
                    if earlier is not None:
                        raise InvalidRecord([Problem(pointer, f"{key} was loaded from {earlier} in this run; "
                                                              "one record per DOI")])
                    claimed[key] = where
                store = RecordStore(session)
                existing = (store.get(record_id) if record_id else None) or (
                    store.get_by_doi(doi) if isinstance(doi, str) and doi else None)
                stored = existing is not None
                if existing is not None and update_existing:
                    collections = document.get("collections") or None
                    if existing.metadata == metadata and not existing.deleted and (
                        collections is None or list(collections) == list(existing.collections)
                    ):
                        counts["unchanged"] += 1
                        continue
                    service.update(existing.id, metadata, collections=collections, session=session,
                                   check_identifiers=not lenient_identifiers)
                    counts["updated"] += 1
                else:
                    service.create(
                        metadata,
                        collections=document.get("collections") or (),
                        record_id=record_id,
                        session=session,
                        check_identifiers=not lenient_identifiers,
                    )
                    counts["created"] += 1
                if lenient_identifiers:
                    notes += _identifier_warnings(service, source, index, metadata)
            except InvalidRecord as exc:
                raise FileRejected(source, index if len(documents) > 1 else None, exc,
                                   stored=stored and not update_existing) from None
    report.created += counts["created"]
    report.updated += counts["updated"]
    report.unchanged += counts["unchanged"]
    report.claimed.update(claimed)
    warnings += read_warnings + notes
    return len(documents)
