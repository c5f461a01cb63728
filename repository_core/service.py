"""The record service: every write goes through here.

When to use: for any change to a record (create, update, delete, restore),
from the REST API, the CLI loader or the DOI worker. It validates, gives the
write its datestamp and revision, and runs the write hooks (set membership,
search index, DOI outbox) in the same transaction, so a record and
everything derived from it commit together or not at all.

When not to use: for reads in bulk (harvesting, search); those read the
store directly in a session of their own.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy import Engine, Table, or_, select
from sqlalchemy.orm import Session

from .concepts import Concept, concept_by_doi, get_concept
from .datestamps import lock_clock, next_datestamp, next_datestamps
from .db import write_engine
from .dois import doi_key
from .errors import (
    InvalidRecord,
    Problem,
    RecordDeleted,
    RecordNotFound,
    RevisionConflict,
)
from .metadata.importing import normalize_metadata
from .metadata.validation import INVALID_XML_CHARACTERS, validate_metadata
from .models import ConceptRow, RecordRow
from .public_doi import public_records
from .record_ids import new_record_id
from .records import Cursor, Record
from .store import RecordStore, row_to_record
from .version_relations import (
    ConceptView,
    concept_view,
    contradictions,
    derived_relations,
    single_version_view,
    with_relations,
    without_relations_here,
)
from .versions import id_taken, new_free_id, next_version_index, resolve_latest

__all__ = ["AlreadyStored", "Normalizer", "PreparedRecord", "RecordService", "Validator",
           "WriteHook", "check_record_id", "metadata_problems", "new_record_id",
           "prepare_record"]

# validate(metadata, *, check_identifiers) -> problems, pointers relative to the metadata
Validator = Callable[..., list[Problem]]
# normalize(metadata) -> the stored shape (kernel 4.7); raises InvalidRecord on a contradiction
Normalizer = Callable[[Any], Any]

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class WriteHook(Protocol):
    """Called inside the write's transaction, after the record row is written."""

    def __call__(self, session: Session, record: Record, previous: Record | None) -> None: ...


class AlreadyStored(InvalidRecord):
    """A new record's id or DOI names a record already stored (an update would do)."""


@dataclass
class PreparedRecord:
    """A new record normalised and validated once, outside any transaction
    (:meth:`RecordService.prepare`): the input of :meth:`RecordService.create_many`."""

    #: the normalised metadata (None when normalising failed)
    metadata: dict[str, Any] | None
    collections: tuple[str, ...] = ()
    record_id: str | None = None
    #: what is wrong with it, located in the record document (``/metadata/...``)
    problems: list[Problem] = field(default_factory=list)
    #: ``extract_metadata(metadata)`` when computed ahead (by the loader), else None
    metadata_fields: dict[str, tuple[Any, ...]] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.metadata is not None

    @property
    def doi(self) -> str | None:
        """The DOI as stored (``doi_key``), if the metadata has one."""
        doi = self.metadata.get("doi") if self.metadata is not None else None
        return doi_key(str(doi)) if doi else None


def prepare_record(
    metadata: Any,
    *,
    normalize: Normalizer,
    validate: Validator,
    collections: Any = (),
    record_id: Any = None,
    check_identifiers: bool = True,
) -> PreparedRecord:
    """:meth:`RecordService.prepare` as a plain function of its two checks, so
    a process of its own can run it (the loader prepares the next batch there)."""
    try:
        normalised = normalize(metadata)
    except InvalidRecord as exc:
        return PreparedRecord(None, (), None, list(exc.problems))
    collections = collections or ()
    problems = metadata_problems(validate, normalised, collections, check_identifiers)
    if record_id is not None:
        problems += (check_record_id(record_id) if isinstance(record_id, str)
                     else [Problem("/id", "an id is a string")])
    if problems or not isinstance(normalised, Mapping):
        return PreparedRecord(None, (), None, problems)
    return PreparedRecord(dict(normalised), tuple(collections), record_id, [])


def metadata_problems(validate: Validator, metadata: Any, collections: Sequence[str],
                      check_identifiers: bool = True) -> list[Problem]:
    """Every problem, located in the record document ``{"metadata", "collections"}``."""
    if not isinstance(metadata, Mapping):
        return [Problem("/metadata", "metadata is a JSON object")]
    found = validate(metadata, check_identifiers=check_identifiers)
    return [Problem("/metadata" + p.pointer, p.message) for p in found] + _check_collections(
        collections
    )


