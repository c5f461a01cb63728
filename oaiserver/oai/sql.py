"""The OAI-PMH reads over the database: :class:`SQLRepository`, the one module here with SQL.

It implements :class:`~.repository.Repository` over ``repository_core``'s
tables, on SQLite and PostgreSQL alike, with keyset paging only
(``repository_core.paging``: page 1,000 costs what page 1 costs).

Set semantics (DESIGN decision 5, ``repository_core.sets``): a setSpec ``a``
selects the records that are members of ``a`` or of any ``a:...`` below it
(for a defined set the membership table holds both; for a parent that is
not defined, its descendants' rows are gathered). A record that left a set
(``MembershipRow.member`` false) and a deleted record are listed with
``deleted=True``. In a set-selective list the datestamp is the membership's
datestamp, which the set-membership hook keeps equal to the record's own on
every write, and which moves when a set's query moves a record in or out.

Not for writes, except :meth:`SQLRepository.snapshot_bound`, which records
the bound served to a harvester (``repository_core.datestamps.serve_bound``),
and :class:`SQLPayloadCache`, which keeps rendered payloads
(``repository_core.payloads``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Engine,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased

from repository_core.datestamps import serve_bound
from repository_core.db import BINARY_ROWS, UTCDateTime, write_engine
from repository_core.harvest.sources import provenance_of
from repository_core.models import MembershipRow, PayloadRow, RecordRow, SetRow
from repository_core.paging import keyset_range
from repository_core.payloads import PayloadOwner, keep_payloads, valid_payloads
from repository_core.public_doi import doi_is_draft, has_public_doi, public_records, without_doi
from repository_core.records import Cursor, Provenance, Record
from repository_core.set_specs import spec_ancestors
from repository_core.store import RecordStore, row_to_record
from serializers.context import ExportContext

from .payloads import fingerprint, serialize
from .repository import Entry, KeptEntry, SetInfo

__all__ = [
    "ESTIMATE_ABOVE", "OAI_FORMATS", "SQLPayloadCache", "SQLRepository", "records_to_render",
    "render_oai_payloads", "render_payloads", "render_plan", "render_records",
]

#: A whole-repository list longer than this gets an estimated completeListSize
#: (OAI-PMH 3.5: "may be an estimate"): counting a million rows costs more
#: than the page. Lists by set, by ``from`` or by DOI are counted exactly.
ESTIMATE_ABOVE = 200_000

#: The formats whose payloads ingest renders ahead (the others on first request).
OAI_FORMATS = ("oai_dc", "oai_datacite", "datacite")


class SQLRepository:
    """:class:`Repository` over the record store and the set membership table."""

    def __init__(self, engine: Engine, payloads: SQLPayloadCache | None = None):
        self.engine = engine
        self._write_engine = write_engine(engine)
        self._page_engine = _page_engine(engine)
        #: the kept payloads list pages read (joined) when a format is asked for
        self.payloads = payloads

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- single reads -----------------------------------------------------
    def earliest_datestamp(self) -> datetime | None:
        with self._session() as s, s.begin():
            return RecordStore(s).earliest_datestamp()

    def snapshot_bound(self, now: datetime) -> datetime:
        """``serve_bound``: the harvest's upper limit, promised to no later write."""
        with Session(self._write_engine) as s, s.begin():
            return serve_bound(s, now)

    def get(self, record_id: str) -> Entry | None:
        with self._session() as s, s.begin():
            record = RecordStore(s).get(record_id)
            if record is None:
                return None
            (record,) = public_records(s, [record])
            sets = self._sets_of(s, [record_id])
            origins = provenance_of(s, [record_id] if record.harvested else [])
        return Entry(record, record.datestamp, record.deleted, sets.get(record_id, ()),
                     origins.get(record_id))

    def has_sets(self) -> bool:
        with self._session() as s, s.begin():
            return bool(s.execute(select(exists().where(SetRow.spec.is_not(None)))).scalar())

    # -- record lists -------------------------------------------------------
    def list_records(
        self,
        *,
        set_spec: str | None,
        since: datetime | None,
        until: datetime | None,
        after: Cursor | None,
        limit: int,
        require_doi: bool = False,
        payload_format: str | None = None,
    ) -> list[Entry]:
        """A page of entries; with ``payload_format``, each record's kept payload in it
        where still valid (``Entry.payload``), and then its metadata is not read.

        One statement (:meth:`_page_rows`) selects the envelope columns, the
        record's current set specs and, joined, the kept payloads; a second
        reads the metadata of the rows without a valid payload, the only ones
        that need it.
        """
        fp = self.payloads.fingerprint if payload_format and self.payloads else None
        with self._page_engine.connect() as conn, conn.begin():
            rows = self._page_rows(conn, set_spec=set_spec, since=since, until=until,
                                   after=after, limit=limit, require_doi=require_doi,
                                   payload_format=payload_format, fp=fp)
            return self._entries(conn, rows, with_payloads=fp is not None)

    def list_page(
        self,
        *,
        set_spec: str | None,
        since: datetime | None,
        until: datetime | None,
        after: Cursor | None,
        limit: int,
        require_doi: bool,
        payload_format: str,
    ) -> list[KeptEntry] | list[Entry]:
        """The page :meth:`list_records` gives, from the same one statement, as
        :class:`KeptEntry` values when every record on it is live (a member of
        the set, not deleted) and its kept payload valid (revision, datestamp,
        public DOI): then no :class:`Record` is built.
        """
        if self.payloads is None:
            return self.list_records(set_spec=set_spec, since=since, until=until, after=after,
                                     limit=limit, require_doi=require_doi)
        with self._page_engine.connect() as conn, conn.begin():
            rows = self._page_rows(conn, set_spec=set_spec, since=since, until=until,
                                   after=after, limit=limit, require_doi=require_doi,
                                   payload_format=payload_format,
                                   fp=self.payloads.fingerprint)
            # columns: stamp, member, rid, created, rds, revision, doi, deleted,
            # harvest_source, ..., draft (13), payload (14), its DOI (15), specs (16)
            drafts = {row[6] for row in rows if row[13]}
            if any(row[14] is None or row[7] or not row[1]
                   or row[15] != (None if row[6] in drafts else row[6]) for row in rows):
                return self._entries(conn, rows, with_payloads=True)
            from_db = _datetime_from_db(self.engine.dialect)
            sets = self._specs_with_ancestors(conn, {row[2]: row[16] for row in rows if row[16]})
            origins = self._origins(conn, [row[2] for row in rows if row[8] is not None])
        no_sets: tuple[str, ...] = ()
        return [
            KeptEntry(rid, from_db(stamp), sets.get(rid, no_sets),
                      payload if type(payload) is bytes else bytes(payload), origins.get(rid))
            for stamp, _, rid, *_, payload, _, _ in rows
        ]

    def _entries(self, conn: Any, rows: Sequence[Any], *, with_payloads: bool) -> list[Entry]:
        """The entries of a page's rows (:meth:`_page_rows`), read whole: each record's
        metadata where it has no valid kept payload, its sets, its provenance."""
        from_db = _datetime_from_db(self.engine.dialect)
        drafts = {row[6] for row in rows if row[13]}
        if not with_payloads:  # no payload columns: None in their place
            rows = [(*row[:14], None, None, row[14]) for row in rows]
        page: list[tuple[Record, datetime, bool, bytes | None, str | None]] = []
        for (stamp, member, rid, created, rds, revision, doi, deleted, harvest_source,
             concept_id, version_index, is_latest, collections, _draft,
             payload, p_doi, specs) in rows:
            shown = None if doi in drafts else doi
            if payload is not None and p_doi != shown:
                payload = None  # rendered before DataCite confirmed the DOI (or since)
            datestamp = from_db(rds)
            record = Record(  # the public DOI once the metadata is known (_with_metadata)
                id=rid, metadata={}, created=from_db(created), datestamp=datestamp,
                revision=revision, doi=doi if payload is None else shown,
                deleted=bool(deleted), collections=_collections(collections),
                harvest_source=harvest_source, concept_id=concept_id,
                version_index=version_index, is_latest=bool(is_latest),
            )
            if payload is not None and type(payload) is not bytes:
                payload = bytes(payload)
            page.append((record, datestamp if stamp == rds else from_db(stamp),
                         bool(member), payload, specs))
        missing = [r.id for r, _, _, payload, _ in page if payload is None]
        metadata = self._metadata_of(conn, missing) if missing else {}
        records = [r if payload is not None else _with_metadata(r, metadata[r.id], drafts)
                   for r, _, _, payload, _ in page]
        sets = self._specs_with_ancestors(conn, {r.id: specs for r, _, _, _, specs in page})
        origins = self._origins(conn, [r.id for r in records if r.harvested])
        return [
            Entry(r, stamp, r.deleted or not member, sets.get(r.id, ()), origins.get(r.id),
                  payload)
            for r, (_, stamp, member, payload, _) in zip(records, page, strict=True)
        ]

    def _page_rows(
        self, conn: Any, *, set_spec: str | None, since: datetime | None,
        until: datetime | None, after: Cursor | None, limit: int, require_doi: bool,
        payload_format: str | None, fp: str | None,
    ) -> Sequence[Any]:
        """The rows of a list page's statement (:func:`_page_statement`: compiled once
        per shape, run as the driver's SQL), the payload columns with ``fp``."""
        dialect = self.engine.dialect
        # keyset_range's clauses: after the cursor, its datestamp folded into the lower bound
        lower = since
        if after is not None:
            lower = after.datestamp if since is None else max(since, after.datestamp)
        values: dict[str, Any] = {}
        below: list[str] = []
        if set_spec is not None:
            values["spec"] = set_spec
            defined = conn.exec_driver_sql(
                *_driver(dialect, "SELECT spec FROM oai_sets WHERE spec = ?", (set_spec,)))
            if defined.first() is None:
                with Session(bind=conn) as s:
                    below = _topmost_below(s, set_spec)
                values.update((f"below_{i}", spec) for i, spec in enumerate(below))
        to_db = _datetime_to_db(dialect)
        if after is not None:
            values["after_ds"], values["after_id"] = to_db(after.datestamp), after.id
        if lower is not None:
            values["lower"] = to_db(lower)
        if until is not None:
            values["until"] = to_db(until)
        if fp is not None:
            values["fmt"], values["fp"] = payload_format, fp
        kind = "all" if set_spec is None else "set" if not below else "below"
        shape = _PageShape(kind, len(below), after is not None, lower is not None,
                           until is not None, require_doi, fp is not None, limit)
        sql, names, defaults = _page_statement(dialect, shape)
        params = {**defaults, **values}
        return conn.exec_driver_sql(
            sql, tuple(params[n] for n in names) if names is not None else params,
            execution_options={BINARY_ROWS: True},  # payloads as bytes, not hex text
        ).fetchall()

    @staticmethod
    def _origins(conn: Any, harvested: list[str]) -> dict[str, Provenance]:
        """Where the harvested records among a page came from (``<about>``)."""
        if not harvested:
            return {}
        with Session(bind=conn) as s:
            return provenance_of(s, harvested)

    @staticmethod
    def _metadata_of(conn: Any, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not record_ids:
            return {}
        rows = conn.execute(
            select(RecordRow.id, RecordRow.metadata_json).where(RecordRow.id.in_(record_ids))
        )
        return {rid: metadata for rid, metadata in rows}

    @staticmethod
    def _specs_with_ancestors(
        conn: Any, specs_of: Mapping[str, str | None]
    ) -> dict[str, tuple[str, ...]]:
        """Each record's current sets (the page's aggregated column), with the defined
        sets above them, as :meth:`_sets_of` gives them."""
        found = {rid: set(specs.split(" ")) for rid, specs in specs_of.items() if specs}
        ancestors = {a for specs in found.values() for spec in specs for a in spec_ancestors(spec)}
        defined: set[str] = set()
        if ancestors:
            defined = set(conn.execute(
                select(SetRow.spec).where(SetRow.spec.in_(sorted(ancestors)))).scalars())
        return {
            rid: tuple(sorted(specs | {a for sp in specs for a in spec_ancestors(sp)} & defined))
            for rid, specs in found.items()
        }

    def count_records(
        self,
        *,
        set_spec: str | None,
        since: datetime | None,
        until: datetime | None,
        require_doi: bool = False,
    ) -> int:
        with self._session() as s, s.begin():
            if set_spec is None and since is None and not require_doi:
                estimate = _estimated_records(s)
                if estimate is not None and estimate > ESTIMATE_ABOVE:
                    return estimate
            if set_spec is None:
                where = has_public_doi() if require_doi else None
                return RecordStore(s).count(
                    since=since, until=until, include_deleted=True, where=where
                )
            inner = self._set_select(s, set_spec, require_doi)
            ds, rid = inner.selected_columns.ds, inner.selected_columns.rid
            inner = inner.where(*keyset_range(ds, rid, after=None, since=since, until=until)).subquery()
            return int(s.execute(select(func.count()).select_from(inner)).scalar_one())

    def _set_select(self, s: Session, spec: str, require_doi: bool) -> Any:
        """SELECT ds, member, then :func:`_envelope` for the members (past and present) of ``spec``."""
        # A defined set has rows of its own for its descendants' members too
        # (repository_core.sets materialises them): one index range scan.
        # A parent that is not defined has none: gather the rows of its
        # topmost defined descendants (which hold those of theirs), each an
        # equality on set_spec, so the index serves it under any collation.
        below = [] if s.get(SetRow, spec) is not None else _topmost_below(s, spec)
        stmt = _members_select(spec, below)
        if require_doi:
            stmt = stmt.where(has_public_doi())
        return stmt

    def _sets_of(self, s: Session, record_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Each record's current sets, with the defined sets above them."""
        if not record_ids:
            return {}
        found: dict[str, set[str]] = {}
        for rid, spec in s.execute(
            select(MembershipRow.record_id, MembershipRow.set_spec).where(
                MembershipRow.record_id.in_(record_ids), MembershipRow.member.is_(True)
            )
        ):
            found.setdefault(rid, set()).add(spec)
        ancestors = {a for specs in found.values() for spec in specs for a in spec_ancestors(spec)}
        defined: set[str] = set()
        if ancestors:
            defined = set(s.execute(select(SetRow.spec).where(SetRow.spec.in_(ancestors))).scalars())
        return {
            rid: tuple(sorted(specs | {a for sp in specs for a in spec_ancestors(sp)} & defined))
            for rid, specs in found.items()
        }

    # -- sets -----------------------------------------------------------------
    def list_sets(self, *, after: str | None, limit: int) -> list[SetInfo]:
        with self._session() as s, s.begin():
            stmt = select(SetRow.spec, SetRow.name, SetRow.description).order_by(SetRow.spec)
            if after is not None:
                stmt = stmt.where(SetRow.spec > after)
            return [SetInfo(*row) for row in s.execute(stmt.limit(limit))]

    def count_sets(self) -> int:
        with self._session() as s, s.begin():
            return int(s.execute(select(func.count()).select_from(SetRow)).scalar_one())


class SQLPayloadCache:
    """:class:`~.repository.PayloadCache` over ``record_payloads``, for one configuration."""

    def __init__(self, engine: Engine, export: ExportContext):
        self.engine = engine
        self.fingerprint = fingerprint(export)

    def lookup(self, prefix: str, records: Sequence[Record]) -> Mapping[str, bytes]:
        with Session(self.engine) as s, s.begin():
            return valid_payloads(s, prefix, self.fingerprint, records)

    def keep(self, prefix: str, rendered: Sequence[tuple[PayloadOwner, bytes]]) -> None:
        keep_payloads(self.engine, prefix, self.fingerprint, rendered)


def render_payloads(
    engine: Engine, export: ExportContext, prefixes: Iterable[str] = OAI_FORMATS,
    *, batch: int = 500,
) -> int:
    """Render and keep the payloads of every live record in ``prefixes`` that has
    none valid; how many were rendered."""
    rendered = 0
    after: Cursor | None = None
    while True:
        with Session(engine) as s, s.begin():
            page = RecordStore(s).page(after=after, limit=batch)
        if not page:
            return rendered
        after = Cursor(page[-1].datestamp, page[-1].id)
        rendered += render_records(engine, export, [r.id for r in page], prefixes)


def render_records(
    engine: Engine, export: ExportContext, record_ids: Sequence[str],
    prefixes: Iterable[str] = OAI_FORMATS,
) -> int:
    """Render and keep the payloads of these records (a committed ingest batch, say)
    in ``prefixes`` where none is valid; how many were rendered. Tombstones have none."""
    cache = SQLPayloadCache(engine, export)
    rendered = 0
    plan = records_to_render(engine, export, record_ids, prefixes)
    for (prefix, records), payloads in zip(plan, render_plan(plan, export), strict=True):
        cache.keep(prefix, list(zip(records, payloads, strict=True)))
        rendered += len(records)
    return rendered


def records_to_render(
    engine: Engine, export: ExportContext, record_ids: Sequence[str],
    prefixes: Iterable[str] = OAI_FORMATS,
) -> list[tuple[str, list[Record]]]:
    """For each of ``prefixes``, the records among ``record_ids`` (as the public
    sees them) that it is available for and that have no valid kept payload in it."""
    cache = SQLPayloadCache(engine, export)
    with Session(engine) as s, s.begin():
        rows = s.execute(select(RecordRow).where(RecordRow.id.in_(list(record_ids)))).scalars()
        records = public_records(s, [row_to_record(row) for row in rows if not row.deleted])
    plan = []
    for prefix in prefixes:
        fmt = _oai_format(prefix)
        kept = cache.lookup(prefix, records)
        plan.append((prefix, [r for r in records if r.id not in kept and fmt.available(r)]))
    return plan


def render_oai_payloads(prefix: str, records: Sequence[Record], export: ExportContext,
                        ) -> list[bytes]:
    """The payloads of ``records`` in OAI format ``prefix``: no database, so a
    process of its own can render them (``oaiserver load`` does)."""
    fmt = _oai_format(prefix)
    assert fmt.oai_payload is not None
    return [serialize(fmt.oai_payload(r, export)) for r in records]


def render_plan(plan: Sequence[tuple[str, Sequence[Record]]], export: ExportContext,
                ) -> list[list[bytes]]:
    """The payloads of each ``(prefix, records)`` of ``plan``, as
    :func:`render_oai_payloads` renders them, byte for byte.

    A format built around another's payload (``Format.oai_payload_around``:
    ``oai_datacite`` wraps the ``datacite`` resource) takes over the element
    the other rendered for the same record, once that is serialised, instead
    of building it again (a load renders both for every record with a DOI).
    """
    formats = {prefix: _oai_format(prefix) for prefix, _ in plan}
    inner_of = {prefix: fmt.oai_payload_around[0] for prefix, fmt in formats.items()
                if fmt.oai_payload_around is not None}
    shared = {inner for prefix, inner in inner_of.items() if inner in formats}
    elements: dict[str, dict[str, Any]] = {inner: {} for inner in shared}
    # the inner formats first, their elements kept by record id
    order = sorted(range(len(plan)), key=lambda i: plan[i][0] not in shared)
    results: list[list[bytes]] = [[] for _ in plan]
    for i in order:
        prefix, records = plan[i]
        fmt = formats[prefix]
        kept = elements.get(prefix)
        inner = elements.get(inner_of.get(prefix, ""), {})
        payloads = results[i]
        for record in records:
            element = inner.pop(record.id, None)
            if element is not None:
                assert fmt.oai_payload_around is not None
                element = fmt.oai_payload_around[1](element, record, export)
            else:
                assert fmt.oai_payload is not None
                element = fmt.oai_payload(record, export)
            payloads.append(serialize(element))
            if kept is not None:
                kept[record.id] = element
    return results


class RenderedBatch(NamedTuple):
    """A format's payloads of a committed batch, with what keeping them needs of
    each record (:func:`repository_core.payloads.keep_payloads`), not the record."""

    prefix: str
    keys: list[PayloadKey]
    payloads: list[bytes]


class PayloadKey(NamedTuple):
    """What a kept payload is checked against: the record's revision, datestamp, DOI."""

    id: str
    revision: int
    datestamp: datetime
    doi: str | None
    deleted: bool = False


def render_committed(database: Engine | str, export: ExportContext, record_ids: Sequence[str],
                     ) -> list[RenderedBatch]:
    """Read the committed records ``record_ids`` and render the OAI payloads they
    lack (:func:`records_to_render`, :func:`render_plan`).

    ``database`` is an engine, or a URL a process of its own connects to
    (``oaiserver load`` runs this beside the writer: the records are read
    there, so the writer neither reads them back nor sends them). Nothing
    is kept: the caller keeps the payloads with its own connection.
    """
    if isinstance(database, Engine):
        engine = database
    else:
        engine = _child_engine(database)
        wanted = set(record_ids)
        with engine.connect() as conn:
            found = conn.execute(select(func.count()).select_from(RecordRow)
                                 .where(RecordRow.id.in_(sorted(wanted)))).scalar_one()
        if found != len(wanted):  # not the writer's database: render there instead
            raise LookupError(f"{len(wanted) - found} of the batch's records are not at "
                              f"the database URL given")
    plan = [(prefix, records) for prefix, records in records_to_render(engine, export, record_ids)
            if records]
    return [RenderedBatch(prefix, [PayloadKey(r.id, r.revision, r.datestamp, r.doi)
                                   for r in records], payloads)
            for (prefix, records), payloads in zip(plan, render_plan(plan, export), strict=True)]


@lru_cache(maxsize=2)
def _child_engine(url: str) -> Engine:
    from repository_core.db import make_engine

    return make_engine(url)


def _oai_format(prefix: str) -> Any:
    from serializers.registry import FORMATS

    fmt = FORMATS.by_oai_prefix(prefix)
    if fmt is None or fmt.oai_payload is None:
        raise ValueError(f"{prefix!r} is not an OAI format")
    return fmt


def _estimated_records(s: Session) -> int | None:
    """How many rows ``records`` holds, from what the database knows without counting.

    SQLite: the largest rowid (records are never removed, tombstones stay, so
    it is the number of rows ever stored). PostgreSQL: the planner's
    ``reltuples`` (kept by ANALYZE and autovacuum; None before the first).
    """
    if s.get_bind().dialect.name == "sqlite":
        found = s.execute(text("SELECT max(rowid) FROM records")).scalar()
    else:
        found = s.execute(text(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'records'::regclass")).scalar()
    return int(found) if found is not None and found > 0 else None


def _envelope(rid: Any = RecordRow.id) -> list[Any]:
    """The record columns a list page reads besides the metadata, ``rid`` first: the
    column the page is ordered by (the membership's in a set, so its index orders).

    ``collections`` is read as text: psycopg would parse each row's JSON, which
    a page written from kept payloads never reads (100 parses were 0.4 of a
    page's 2.4 ms on PostgreSQL); :func:`_collections` parses it where needed.
    """
    r = RecordRow
    return [rid.label("rid"), r.created, r.datestamp, r.revision, r.doi, r.deleted,
            r.harvest_source, r.concept_id, r.version_index, r.is_latest,
            cast(r.collections, Text).label("collections"), doi_is_draft().label("draft")]


def _with_metadata(record: Record, metadata: dict[str, Any], drafts: set[str]) -> Record:
    """The envelope with its metadata, as the public sees it (a draft DOI left out)."""
    full = replace(record, metadata=metadata)
    return without_doi(full) if full.doi in drafts else full


def _topmost_below(s: Session, spec: str) -> list[str]:
    """The defined sets below ``spec`` that have no defined set between them and it.

    Found by ``LIKE 'spec:%'`` with ``spec``'s wildcards escaped, never by a
    string range such as ``spec:`` .. ``spec;``, whose meaning depends on the
    database's collation; checked again here because SQLite's LIKE ignores
    ASCII case.
    """
    prefix = spec + ":"
    below = {
        d for d in s.execute(
            select(SetRow.spec).where(SetRow.spec.startswith(prefix, autoescape=True))
        ).scalars() if d.startswith(prefix)
    }
    depth = spec.count(":") + 1
    return sorted(
        d for d in below if not any(a in below for a in list(spec_ancestors(d))[depth:])
    )


def _members_select(spec: Any, below: Sequence[Any]) -> Any:
    """SELECT ds, member, then :func:`_envelope`, for the members (past and
    present) of the defined set ``spec`` or, when ``below`` names sets (values
    or bound parameters), of those sets together, one row a record."""
    m = MembershipRow
    if not below:
        return (
            select(m.datestamp.label("ds"), m.member.label("member"), *_envelope(m.record_id))
            .join(RecordRow, RecordRow.id == m.record_id)
            .where(m.set_spec == spec)
        )
    grouped = (
        select(
            m.record_id.label("rid"),
            func.max(m.datestamp).label("ds"),
            func.max(case((m.member.is_(True), 1), else_=0)).label("member"),
        )
        .where(m.set_spec.in_(list(below)))
        .group_by(m.record_id)
        .subquery()
    )
    return select(
        grouped.c.ds, grouped.c.member, *_envelope(grouped.c.rid)
    ).join(RecordRow, RecordRow.id == grouped.c.rid)


class _PageShape(NamedTuple):
    """What a list page's statement looks like, apart from its values."""

    #: "all" records, one defined "set", or the sets "below" a spec that is not defined
    kind: str
    below: int
    after: bool
    lower: bool
    until: bool
    require_doi: bool
    payload: bool
    limit: int


@lru_cache(maxsize=256)
def _page_statement(
    dialect: Dialect, shape: _PageShape
) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """A list page's SELECT for ``shape``, compiled once: (SQL, the order of its
    parameters for a positional driver or None, the values of the constant ones).

    Columns: ds, member, :func:`_envelope`, then the payload and the DOI it was
    rendered with (with ``shape.payload``), then the record's current set specs
    joined by spaces (no setSpec holds one), aggregated in a correlated subquery.
    Values bound by name: spec, below_0 ..., after_ds, after_id, lower, until,
    fmt, fp (datetimes as the driver stores them: :func:`_datetime_to_db`).
    """
    ds: Any
    rid: Any
    if shape.kind == "all":
        stmt = select(RecordRow.datestamp.label("ds"), true().label("member"), *_envelope())
        ds, rid = RecordRow.datestamp, RecordRow.id
    else:
        below: list[Any] = ([] if shape.kind == "set"
                             else [bindparam(f"below_{i}") for i in range(shape.below)])
        stmt = _members_select(bindparam("spec"), below)
        ds, rid = stmt.selected_columns.ds, stmt.selected_columns.rid
    if shape.require_doi:
        stmt = stmt.where(has_public_doi())
    # repository_core.paging.keyset_range, with its values bound by name
    if shape.after:
        stmt = stmt.where(tuple_(ds, rid) > tuple_(bindparam("after_ds"), bindparam("after_id")))
    if shape.lower:
        stmt = stmt.where(ds >= bindparam("lower"))
    if shape.until:
        stmt = stmt.where(ds <= bindparam("until"))
    if shape.payload:  # kept at this revision and datestamp, in this configuration
        p = PayloadRow
        stmt = stmt.add_columns(p.payload, p.doi).outerjoin(
            p, and_(p.record_id == RecordRow.id, p.format == bindparam("fmt"),
                    p.fingerprint == bindparam("fp"), p.revision == RecordRow.revision,
                    p.datestamp == RecordRow.datestamp))
    ms = aliased(MembershipRow, name="current_sets")
    joined = (func.group_concat(ms.set_spec, " ") if dialect.name == "sqlite"
              else func.string_agg(ms.set_spec, " "))
    specs = (select(joined).where(ms.record_id == RecordRow.id, ms.member.is_(True))
             .correlate(RecordRow).scalar_subquery())
    stmt = stmt.add_columns(specs).order_by(ds, rid).limit(shape.limit)
    compiled = stmt.compile(dialect=dialect)
    sql = compiled.string
    if "POSTCOMPILE" in sql:  # pragma: no cover - a programming error
        raise AssertionError(f"a list page's statement must compile to plain SQL: {sql}")
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    defaults = {k: v for k, v in compiled.params.items() if v is not None}
    return sql, names, defaults


def _page_engine(engine: Engine) -> Engine:
    """The engine a list page reads with: on PostgreSQL in autocommit.

    Under PostgreSQL's read committed every statement takes a snapshot of its
    own, in a transaction or not, so a page's transaction only added its
    ``BEGIN`` and ``COMMIT`` round trips (a connection's checkout with one
    statement: 0.47-0.59 -> 0.30-0.31 ms). SQLite keeps the transaction: it
    holds one snapshot for the page's statements.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _driver(dialect: Dialect, sql: str, params: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """A small statement written with ``?`` placeholders, in the driver's own style."""
    return (sql if dialect.paramstyle == "qmark" else sql.replace("?", "%s")), params


@lru_cache(maxsize=16)
def _datetime_to_db(dialect: Dialect) -> Callable[[datetime], Any]:
    """An aware datetime as the driver stores a :class:`UTCDateTime` column (SQLite: text)."""
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


@lru_cache(maxsize=16)
def _datetime_from_db(dialect: Dialect) -> Callable[[Any], Any]:
    """A :class:`UTCDateTime` column's value as the driver hands it, read aware."""
    process = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else (lambda value: value)


def _collections(raw: Any) -> tuple[str, ...]:
    """The ``collections`` column as a page reads it (JSON text; a list from a driver
    that parsed it)."""
    if not raw or raw == "[]":
        return ()
    return tuple(json.loads(raw) if isinstance(raw, str | bytes) else raw)
