"""Loading files of records into the store, in batches, record by record.

Records are read as a stream (JSON lines line by line; a file holding one
XML or JSON document, or a JSON array, is read whole: such files are small)
and stored ``batch_size`` at a time, one transaction a batch. Each record is
stored whole or not at all; every committed batch is kept, so a load that
is killed keeps what it committed, and running it again with
``update_existing`` finishes the job without a duplicate.

A bad record (one that does not parse, normalise or validate, or whose DOI
or id was already loaded in this run) is reported with where it is
(``FILE:LINE`` for JSON lines, ``FILE`` or ``FILE (record N)`` otherwise)
and the JSON pointer of each problem in the record document, and skipped:
the records around it load. A database error that hits a whole batch
(unexpected) loads that batch again one record at a time, each in a
savepoint, so a bad row costs only itself.

Loading again is safe with ``update_existing``: a record whose record id or
DOI is already stored updates that record (a new revision, the datestamp
moves, so harvesters see the change), or, when its normalised metadata and
collections equal the stored ones, is skipped and counted as unchanged.
Without it, such a record fails (and only it). A record that carries neither
an id nor a DOI cannot be matched and is created again. Within one run a DOI
(or id) names one record: a second record carrying it, in the same file or
another, is refused, so two records never silently overwrite each other.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .child_worker import PrepareAhead
from .datestamps import last_datestamp, lock_clock
from .errors import InvalidRecord, Problem, RepositoryError, UnreadableInput
from .metadata.importing import normalize_metadata, read_as_json, read_records
from .models import RecordRow
from .planner_statistics import StatisticsSchedule
from .query.fields import extract_metadata
from .service import (
    AlreadyStored,
    Normalizer,
    PreparedRecord,
    RecordService,
    Validator,
    prepare_record,
)
from .store import row_to_record

__all__ = ["DEFAULT_BATCH_SIZE", "MAX_BATCH_SIZE", "RECORD_SUFFIXES", "FileRejected", "LoadReport", "expand_paths",
           "load_source"]

RECORD_SUFFIXES = {".xml", ".json", ".jsonl", ".ndjson"}
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
DEFAULT_BATCH_SIZE = 500
#: a batch's ids and DOIs go into one IN list each (PostgreSQL takes at most
#: 65,535 parameters a statement, SQLite 32,766)
MAX_BATCH_SIZE = 10_000
#: SQLite's page cache for a load's connection, in MB (see ``_sqlite_for_bulk``)
SQLITE_CACHE_MB = 32
#: the write-ahead log a load's connection lets grow before it checkpoints, in
#: pages of 4 KB (SQLite's default is 1,000; see ``_sqlite_for_bulk``)
SQLITE_CHECKPOINT_PAGES = 100_000
#: how many of a run's claimed ids and DOIs are remembered with where they were
#: loaded from (about 260 bytes each: 100,000 took 26 MB); older ones are found
#: in the database, one indexed query a batch, which costs no measurable speed
#: (50,000 records with 100,000 and with 10,000: 334 and 364 against 326 and
#: 367 records/s, alternately)
RECENT_CLAIMS = 10_000


class RecentClaims(OrderedDict[str, str]):
    """``"DOI <key>"`` / ``"id <id>"`` -> where it was loaded from in this run:
    the most recent ``limit`` of them (default :data:`RECENT_CLAIMS`).

    A run of millions of records would otherwise hold every key it loaded
    (260 MB a million). Once one is forgotten, :attr:`forgotten` is set
    and each batch also asks the database which of its ids and DOIs this
    run wrote (a datestamp after the last one given before the run).
    """

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = RECENT_CLAIMS if limit is None else limit
        self.forgotten = False

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        if len(self) > self.limit:
            self.popitem(last=False)
            self.forgotten = True


class FileRejected(RepositoryError):
    """A record in a file is invalid; says which and why.

    ``stored``: the record's id or DOI names a record already in the store
    (loading with ``update_existing`` would update it).
    """

    def __init__(self, source: str, index: int | None, error: InvalidRecord, *, stored: bool = False):
        self.source, self.index, self.error, self.stored = source, index, error, stored
        where = source if index is None else f"{source} (record {index + 1})"
        super().__init__(f"{where}: {_reasons(error.problems)}")


def _reasons(problems: Iterable[Problem]) -> str:
    return "; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems)


@dataclass
class LoadReport:
    """What a run did, file after file (pass the same report to each ``load_source``)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (file, reason): one a record that failed (or a file that could not be read)
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: "DOI <key>" / "id <id>" -> where it was loaded from in this run (the recent ones)
    claimed: RecentClaims = field(default_factory=RecentClaims)
    #: the last datestamp given before the run began: what it writes has a later one
    written_after: datetime | None = None
    #: appended to the reason of a record refused because its id or DOI is stored
    stored_hint: str = ""
    #: when the run analyzes the tables it grows (PostgreSQL)
    statistics: StatisticsSchedule = field(default_factory=StatisticsSchedule)

    @property
    def loaded(self) -> int:
        """Records of the run now stored as their files say (created, updated or unchanged)."""
        return self.created + self.updated + self.unchanged

    @property
    def failed(self) -> int:
        """Records that failed (a file that could not be read counts as one)."""
        return len(self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"loaded {self.loaded} record(s): {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged; {self.failed} record(s) failed")


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