def check_record_id(record_id: str) -> list[Problem]:
    if not ID_PATTERN.fullmatch(record_id):
        return [Problem("/id", "an id is 1 to 64 letters, digits, '.', '_' or '-', "
                               "starting with a letter or digit")]
    return []


MAX_COLLECTIONS = 100
MAX_TAG_LENGTH = 200
# Not allowed in XML 1.0 (nor, for NUL, in PostgreSQL text): one definition.
NOT_XML_CHARACTER = INVALID_XML_CHARACTERS


def _check_collections(collections: Sequence[str]) -> list[Problem]:
    problems = []
    if isinstance(collections, (str, bytes)) or not isinstance(collections, Sequence):
        return [Problem("/collections", "collections is a list of strings")]
    if len(collections) > MAX_COLLECTIONS:
        return [Problem("/collections", f"at most {MAX_COLLECTIONS} collection tags")]
    for i, tag in enumerate(collections):
        if not isinstance(tag, str) or not tag.strip():
            problems.append(Problem(f"/collections/{i}", "a collection tag is a non-empty string"))
        elif len(tag) > MAX_TAG_LENGTH:
            problems.append(Problem(f"/collections/{i}",
                                    f"a collection tag has at most {MAX_TAG_LENGTH} characters"))
        elif NOT_XML_CHARACTER.search(tag):
            problems.append(Problem(f"/collections/{i}",
                                    "control characters and lone surrogates are not allowed"))
    if not problems and len(set(collections)) != len(collections):
        problems.append(Problem("/collections", "collection tags are listed once each"))
    return problems


