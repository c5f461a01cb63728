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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, case, exists, func, null, select, text, true
from sqlalchemy.orm import Session

from repository_core.datestamps import serve_bound
from repository_core.db import write_engine
from repository_core.harvest.sources import provenance_of
from repository_core.models import MembershipRow, PayloadRow, RecordRow, SetRow
from repository_core.paging import keyset_range
from repository_core.payloads import keep_payloads, valid_payloads
from repository_core.public_doi import doi_is_draft, has_public_doi, public_records, without_doi
from repository_core.records import Cursor, Record
from repository_core.set_specs import spec_ancestors
from repository_core.store import RecordStore, row_to_record
from serializers.context import ExportContext

from .payloads import fingerprint, serialize
from .repository import Entry, SetInfo

__all__ = [
    "ESTIMATE_ABOVE", "OAI_FORMATS", "SQLPayloadCache", "SQLRepository", "render_payloads",
    "render_records",
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

        One statement selects the envelope columns (no ORM object per row) and,
        joined, the kept payloads; a second reads the metadata of the rows
        without a valid payload, the only ones that need it.
        """
        fp = self.payloads.fingerprint if payload_format and self.payloads else None
        with self._session() as s, s.begin():
            if set_spec is None:
                stmt = select(
                    RecordRow.datestamp.label("ds"), true().label("member"), *_envelope()
                ).where(*keyset_range(RecordRow.datestamp, RecordRow.id, after=after,
                                      since=since, until=until))
                if require_doi:
                    stmt = stmt.where(has_public_doi())
                stmt = stmt.order_by(RecordRow.datestamp, RecordRow.id)
            else:
                stmt = self._set_select(s, set_spec, require_doi)
                ds, rid = stmt.selected_columns.ds, stmt.selected_columns.rid
                stmt = stmt.where(*keyset_range(ds, rid, after=after, since=since, until=until))
                stmt = stmt.order_by(ds, rid)
            p = PayloadRow
            if fp is not None:  # kept at this revision and datestamp, in this configuration
                stmt = stmt.add_columns(p.payload, p.doi).outerjoin(
                    p, and_(p.record_id == RecordRow.id, p.format == payload_format,
                            p.fingerprint == fp, p.revision == RecordRow.revision,
                            p.datestamp == RecordRow.datestamp))
            else:
                stmt = stmt.add_columns(null(), null())
            rows = s.execute(stmt.limit(limit)).all()
            drafts = {row.doi for row in rows if row.draft}
            page: list[tuple[Record, datetime, bool, bytes | None]] = []
            for row in rows:
                (stamp, member, rid, created, rds, revision, doi, deleted, harvest_source,
                 concept_id, version_index, is_latest, collections, _draft,
                 payload, p_doi) = row
                shown = None if doi in drafts else doi
                if p_doi != shown:  # rendered before DataCite confirmed the DOI (or since)
                    payload = None
                record = Record(  # the public DOI once the metadata is known (_with_metadata)
                    id=rid, metadata={}, created=created, datestamp=rds, revision=revision,
                    doi=doi if payload is None else shown, deleted=deleted, collections=tuple(collections or ()),
                    harvest_source=harvest_source, concept_id=concept_id,
                    version_index=version_index, is_latest=is_latest,
                )
                page.append((record, stamp, bool(member), payload))
            metadata = self._metadata_of(s, [r.id for r, _, _, payload in page if payload is None])
            records = [r if payload is not None else _with_metadata(r, metadata[r.id], drafts)
                       for r, _, _, payload in page]
            sets = self._sets_of(s, [r.id for r in records])
            origins = provenance_of(s, [r.id for r in records if r.harvested])
        return [
            Entry(r, stamp, r.deleted or not member, sets.get(r.id, ()), origins.get(r.id),
                  payload)
            for r, (_, stamp, member, payload) in zip(records, page, strict=True)
        ]

    @staticmethod
    def _metadata_of(s: Session, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not record_ids:
            return {}
        rows = s.execute(
            select(RecordRow.id, RecordRow.metadata_json).where(RecordRow.id.in_(record_ids))
        )
        return {rid: metadata for rid, metadata in rows}

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
        m = MembershipRow
        # A defined set has rows of its own for its descendants' members too
        # (repository_core.sets materialises them): one index range scan.
        # A parent that is not defined has none: gather the rows of its
        # topmost defined descendants (which hold those of theirs), each an
        # equality on set_spec, so the index serves it under any collation.
        below = [] if s.get(SetRow, spec) is not None else _topmost_below(s, spec)
        if not below:
            stmt = (
                select(m.datestamp.label("ds"), m.member.label("member"), *_envelope(m.record_id))
                .join(RecordRow, RecordRow.id == m.record_id)
                .where(m.set_spec == spec)
            )
        else:
            grouped = (
                select(
                    m.record_id.label("rid"),
                    func.max(m.datestamp).label("ds"),
                    func.max(case((m.member.is_(True), 1), else_=0)).label("member"),
                )
                .where(m.set_spec.in_(below))
                .group_by(m.record_id)
                .subquery()
            )
            stmt = select(
                grouped.c.ds, grouped.c.member, *_envelope(grouped.c.rid)
            ).join(RecordRow, RecordRow.id == grouped.c.rid)
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

    def keep(self, prefix: str, rendered: Sequence[tuple[Record, bytes]]) -> None:
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
    from serializers.registry import FORMATS

    cache = SQLPayloadCache(engine, export)
    with Session(engine) as s, s.begin():
        rows = s.execute(select(RecordRow).where(RecordRow.id.in_(list(record_ids)))).scalars()
        records = public_records(s, [row_to_record(row) for row in rows if not row.deleted])
    rendered = 0
    for prefix in prefixes:
        fmt = FORMATS.by_oai_prefix(prefix)
        if fmt is None or fmt.oai_payload is None:
            raise ValueError(f"{prefix!r} is not an OAI format")
        kept = cache.lookup(prefix, records)
        fresh = [(r, serialize(fmt.oai_payload(r, export))) for r in records
                 if r.id not in kept and fmt.available(r)]
        cache.keep(prefix, fresh)
        rendered += len(fresh)
    return rendered


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
    column the page is ordered by (the membership's in a set, so its index orders)."""
    r = RecordRow
    return [rid.label("rid"), r.created, r.datestamp, r.revision, r.doi, r.deleted,
            r.harvest_source, r.concept_id, r.version_index, r.is_latest, r.collections,
            doi_is_draft().label("draft")]


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