# -- reading -------------------------------------------------------------------------


@dataclass
class _Item:
    """One record as read: where it is, and its document or why it could not be read."""

    where: str
    document: dict[str, Any] | None = None
    error: str | None = None
    #: read from JSON: the metadata is normalised already (``read_as_json``)
    normalised: bool = False


@dataclass
class _Entry:
    """One record as read and prepared: its prepared form, or why it failed."""

    where: str
    prepared: PreparedRecord | None = None
    error: str | None = None
    collections_given: bool = False


@dataclass(frozen=True)
class _Preparer:
    """Parses, normalises and validates records, with no database access.

    Picklable (when its two functions are), so a process of its own can
    prepare the next batch of JSON lines while this one writes (see
    :mod:`.child_worker`).
    """

    normalize: Normalizer
    validate: Validator
    check_identifiers: bool

    def entry(self, item: _Item) -> _Entry:
        if item.error is not None or item.document is None:
            return _Entry(item.where, error=item.error or "no record")
        document = item.document
        normalize = self.normalize
        if item.normalised and normalize is normalize_metadata:
            normalize = _as_read  # the reader normalised it (again: 0.3 ms a record, for nothing)
        prepared = prepare_record(
            document.get("metadata"), normalize=normalize, validate=self.validate,
            collections=document.get("collections") or (), record_id=document.get("id"),
            check_identifiers=self.check_identifiers)
        if not prepared.ok:
            return _Entry(item.where, error=_reasons(prepared.problems))
        prepared.metadata_fields = extract_metadata(prepared.metadata)  # for the term index, sets
        return _Entry(item.where, prepared, collections_given=bool(document.get("collections")))

    def lines(self, lines: list[tuple[int, bytes]], source: str,
              ) -> tuple[list[_Entry], list[str]]:
        """The entries of numbered JSON lines, and what the reader warned of."""
        warnings: list[str] = []
        return [self.entry(item) for item in _line_items(lines, source, warnings)], warnings


def _as_read(metadata: Any) -> Any:
    return metadata


def _line_items(lines: Iterable[tuple[int, bytes]], source: str,
                warnings: list[str]) -> Iterator[_Item]:
    for number, line in lines:
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            documents = read_records(line, source=source, warnings=warnings)
        except UnreadableInput as exc:
            yield _Item(where, error=str(exc).split(": ", 1)[-1])
            continue
        normalised = read_as_json(line)
        for k, document in enumerate(documents):
            yield _Item(where if len(documents) == 1 else f"{where} (record {k + 1})", document,
                        normalised=normalised)


@dataclass
class _Reading:
    """What turns a source into entries: the preparer, the batch size, the
    reader's warnings, and whether later batches may be prepared ahead."""

    preparer: _Preparer
    size: int
    warnings: list[str]
    ahead: bool

    def whole(self, data: bytes, source: str) -> Iterator[_Entry]:
        documents = read_records(data, source=source, warnings=self.warnings)  # UnreadableInput
        normalised = read_as_json(data)
        for index, document in enumerate(documents):
            where = source if len(documents) == 1 else f"{source} (record {index + 1})"
            yield self.preparer.entry(_Item(where, document, normalised=normalised))

    def lines(self, lines: Iterable[tuple[int, bytes]], source: str) -> Iterator[_Entry]:
        """JSON lines, ``size`` lines a chunk: the first prepared here; when a
        second follows, the rest in a process of its own, ahead of the writer."""
        chunks = _chunks(lines, self.size)
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        ahead: PrepareAhead[list[tuple[int, bytes]], tuple[list[_Entry], list[str]]]
        ahead = PrepareAhead(self.preparer.lines, enabled=self.ahead and second is not None)
        with ahead:
            rest = chunks if second is None else _prepend(second, chunks)
            for entries, warnings in ahead.map(rest, source, first=first):
                self.warnings += warnings
                yield from entries