class RecordService:
    """Create, update, delete and restore records; read one record."""

    def __init__(
        self,
        engine: Engine,
        *,
        validate: Validator | None = None,
        normalize: Normalizer | None = None,
        hooks: Sequence[WriteHook] = (),
    ):
        self.engine = engine
        self._write_engine = write_engine(engine)
        self.validate = validate or validate_metadata
        #: The one normalisation of incoming metadata, for the REST API and the
        #: loader alike (``publisher`` as a string, DataCite's ``id``, whitespace...).
        self.normalize = normalize or normalize_metadata
        self.hooks: list[WriteHook] = list(hooks)

    # -- transactions ---------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # -- reads ------------------------------------------------------------
    def get(self, record_id: str, *, include_deleted: bool = False) -> Record:
        if check_record_id(record_id):  # no such id can exist: don't ask the database
            raise RecordNotFound(record_id)
        with self.reading() as session:
            record = RecordStore(session).get(record_id)
        return self._visible(record_id, record, include_deleted)

    def public_views(self, records: Sequence[Record]) -> list[Record]:
        """The records as guests see them: a DOI that is still a draft left out."""
        if not any(r.doi for r in records):
            return list(records)
        with self.reading() as session:
            return public_records(session, records)

    def public_view(self, record: Record) -> Record:
        return self.public_views([record])[0]

    def get_by_doi(self, doi: str, *, include_deleted: bool = False) -> Record:
        if NOT_XML_CHARACTER.search(doi) or len(doi) > 255:
            raise RecordNotFound(doi)
        with self.reading() as session:
            record = RecordStore(session).get_by_doi(doi)
        return self._visible(doi, record, include_deleted)

    def list(self, *, after: Cursor | None = None, limit: int = 25) -> tuple[list[Record], int]:
        with self.reading() as session:
            store = RecordStore(session)
            return store.page(after=after, limit=limit), store.count()

    @staticmethod
    def _visible(key: str, record: Record | None, include_deleted: bool) -> Record:
        if record is None:
            raise RecordNotFound(key)
        if record.deleted and not include_deleted:
            raise RecordDeleted(record)
        return record

    # -- writes -----------------------------------------------------------
    def create(
        self,
        metadata: Mapping[str, Any],
        *,
        collections: Sequence[str] = (),
        record_id: str | None = None,
        session: Session | None = None,
        check_identifiers: bool = True,
        harvest_source: str | None = None,
    ) -> Record:
        """Validate and store a new record; ``record_id`` is generated if not given.

        ``check_identifiers=False`` accepts identifiers that fail their
        checksum or syntax check (legacy imports keep them verbatim).
        ``harvest_source`` marks a record harvested from another repository
        (``repository_core.harvest``); it is kept for the record's life.
        """
        metadata = self.normalize(metadata)
        problems = self._problems(metadata, collections, check_identifiers)
        if record_id is not None:
            problems += check_record_id(record_id)
        if problems:
            raise InvalidRecord(problems)
        with self._maybe_transaction(session) as s:
            lock_clock(s)  # serialises the id and DOI checks below with every other writer
            store = RecordStore(s)
            record_id = self._free_record_id(s, record_id)
            doi = self._claim_doi(s, metadata, record_id)
            stamp = next_datestamp(s)
            # a record made on its own is version 1 of a concept of its own
            concept_id = new_free_id(s, new_record_id)
            while concept_id == record_id:
                concept_id = new_free_id(s, new_record_id)
            s.add(ConceptRow(id=concept_id, doi=None, created=stamp, latest_id=record_id,
                             deleted=False))
            row = RecordRow(
                id=record_id,
                doi=doi,
                metadata_json=dict(metadata),
                collections=list(collections),
                created=stamp,
                datestamp=stamp,
                revision=1,
                deleted=False,
                harvest_source=harvest_source,
                concept_id=concept_id,
                version_index=1,
                is_latest=True,
            )
            store.add(row)
            if metadata.get("relatedIdentifiers"):  # a new concept: nothing else to derive
                self._relate(s, row, check=True)
            return self._after_write(s, row, None)

    def prepare(
        self,
        metadata: Any,
        *,
        collections: Any = (),
        record_id: Any = None,
        check_identifiers: bool = True,
    ) -> PreparedRecord:
        """Normalise and validate a new record once, with no database access:
        what :meth:`create` checks before it writes, for :meth:`create_many`."""
        return prepare_record(metadata, normalize=self.normalize, validate=self.validate,
                              collections=collections, record_id=record_id,
                              check_identifiers=check_identifiers)

    def create_many(
        self, prepared: Sequence[PreparedRecord], session: Session
    ) -> builtins.list[Record | InvalidRecord]:
        """Store many new records in the caller's transaction, with a few statements a batch.

        Each of ``prepared`` (from :meth:`prepare`, without problems) is stored
        as :meth:`create` would store it (version 1 of a concept of its own,
        the same rows in every table the hooks write), or refused on its own:
        the answer is, for each in order, the stored ``Record`` or the
        ``InvalidRecord`` saying why (``AlreadyStored`` when its id or DOI
        names a stored record). The clock is locked once; the given ids and
        DOIs are checked with one query (and the ids against concepts with
        one more); generated ids are checked together; the datestamps come from one clock update; concepts and
        records are inserted with one executemany each; a hook with a batch
        form (``many``, see :mod:`.write_hooks`) is called once for the
        batch, the others record by record, in the order of ``hooks``.
        A record written again by a hook (auto DOI) is answered as first stored.
        """
        from .query.fields import extract

        answers: builtins.list[Record | InvalidRecord | None] = [None] * len(prepared)
        if not prepared:
            return []
        lock_clock(session)  # serialises the id and DOI checks below with every other writer
        given = sorted({p.record_id for p in prepared if p.record_id})
        dois = sorted({d for p in prepared if (d := p.doi)})
        stored_ids: set[str] = set()
        stored_dois: dict[str, str] = {}
        if given or dois:
            clauses = []
            if given:
                clauses.append(RecordRow.id.in_(given))
            if dois:
                clauses.append(RecordRow.doi.in_(dois))
            for rid, rdoi in session.execute(select(RecordRow.id, RecordRow.doi)
                                             .where(or_(*clauses))).all():
                stored_ids.add(rid)
                if rdoi:
                    stored_dois[rdoi] = rid
        concept_ids = set(session.execute(
            select(ConceptRow.id).where(ConceptRow.id.in_(given))).scalars()) if given else set()

        # ids: the given ones, then generated ones that name nothing stored
        taken = set(given)
        accepted: builtins.list[int] = []
        ids: dict[int, str] = {}
        ids_used: set[str] = set()
        for i, p in enumerate(prepared):
            if not p.ok:
                answers[i] = InvalidRecord(p.problems or [Problem("/metadata", "not prepared")])
                continue
            given_id = p.record_id
            if given_id is not None:
                if given_id in stored_ids or given_id in ids_used:
                    error = AlreadyStored if given_id in stored_ids else InvalidRecord
                    answers[i] = error([Problem("/id", f"a record with id {given_id!r} exists")])
                    continue
                if given_id in concept_ids:
                    answers[i] = InvalidRecord([Problem("/id", f"{given_id!r} is the id of a "
                                                               "concept (all versions of a record)")])
                    continue
                ids[i] = given_id
                ids_used.add(given_id)
            accepted.append(i)
        # reversed, so pop() hands them out smallest first: ids follow the input's order
        fresh = self._free_ids(session, len(accepted) * 2, taken)[::-1]
        holders = dict(stored_dois)
        rows: builtins.list[dict[str, Any]] = []
        concepts: builtins.list[dict[str, Any]] = []
        kept: builtins.list[int] = []
        ahead: builtins.list[dict[str, tuple[Any, ...]] | None] = []  # fields extracted ahead
        for i in accepted:
            p = prepared[i]
            assert p.metadata is not None
            rid = ids.get(i) or fresh.pop()
            concept_id = fresh.pop()
            doi = p.doi
            if doi is not None and doi in holders:
                error = AlreadyStored if doi in stored_dois else InvalidRecord
                answers[i] = error([Problem("/doi", f"DOI {doi} belongs to record {holders[doi]!r}")])
                continue
            metadata = p.metadata
            if metadata.get("relatedIdentifiers"):  # a new concept: nothing else to derive
                view = single_version_view(concept_id, rid, doi)
                problems = contradictions(metadata, view, [])
                if problems:
                    answers[i] = InvalidRecord(problems)
                    continue
                related = with_relations(metadata, view, [])
                if related != metadata:
                    metadata = related
            if doi is not None:
                holders[doi] = rid
            kept.append(i)
            ahead.append(p.metadata_fields if metadata is p.metadata else None)
            rows.append({"id": rid, "doi": doi, "metadata": dict(metadata),
                         "collections": list(p.collections), "revision": 1, "deleted": False,
                         "harvest_source": None, "concept_id": concept_id, "version_index": 1,
                         "is_latest": True})
            concepts.append({"id": concept_id, "doi": None, "latest_id": rid, "deleted": False})
        if not rows:
            return cast(builtins.list[Record | InvalidRecord], answers)
        stamps = next_datestamps(session, len(rows))
        for row, concept, stamp in zip(rows, concepts, stamps, strict=True):
            row["created"] = row["datestamp"] = concept["created"] = stamp
        session.flush()
        session.execute(cast(Table, ConceptRow.__table__).insert(), concepts)
        session.execute(cast(Table, RecordRow.__table__).insert(), rows)
        records = [Record(id=r["id"], metadata=r["metadata"], created=r["created"],
                          datestamp=r["datestamp"], revision=1, doi=r["doi"], deleted=False,
                          collections=tuple(r["collections"]), harvest_source=None,
                          concept_id=r["concept_id"], version_index=1, is_latest=True)
                   for r in rows]
        extracted = [extract(r, metadata_fields=fields) for r, fields in zip(records, ahead, strict=True)]
        for hook in self.hooks:
            many = getattr(hook, "many", None)
            if many is not None:
                many(session, records, extracted)
            else:
                for record in records:
                    hook(session, record, None)
        for i, record in zip(kept, records, strict=True):
            answers[i] = record
        return cast(builtins.list[Record | InvalidRecord], answers)

    @staticmethod
    def _free_ids(session: Session, n: int, avoid: set[str]) -> builtins.list[str]:
        """``n`` distinct generated ids naming no record and no concept (checked
        together, collisions generated again), none of them in ``avoid``."""
        found: set[str] = set()
        while len(found) < n:
            candidates: set[str] = set()
            while len(candidates) < n - len(found):
                c = new_record_id()
                if c not in avoid and c not in found:
                    candidates.add(c)
            wanted = sorted(candidates)
            used: set[str] = set()
            for start in range(0, len(wanted), 5000):  # within the databases' parameter limits
                chunk = wanted[start:start + 5000]
                used.update(session.execute(
                    select(RecordRow.id).where(RecordRow.id.in_(chunk))
                    .union_all(select(ConceptRow.id).where(ConceptRow.id.in_(chunk)))).scalars())
            found |= candidates - used
        return sorted(found)

    def new_version(
        self,
        of: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        collections: Sequence[str] | None = None,
        record_id: str | None = None,
        copy_of: str | None = None,
        session: Session | None = None,
        check_identifiers: bool = True,
    ) -> Record:
        """Store the next version of the concept ``of`` (any version's id) belongs to.

        ``metadata`` None starts from a copy of the concept's latest version,
        or of the version ``copy_of`` names (without its DOI: a version has a
        DOI of its own; without its relations to the other versions: they are
        derived anew). The new version
        is the latest; the version that was latest before is written again
        (its revision and datestamp move), so every reader sees the change.
        """
        with self._maybe_transaction(session) as s:
            lock_clock(s)
            base = RecordStore(s).row(of, for_update=True)
            if base is None:
                raise RecordNotFound(of)
            if base.harvest_source is not None:
                raise InvalidRecord([Problem("", f"record {of!r} was harvested from "
                                                 f"{base.harvest_source!r}: its versions are "
                                                 "made there, not here")])
            concept_id = base.concept_id
            assert concept_id is not None  # every record has a concept since revision 0005
            if metadata is None:
                source = self._copy_source(s, base, copy_of)
                metadata = {k: v for k, v in source.metadata_json.items() if k != "doi"}
                view = concept_view(s, concept_id)
                if view is not None:  # the copy's relations to the versions are derived anew
                    metadata = without_relations_here(metadata, view.here)
                if collections is None:
                    collections = list(source.collections or ())
            metadata = self.normalize(metadata)
            problems = self._problems(metadata, collections or (), check_identifiers)
            if record_id is not None:
                problems += check_record_id(record_id)
            if problems:
                raise InvalidRecord(problems)
            record_id = self._free_record_id(s, record_id)
            stamp = next_datestamp(s)
            row = RecordRow(
                id=record_id,
                doi=self._claim_doi(s, metadata, record_id),
                metadata_json=dict(metadata),
                collections=list(collections or ()),
                created=stamp,
                datestamp=stamp,
                revision=1,
                deleted=False,
                harvest_source=None,
                concept_id=concept_id,
                version_index=next_version_index(s, concept_id),
                is_latest=False,
            )
            RecordStore(s).add(row)
            _latest, changed = resolve_latest(s, concept_id)
            self._relate(s, row, check=True)
            flagged = {rid: s.get(RecordRow, rid) for rid in changed - {record_id}}
            revisions = {rid: r.revision for rid, r in flagged.items() if r is not None}
            self._after_write(s, row, None)
            # a hook (auto DOI) may have written a flagged version again already
            self._relate_others(s, concept_id, {rid for rid, r in flagged.items()
                                                if r is not None and r.revision == revisions[rid]})
            return row_to_record(row)

    @staticmethod
    def _copy_source(session: Session, base: RecordRow, copy_of: str | None) -> RecordRow:
        """The version a new version starts as a copy of: ``copy_of``, or the latest."""
        if copy_of is not None:
            source = session.get(RecordRow, copy_of)
            if source is None or source.concept_id != base.concept_id:
                raise InvalidRecord([Problem("/from", f"{copy_of!r} is not a version of "
                                                      f"the record {base.id!r}")])
            return source
        concept = session.get(ConceptRow, base.concept_id)
        latest = (session.get(RecordRow, concept.latest_id)
                  if concept is not None and concept.latest_id else None)
        return latest or base

    def versions(self, record_id: str) -> builtins.list[Record]:
        """Every version of the concept ``record_id`` belongs to, oldest first
        (deleted ones included: they are tombstones)."""
        with self.reading() as session:
            row = RecordStore(session).row(record_id)
            if row is None:
                raise RecordNotFound(record_id)
            return RecordStore(session).versions(row.concept_id)

    def concept(self, concept_id: str, *, public: bool = False) -> Concept | None:
        """A concept by id (``public``: a draft concept DOI left out)."""
        if check_record_id(concept_id):
            return None
        with self.reading() as session:
            return get_concept(session, concept_id, public=public)

    def concept_by_doi(self, doi: str, *, public: bool = False) -> Concept | None:
        """The concept whose DOI is ``doi`` (``public``: not while it is a draft)."""
        if NOT_XML_CHARACTER.search(doi) or len(doi) > 255:
            return None
        with self.reading() as session:
            return concept_by_doi(session, doi, public=public)

    def update(
        self,
        record_id: str,
        metadata: Mapping[str, Any],
        *,
        collections: Sequence[str] | None = None,
        expected_revision: int | None = None,
        session: Session | None = None,
        check_identifiers: bool = True,
    ) -> Record:
        """Replace a live record's metadata (and collections, if given)."""
        metadata = self.normalize(metadata)
        problems = self._problems(
            metadata, collections if collections is not None else (), check_identifiers
        )
        if problems:
            raise InvalidRecord(problems)
        with self._maybe_transaction(session) as s:
            row, previous = self._locked(s, record_id, expected_revision)
            if row.deleted:
                raise RecordDeleted(previous)
            row.doi = self._claim_doi(s, metadata, record_id)
            row.metadata_json = dict(metadata)
            if collections is not None:
                row.collections = list(collections)
            view = self._relate(s, row, check=True)
            record = self._bump(s, row, previous)
            if row.concept_id is not None and view is not None and len(view.versions) > 1:
                self._relate_others(s, row.concept_id, set())  # its DOI may have changed
            return record

    def delete(
        self,
        record_id: str,
        *,
        expected_revision: int | None = None,
        session: Session | None = None,
    ) -> Record:
        """Turn a record into a tombstone (kept forever, OAI ``persistent``)."""
        with self._maybe_transaction(session) as s:
            row, previous = self._locked(s, record_id, expected_revision)
            if row.deleted:
                raise RecordDeleted(previous)
            row.deleted = True
            others = self._resolve_concept(s, row)
            record = self._bump(s, row, previous)
            if row.concept_id is not None:
                self._relate_others(s, row.concept_id, others)
            return record

    def restore(
        self,
        record_id: str,
        *,
        expected_revision: int | None = None,
        session: Session | None = None,
    ) -> Record:
        """Bring a tombstone back to life with its last metadata."""
        with self._maybe_transaction(session) as s:
            row, previous = self._locked(s, record_id, expected_revision)
            if not row.deleted:
                return previous
            row.deleted = False
            others = self._resolve_concept(s, row)
            self._relate(s, row, check=False)
            record = self._bump(s, row, previous)
            if row.concept_id is not None:
                self._relate_others(s, row.concept_id, others)
            return record

    def refresh_versions(self, concept_id: str, *, session: Session | None = None,
                         ) -> builtins.list[str]:
        """Write again each version whose derived version relations changed.

        For a change outside the versions' own writes (the concept got its
        DOI). Returns the ids of the versions written."""
        with self._maybe_transaction(session) as s:
            lock_clock(s)
            return self._relate_others(s, concept_id, set())

    def touch(self, record_id: str, *, session: Session | None = None) -> Record:
        """Write a record again unchanged (new revision and datestamp, hooks run):
        for a change of what is exported that is not in the record (a DOI made public)."""
        with self._maybe_transaction(session) as s:
            return self._rewrite(s, record_id)

    # -- internals ----------------------------------------------------------
    @contextmanager
    def _maybe_transaction(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self.transaction() as s:
                yield s

    def _problems(
        self, metadata: Any, collections: Sequence[str], check_identifiers: bool = True
    ) -> builtins.list[Problem]:  # ``list`` in this class body is the method RecordService.list
        """Every problem, located in the record document ``{"metadata", "collections"}``."""
        return metadata_problems(self.validate, metadata, collections, check_identifiers)

    def _locked(
        self, session: Session, record_id: str, expected_revision: int | None
    ) -> tuple[RecordRow, Record]:
        lock_clock(session)  # the clock before the record: one lock order for all writers
        store = RecordStore(session)
        row = store.row(record_id, for_update=True)
        if row is None:
            raise RecordNotFound(record_id)
        if expected_revision is not None and row.revision != expected_revision:
            raise RevisionConflict(record_id, expected_revision, row.revision)
        return row, row_to_record(row)

    @staticmethod
    def _free_record_id(session: Session, record_id: str | None) -> str:
        """``record_id`` if no record or concept has it; a generated one if None."""
        if record_id is None:
            return new_free_id(session, new_record_id)
        if RecordStore(session).exists(record_id):
            raise InvalidRecord([Problem("/id", f"a record with id {record_id!r} exists")])
        if id_taken(session, record_id):
            raise InvalidRecord([Problem("/id", f"{record_id!r} is the id of a concept "
                                                "(all versions of a record)")])
        return record_id

    def _rewrite(self, session: Session, record_id: str) -> Record:
        """Write a record again unchanged: a new revision and datestamp, the hooks run.

        For a change that is not in the record's own columns but in what is
        derived from its concept (which version is the latest)."""
        row, previous = self._locked(session, record_id, None)
        return self._bump(session, row, previous)

    @staticmethod
    def _relate(session: Session, row: RecordRow, *, check: bool) -> ConceptView | None:
        """Put the derived version relations into ``row``'s metadata, before its hooks run.

        ``check``: the metadata came from a user; a relation between versions
        here that the derivation does not give is refused (``InvalidRecord``).
        Harvested records and tombstones are left as they are. Returns the
        concept as it was read (None if it was not)."""
        if row.concept_id is None or row.harvest_source is not None or row.deleted:
            return None
        view = concept_view(session, row.concept_id)
        if view is None:
            return None
        derived = derived_relations(view).get(row.id, [])
        if check:
            problems = contradictions(row.metadata_json, view, derived)
            if problems:
                raise InvalidRecord(problems)
        related = with_relations(row.metadata_json, view, derived)
        if related != row.metadata_json:
            row.metadata_json = related
        return view

    def _relate_others(self, session: Session, concept_id: str,
                       flagged: set[str]) -> builtins.list[str]:
        """Write again the versions of ``concept_id`` whose relations changed, and
        those in ``flagged`` (their latest flag changed); each once, oldest first."""
        view = concept_view(session, concept_id)
        if view is None:
            return []
        derived = derived_relations(view)
        written = []
        for version in view.versions:
            changed = None
            if version.id in derived:
                row = session.get(RecordRow, version.id)
                assert row is not None
                if row.harvest_source is None:
                    related = with_relations(row.metadata_json, view, derived[version.id])
                    if related != row.metadata_json:
                        changed = related
            if changed is None and version.id not in flagged:
                continue
            row, previous = self._locked(session, version.id, None)
            if changed is not None:
                row.metadata_json = changed
            self._bump(session, row, previous)
            written.append(version.id)
        return written

    @staticmethod
    def _resolve_concept(session: Session, row: RecordRow) -> set[str]:
        """After a delete or restore: the concept resolves to its newest live version.
        Returns the other versions whose latest flag changed."""
        session.flush()
        if row.concept_id is None:
            return set()
        _latest, changed = resolve_latest(session, row.concept_id)
        return changed - {row.id}

    @staticmethod
    def _claim_doi(session: Session, metadata: Mapping[str, Any], record_id: str) -> str | None:
        doi = metadata.get("doi")
        if not doi:
            return None
        doi = doi_key(str(doi))
        holder = session.execute(
            select(RecordRow.id).where(RecordRow.doi == doi, RecordRow.id != record_id)
        ).scalar_one_or_none()
        if holder is not None:
            raise InvalidRecord([Problem("/doi", f"DOI {doi} belongs to record {holder!r}")])
        return doi

    def _bump(self, session: Session, row: RecordRow, previous: Record) -> Record:
        row.revision = previous.revision + 1
        row.datestamp = next_datestamp(session)
        session.flush()
        return self._after_write(session, row, previous)

    def _after_write(self, session: Session, row: RecordRow, previous: Record | None) -> Record:
        record = row_to_record(row)
        for hook in self.hooks:
            hook(session, record, previous)
        # A hook may have written the record again (auto DOI): answer with the last state.
        return row_to_record(row)