def _chunks(lines: Iterable[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    """Lists of ``size`` non-blank lines (the blank ones between them ride along)."""
    it = iter(lines)
    while True:
        chunk: list[tuple[int, bytes]] = []
        filled = 0
        for number, line in it:
            chunk.append((number, line))
            if line.strip():
                filled += 1
                if filled >= size:
                    break
        if not filled:
            return
        yield chunk


def _prepend(head: list[tuple[int, bytes]], rest: Iterator[list[tuple[int, bytes]]],
             ) -> Iterator[list[tuple[int, bytes]]]:
    yield head
    yield from rest


def _looks_like_json_lines(data: bytes) -> bool:
    """Top-level objects starting at column 0 of several lines."""
    stripped = data.strip()
    return stripped.startswith(b"{") and b"\n{" in stripped


def _stream_entries(stream: BinaryIO, source: str, reading: _Reading) -> Iterator[_Entry]:
    """Records of a stream of unknown shape (stdin): JSON lines are streamed
    when the first line is a whole JSON object and more follows; else read whole."""
    first = stream.readline()
    while first and not first.strip():
        first = stream.readline()
    if first.lstrip().startswith(b"{"):
        try:
            whole_line = isinstance(json.loads(first), dict)
        except (ValueError, RecursionError):
            whole_line = False
        if whole_line:
            second = stream.readline()
            if second.strip():
                yield from reading.lines(_numbered([first, second], stream), source)
                return
            rest = stream.read()
            if rest.strip():  # blank lines, then more lines
                data = first + second + rest
                yield from reading.lines(enumerate(data.splitlines(), start=1), source)
                return
            yield from reading.whole(first, source)
            return
    data = first + stream.read()
    if _looks_like_json_lines(data):
        yield from reading.lines(enumerate(data.splitlines(), start=1), source)
    else:
        yield from reading.whole(data, source)


def _numbered(head: list[bytes], rest: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    number = 0
    for chunk in (head, rest):
        for line in chunk:
            number += 1
            yield number, line


def _entries(source: str, stream: BinaryIO | None, reading: _Reading) -> Iterator[_Entry]:
    if stream is not None:
        yield from _stream_entries(stream, source, reading)
        return
    try:
        if source.lower().endswith(JSON_LINES_SUFFIXES):
            with open(source, "rb") as handle:
                yield from reading.lines(enumerate(handle, start=1), source)
            return
        data = Path(source).read_bytes()
    except OSError as exc:
        raise UnreadableInput(exc.strerror or "cannot read", source=source) from None
    if _looks_like_json_lines(data):
        yield from reading.lines(enumerate(data.splitlines(), start=1), source)
    else:
        yield from reading.whole(data, source)


def _batches(entries: Iterator[_Entry], size: int) -> Iterator[list[_Entry]]:
    while batch := list(islice(entries, size)):
        yield batch


# -- writing -------------------------------------------------------------------------


@dataclass
class _Pending:
    """A record that passed the checks outside the transaction."""

    where: str
    prepared: PreparedRecord
    collections_given: bool
    keys: list[str]


class _Loader:
    def __init__(self, service: RecordService, report: LoadReport, *, lenient: bool,
                 update_existing: bool):
        self.service, self.report = service, report
        self.lenient, self.update_existing = lenient, update_existing
        self.notes: list[str] = []
        #: ids of the records written by the batch being loaded (created or updated)
        self.written: list[str] = []

    def fail(self, where: str, reason: str) -> None:
        self.report.failures.append((where, f"{where}: {reason}"))

    def admit(self, entry: _Entry) -> _Pending | None:
        """A prepared record, unless it failed or its DOI or id was claimed in this run."""
        prepared = entry.prepared
        if entry.error is not None or prepared is None:
            self.fail(entry.where, entry.error or "no record")
            return None
        keys = {"/id": f"id {prepared.record_id}"} if prepared.record_id else {}
        if prepared.doi:
            keys["/doi"] = f"DOI {prepared.doi}"
        for pointer, key in keys.items():
            earlier = self.report.claimed.get(key)
            if earlier is not None:
                self.fail(entry.where, f"{pointer}: {key} was loaded from {earlier} in this run; "
                                       "one record per DOI")
                return None
        for key in keys.values():
            self.report.claimed[key] = entry.where
        if self.lenient:
            self.notes += _identifier_warnings(self.service, entry.where, prepared.metadata)
        return _Pending(entry.where, prepared, entry.collections_given, list(keys.values()))

    def refuse(self, pending: _Pending, error: InvalidRecord | str) -> None:
        for key in pending.keys:  # not loaded: a later record may carry it
            if self.report.claimed.get(key) == pending.where:
                del self.report.claimed[key]
        if isinstance(error, str):
            self.fail(pending.where, error)
            return
        reason = _reasons(error.problems)
        if isinstance(error, AlreadyStored):
            reason += self.report.stored_hint
        self.fail(pending.where, reason)

    def write(self, session: Session, batch: list[_Pending], counts: dict[str, int]) -> None:
        """Store a batch in ``session``: updates one by one, new records together."""
        if self.report.claimed.forgotten:
            batch = self._not_written_in_run(session, batch)
        new = batch
        if self.update_existing:
            lock_clock(session)
            existing = self._existing(session, batch)
            new = []
            for pending in batch:
                p = pending.prepared
                row = existing.get(f"id {p.record_id}") if p.record_id else None
                if row is None and p.doi:
                    row = existing.get(f"DOI {p.doi}")
                if row is None:
                    new.append(pending)
                    continue
                self._update(session, pending, row, counts)
        if not new:
            return
        answers = self.service.create_many([p.prepared for p in new], session)
        for pending, answer in zip(new, answers, strict=True):
            if isinstance(answer, InvalidRecord):
                self.refuse(pending, answer)
            else:
                counts["created"] += 1
                self.written.append(answer.id)

    def _not_written_in_run(self, session: Session, batch: list[_Pending]) -> list[_Pending]:
        """The batch without the records whose id or DOI this run already wrote
        (refused, one record per DOI), asking the database: their claims may
        have been forgotten (:class:`RecentClaims`)."""
        ids = sorted({p.prepared.record_id for p in batch if p.prepared.record_id})
        dois = sorted({d for p in batch if (d := p.prepared.doi)})
        keys = [RecordRow.id.in_(ids)] if ids else []
        keys += [RecordRow.doi.in_(dois)] if dois else []
        if not keys:
            return batch
        written: dict[str, str] = {}
        for rid, doi in session.execute(select(RecordRow.id, RecordRow.doi).where(
                or_(*keys), RecordRow.datestamp > self.report.written_after)):
            written[f"id {rid}"] = rid
            if doi:
                written[f"DOI {doi}"] = rid
        kept = []
        for pending in batch:
            key = next((k for k in pending.keys if k in written), None)
            if key is None:
                kept.append(pending)
                continue
            pointer = "/id" if key.startswith("id ") else "/doi"
            self.refuse(pending, f"{pointer}: {key} was loaded earlier in this run, as record "
                                 f"{written[key]}; one record per DOI")
        return kept

    @staticmethod
    def _existing(session: Session, batch: list[_Pending]) -> dict[str, RecordRow]:
        ids = sorted({p.prepared.record_id for p in batch if p.prepared.record_id})
        dois = sorted({d for p in batch if (d := p.prepared.doi)})
        clauses = []
        if ids:
            clauses.append(RecordRow.id.in_(ids))
        if dois:
            clauses.append(RecordRow.doi.in_(dois))
        if not clauses:
            return {}
        found: dict[str, RecordRow] = {}
        for row in session.execute(select(RecordRow).where(or_(*clauses))).scalars():
            found[f"id {row.id}"] = row
            if row.doi:
                found[f"DOI {row.doi}"] = row
        return found

    def _update(self, session: Session, pending: _Pending, row: RecordRow,
                counts: dict[str, int]) -> None:
        p = pending.prepared
        existing = row_to_record(row)
        collections = list(p.collections) if pending.collections_given else None
        if existing.metadata == p.metadata and not existing.deleted and (
            collections is None or collections == list(existing.collections)
        ):
            counts["unchanged"] += 1
            return
        try:
            with session.begin_nested():
                assert p.metadata is not None
                self.service.update(existing.id, p.metadata, collections=collections,
                                    session=session, check_identifiers=not self.lenient)
        except InvalidRecord as exc:
            self.refuse(pending, exc)
            return
        except RepositoryError as exc:
            self.refuse(pending, str(exc))
            return
        counts["updated"] += 1
        self.written.append(existing.id)

    def load_batch(self, batch: list[_Pending]) -> None:
        """One transaction for the batch; on an unexpected error, one savepoint a record."""
        if not batch:
            return
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        failures = len(self.report.failures)
        self.written = []
        try:
            with self.service.transaction() as session:
                _sqlite_for_bulk(session)
                self.write(session, batch, counts)
        except (SQLAlchemyError, RepositoryError):
            del self.report.failures[failures:]
            for pending in batch:  # as they were claimed before the batch was tried
                for key in pending.keys:
                    self.report.claimed[key] = pending.where
            counts = {"created": 0, "updated": 0, "unchanged": 0}
            self.written = []
            with self.service.transaction() as session:
                for pending in batch:
                    one = {"created": 0, "updated": 0, "unchanged": 0}
                    try:
                        with session.begin_nested():
                            self.write(session, [pending], one)
                    except (SQLAlchemyError, RepositoryError) as exc:
                        self.refuse(pending, _short(exc))
                        continue
                    for key, value in one.items():
                        counts[key] += value
        self.report.created += counts["created"]
        self.report.updated += counts["updated"]
        self.report.unchanged += counts["unchanged"]


def _sqlite_for_bulk(session: Session) -> None:
    """The load's SQLite connection set for batches of thousands of index rows.

    * Its page cache at ``SQLITE_CACHE_MB``, not the 2 MB default: a batch's
      term rows go to every part of three growing indexes, and with the
      default each insert read its pages again (at 36,000 records the term
      rows went in 12% slower, and the gap widens as the indexes grow). 32 MB
      since ids grow with time, so a batch's rows append at the end of each
      term's run: 50,000 records went in as fast as with 64 MB (305 and 323
      against 284 and 340 records/s), with 38 MB less (16 MB: 284 and 282,
      the lowest average, 15 MB less again).
    * A checkpoint once the write-ahead log holds ``SQLITE_CHECKPOINT_PAGES``
      pages, not 1,000: each batch dirties pages all over the indexes, and a
      checkpoint after every commit copied them all into the database file
      again; with fewer checkpoints a page written by several batches is
      copied once (50,000 records: 239 -> 282 records/s). The log is folded
      in at the end (:func:`fold_write_ahead_log`).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_MB * 1024}"))
        session.execute(text(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}"))


def fold_write_ahead_log(engine: Engine, *, wait_ms: int = 2000) -> bool:
    """After a load: copy SQLite's write-ahead log into the database and empty
    it (``wal_checkpoint(TRUNCATE)``), so it does not stay hundreds of MB on
    disk. Waits at most ``wait_ms`` for readers; True when it was emptied.
    Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return True
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                busy, _, _ = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                driver.execute("PRAGMA busy_timeout=30000")
    except (sqlite3.Error, SQLAlchemyError):  # the next checkpoint does it
        return False
    return not busy


def _short(exc: Exception) -> str:
    if isinstance(exc, InvalidRecord):
        return _reasons(exc.problems)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _identifier_warnings(service: RecordService, where: str, metadata: Any) -> list[str]:
    """What the identifier checks would have refused, said as warnings."""
    strict = set(service.validate(metadata, check_identifiers=True))
    lenient = set(service.validate(metadata, check_identifiers=False))
    return [f"{where}: /metadata{p.pointer}: {p.message} (kept as given)"
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
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    committed: Callable[[list[str]], None] | None = None,
    prepare_ahead: bool = True,
) -> int:
    """Load the records of one file (or stdin), ``batch_size`` a transaction;
    return how many records were read (failed ones included).

    Failed records go to ``report.failures`` and the others load; a file
    that cannot be read at all raises ``UnreadableInput`` (what was
    committed before stays). ``lenient_identifiers`` keeps identifiers that
    fail their checksum or syntax check (legacy data), and appends a
    warning for each to ``warnings`` (``report.warnings`` when a report is
    given), as it does for what the reader dropped. ``update_existing``: see
    the module docstring. ``progress`` is called with the number of records
    read so far after each committed batch; ``committed`` with the ids of
    the records the batch wrote (to render their payloads, say).
    ``prepare_ahead``: JSON lines of more than one batch are parsed,
    normalised and validated in a process of its own, a batch or two ahead
    of the one being written (off: all in this process).
    """
    report = report if report is not None else LoadReport()
    if report.written_after is None:
        with service.reading() as session:
            report.written_after = last_datestamp(session)
    warnings = warnings if warnings is not None else report.warnings
    loader = _Loader(service, report, lenient=lenient_identifiers, update_existing=update_existing)
    size = min(max(1, batch_size), MAX_BATCH_SIZE)
    preparer = _Preparer(service.normalize, service.validate,
                         check_identifiers=not lenient_identifiers)
    read_warnings: list[str] = []
    reading = _Reading(preparer, size, read_warnings, ahead=prepare_ahead)
    count = 0
    try:
        for entries in _batches(_entries(source, stream, reading), size):
            count += len(entries)
            pending = [p for entry in entries if (p := loader.admit(entry)) is not None]
            loader.load_batch(pending)
            report.statistics.written(service.engine, len(loader.written))
            if committed is not None and loader.written:
                committed(loader.written)
            if progress is not None:
                progress(count)
    finally:
        warnings += read_warnings + loader.notes
    return count
