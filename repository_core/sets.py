"""OAI sets defined by queries, and their materialised membership.

A set is (spec, name, description, query). Which records are in it is kept
in ``set_membership`` so that a set-selective harvest is one index range
scan. The membership is kept exact two ways:

* on every record write, :class:`SetMembershipHook` (a ``WriteHook``)
  evaluates every set's query against the record in memory;
* when a set is created, its query changes, or it is deleted,
  :func:`create_set` / :func:`update_set` / :func:`delete_set` evaluate the
  query in SQL over the whole store in a few set-wise statements.

Rules (what a harvester sees):

* **Hierarchy.** A record in ``a:b`` is in ``a``: the membership of a set is
  the union of its own query and the queries of all its defined descendants
  (``a:b``, ``a:b:c`` ...). A parent need not be defined; if it is not, it
  has no membership of its own. Changing a child re-evaluates its defined
  ancestors.
* **Datestamps.** Every membership row carries its record's datestamp (an
  invariant: ``membership.datestamp == records.datestamp``). When a set
  change moves records into or out of a set, those records get one new
  datestamp (:func:`~repository_core.datestamps.next_datestamp`) on the
  record row and all their membership rows, so an incremental harvest of
  the set (or of the whole repository, whose headers list the sets) sees
  them again. Records that leave a set keep a row with ``member=False``:
  the OAI layer shows them as deleted for that set.
* **Deleted records** keep their rows as they were at deletion (only the
  datestamp follows the tombstone's) and set changes do not evaluate
  tombstones; restoring a record is an ordinary write.
* **What OAI-PMH can show** is checked when the set is defined: the spec
  matches OAI-PMH.xsd's ``setSpecType`` (:data:`SPEC_PATTERN`), and the name
  and description hold only characters XML 1.0 can carry; otherwise
  ``InvalidRecord`` names ``/spec``, ``/name`` or ``/description``.
* **Queries** are parsed when the set is defined (``for_sets=True``: the
  ``datestamp`` field is refused because it changes on every write); a
  query that does not parse raises ``InvalidQuery`` and nothing is stored.

The caller owns the session and its transaction; use a write transaction
(``RecordService.transaction()``, ``BEGIN IMMEDIATE`` on SQLite). Every set
change takes the datestamp clock lock first, which serialises it with
record writes (they hold the same lock while their hooks run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    CursorResult,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from .bulk import insert_rows
from .datestamps import next_datestamp, utcnow
from .errors import InvalidRecord, Problem, SetExists, SetNotFound
from .metadata.validation import INVALID_XML_CHARACTERS
from .models import MembershipRow, RecordRow, SetRow
from .query.fields import extract
from .query.memory import BatchMatcher
from .query.parser import parse_query
from .query.sql import to_sql
from .query.tree import Node, Or
from .records import Record
from .set_specs import SPEC_PATTERN, spec_ancestors

if TYPE_CHECKING:
    from .service import RecordService

__all__ = [
    "SPEC_PATTERN",
    "RestampHook",
    "SetDefinition",
    "SetMembershipHook",
    "SetService",
    "check_spec",
    "create_set",
    "delete_set",
    "get_set",
    "list_sets",
    "membership_count",
    "rebuild_membership",
    "set_query_tree",
    "sets_of",
    "update_set",
]

#: called with the new datestamp after a set change re-stamped records
#: (``records.datestamp == stamp`` selects them), e.g. to queue reindexing
RestampHook = Callable[[Session, datetime], None]

_UNSET: Any = object()


@dataclass(frozen=True)
class SetDefinition:
    spec: str
    name: str
    description: str | None
    query: str
    created: datetime
    updated: datetime

    @classmethod
    def from_row(cls, row: SetRow) -> SetDefinition:
        return cls(row.spec, row.name, row.description, row.query, row.created, row.updated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec, "name": self.name, "description": self.description,
            "query": self.query, "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


def check_spec(spec: Any) -> str:
    """The spec if it is a valid OAI setSpec, else ``InvalidRecord`` (/spec)."""
    if problems := _spec_problems(spec):
        raise InvalidRecord(problems)
    return spec


def _spec_problems(spec: Any) -> list[Problem]:
    if not isinstance(spec, str) or not SPEC_PATTERN.fullmatch(spec) or len(spec) > 255:
        return [Problem("/spec", "a setSpec is 1 to 255 characters: letters, digits and "
                                 "-_.!~*'() in segments joined by ':'")]
    return []


def _xml_problems(pointer: str, label: str, text: str) -> list[Problem]:
    # a set's name and description are shown in ListSets
    if bad := INVALID_XML_CHARACTERS.search(text):
        return [Problem(pointer, f"the {label} contains U+{ord(bad.group()):04X}, a character "
                                 "XML 1.0 cannot carry (OAI-PMH shows it in ListSets)")]
    return []


def _name_problems(name: Any) -> list[Problem]:
    if not isinstance(name, str) or not name.strip():
        return [Problem("/name", "a set has a non-empty name")]
    return _xml_problems("/name", "name", name)


def _description_problems(description: Any) -> list[Problem]:
    if description is None:
        return []
    if not isinstance(description, str):
        return [Problem("/description", "description is a string or null")]
    return _xml_problems("/description", "description", description)


def _check(*problems: list[Problem]) -> None:
    """``InvalidRecord`` with every problem found, if there is one."""
    found = [p for group in problems for p in group]
    if found:
        raise InvalidRecord(found)


@lru_cache(maxsize=8192)
def set_query_tree(query: str) -> Node:
    """The parsed tree of a set query (cached; raises ``InvalidQuery``)."""
    return parse_query(query, for_sets=True)


@lru_cache(maxsize=16)
def _set_placer(defined: tuple[tuple[str, str], ...]) -> _SetPlacer:
    """The placer of the defined (spec, query) pairs (cached: the set list
    rarely changes between two writes)."""
    return _SetPlacer(defined)


def _is_descendant(spec: str, of: str) -> bool:
    return spec.startswith(of + ":")


# -- reads ------------------------------------------------------------------

def get_set(session: Session, spec: str) -> SetDefinition:
    row = session.get(SetRow, spec)
    if row is None:
        raise SetNotFound(spec)
    return SetDefinition.from_row(row)


def list_sets(session: Session) -> list[SetDefinition]:
    rows = session.execute(select(SetRow).order_by(SetRow.spec)).scalars()
    return [SetDefinition.from_row(r) for r in rows]


def sets_of(session: Session, record_id: str) -> list[str]:
    """Specs the record is a member of (for its OAI header), sorted."""
    return list(session.execute(
        select(MembershipRow.set_spec)
        .where(MembershipRow.record_id == record_id, MembershipRow.member.is_(True))
        .order_by(MembershipRow.set_spec)
    ).scalars())


def live_member_counts(session: Session) -> dict[str, int]:
    """Set spec -> how many live (not deleted) records are members now, for every set
    with any; what a person browsing the sets means by "records in this set"."""
    stmt = (select(MembershipRow.set_spec, func.count())
            .join(RecordRow, RecordRow.id == MembershipRow.record_id)
            .where(MembershipRow.member.is_(True), RecordRow.deleted.is_(False))
            .group_by(MembershipRow.set_spec))
    return {spec: int(count) for spec, count in session.execute(stmt).all()}


def membership_count(session: Session, spec: str) -> int:
    """How many records the set lists in OAI-PMH: its members and its former members."""
    stmt = select(func.count()).select_from(MembershipRow).where(MembershipRow.set_spec == spec)
    return int(session.execute(stmt).scalar_one())


# -- the write hook ------------------------------------------------------------

class SetMembershipHook:
    """``WriteHook``: place a written record in its sets (evaluator a).

    Keeps parsed trees cached by query text; the set list itself is read in
    the write's transaction, so sets defined by another process count.
    """

    def __call__(self, session: Session, record: Record, previous: Record | None) -> None:
        session.flush()
        if record.deleted:
            session.execute(
                update(MembershipRow).where(MembershipRow.record_id == record.id)
                .values(datestamp=record.datestamp)
            )
            return
        defined = session.execute(select(SetRow.spec, SetRow.query)).all()
        if not defined:
            return
        member = _set_placer(tuple((spec, query) for spec, query in defined)).members(
            extract(record))
        existing = set(session.execute(
            select(MembershipRow.set_spec).where(MembershipRow.record_id == record.id)
        ).scalars())
        if existing:
            session.execute(
                update(MembershipRow).where(MembershipRow.record_id == record.id)
                .values(datestamp=record.datestamp,
                        member=MembershipRow.set_spec.in_(sorted(member)) if member
                        else literal(False))
            )
        new = sorted(member - existing)
        if new:
            session.execute(cast(Table, MembershipRow.__table__).insert(), [
                {"set_spec": s, "record_id": record.id, "datestamp": record.datestamp,
                 "member": True} for s in new
            ])


    def many(self, session: Session, records: Sequence[Record], extracted: Sequence[Any]) -> None:
        """The batch form for new records: the set list read once, each query
        parsed once (cached), matched in memory; one executemany of the rows."""
        defined = session.execute(select(SetRow.spec, SetRow.query)).all()
        if not defined:
            return
        placer = _set_placer(tuple((spec, query) for spec, query in defined))
        rows: list[tuple[str, str, datetime, bool]] = []
        for record, doc in zip(records, extracted, strict=True):
            if record.deleted:
                continue
            member = placer.members(doc)
            rows.extend((s, record.id, record.datestamp, True) for s in sorted(member))
        insert_rows(session, cast(Table, MembershipRow.__table__),
                    ("set_spec", "record_id", "datestamp", "member"), rows)


class _SetPlacer:
    """The sets a record belongs to, given the defined (spec, query) pairs: the
    sets whose query it matches (one :class:`BatchMatcher` for all of them) and
    their defined ancestors."""

    def __init__(self, defined: Sequence[tuple[str, str]]):
        self.order = [spec for spec, _ in defined]
        specs = set(self.order)
        self.matcher = BatchMatcher([set_query_tree(query) for _, query in defined])
        self.ancestors = {spec: [a for a in spec_ancestors(spec) if a in specs] for spec in specs}

    def members(self, doc: Any) -> set[str]:
        member: set[str] = set()
        for index in self.matcher.matching(doc):
            spec = self.order[index]
            member.add(spec)
            member.update(self.ancestors[spec])
        return member


# -- set changes -------------------------------------------------------------------

def _effective_tree(session: Session, spec: str) -> Node | None:
    """Own query OR the queries of defined descendants; None if nothing defines it."""
    rows = session.execute(
        select(SetRow.spec, SetRow.query).where(
            or_(SetRow.spec == spec, SetRow.spec.startswith(spec + ":", autoescape=True)))
    ).all()
    trees = [set_query_tree(q) for s, q in rows if s == spec or _is_descendant(s, spec)]
    if not trees:
        return None
    return trees[0] if len(trees) == 1 else Or(tuple(trees))


def _restamp_mirror(session: Session, stamp: datetime) -> None:
    """Give every membership row of the re-stamped records the new datestamp."""
    restamped = select(RecordRow.id).where(RecordRow.datestamp == stamp)
    session.execute(
        update(MembershipRow).where(MembershipRow.record_id.in_(restamped))
        .values(datestamp=stamp).execution_options(synchronize_session=False)
    )


def rebuild_membership(session: Session, spec: str, *, stamp: datetime | None = None,
                       on_restamp: RestampHook | None = None) -> int:
    """Re-evaluate one defined set over the live records (evaluator b).

    Records whose membership changes get a new datestamp; returns how many.
    """
    tree = _effective_tree(session, spec)
    if tree is None:
        raise SetNotFound(spec)
    session.flush()
    stamp = stamp or next_datestamp(session)
    clause = to_sql(tree)
    is_member = exists().where(
        MembershipRow.set_spec == spec, MembershipRow.record_id == RecordRow.id,
        MembershipRow.member.is_(True))
    changed = cast(CursorResult[Any], session.execute(
        update(RecordRow)
        .where(RecordRow.deleted.is_(False),
               or_(and_(clause, not_(is_member)), and_(is_member, not_(clause))))
        .values(datestamp=stamp)
        .execution_options(synchronize_session=False)
    )).rowcount
    if not changed:
        return 0
    _finish_restamp(session, spec, stamp, clause)
    if on_restamp is not None:
        on_restamp(session, stamp)
    return int(changed)


def _finish_restamp(session: Session, spec: str, stamp: datetime, clause: Any) -> None:
    """Bring the set's rows of the re-stamped records in line with ``clause``.

    Conditional on the actual mismatch, so records that carry ``stamp`` for
    another reason (an earlier set in the same change) are left as they are.
    """
    _restamp_mirror(session, stamp)
    live = and_(RecordRow.datestamp == stamp, RecordRow.deleted.is_(False))
    entering = select(RecordRow.id).where(live, clause)
    leaving = select(RecordRow.id).where(live, not_(clause))
    session.execute(
        update(MembershipRow)
        .where(MembershipRow.set_spec == spec, MembershipRow.member.is_(False),
               MembershipRow.record_id.in_(entering))
        .values(member=True).execution_options(synchronize_session=False)
    )
    session.execute(
        update(MembershipRow)
        .where(MembershipRow.set_spec == spec, MembershipRow.member.is_(True),
               MembershipRow.record_id.in_(leaving))
        .values(member=False).execution_options(synchronize_session=False)
    )
    has_row = exists().where(MembershipRow.set_spec == spec,
                             MembershipRow.record_id == RecordRow.id)
    session.execute(
        insert(MembershipRow).from_select(
            ["set_spec", "record_id", "datestamp", "member"],
            select(literal(spec), RecordRow.id, RecordRow.datestamp, true())
            .where(live, clause, not_(has_row)),
        )
    )
    session.expire_all()


def _rebuild_with_ancestors(session: Session, spec: str, stamp: datetime,
                            on_restamp: RestampHook | None) -> None:
    targets = [spec] if session.get(SetRow, spec) is not None else []
    targets += [a for a in spec_ancestors(spec) if session.get(SetRow, a) is not None]
    for target in targets:
        rebuild_membership(session, target, stamp=stamp, on_restamp=None)
    if on_restamp is not None:
        on_restamp(session, stamp)


def create_set(
    session: Session,
    spec: str,
    *,
    name: str,
    query: str,
    description: str | None = None,
    on_restamp: RestampHook | None = None,
) -> SetDefinition:
    """Define a set and fill it (and its defined ancestors) from the store."""
    _check(_spec_problems(spec), _name_problems(name), _description_problems(description))
    set_query_tree(query)  # raises InvalidQuery before anything is written
    stamp = next_datestamp(session)
    if session.get(SetRow, spec) is not None:
        raise SetExists(spec)
    now = utcnow()
    row = SetRow(spec=spec, name=name, description=description, query=query,
                 created=now, updated=now)
    session.add(row)
    session.flush()
    _rebuild_with_ancestors(session, spec, stamp, on_restamp)
    return SetDefinition.from_row(session.get(SetRow, spec))  # type: ignore[arg-type]


def update_set(
    session: Session,
    spec: str,
    *,
    name: str | None = None,
    query: str | None = None,
    description: str | None = _UNSET,
    on_restamp: RestampHook | None = None,
) -> SetDefinition:
    """Change a set; a changed query re-evaluates it and its defined ancestors."""
    _check(_name_problems(name) if name is not None else [],
           _description_problems(description) if description is not _UNSET else [])
    if query is not None:
        set_query_tree(query)
    stamp = next_datestamp(session)
    row = session.get(SetRow, spec)
    if row is None:
        raise SetNotFound(spec)
    changed_query = query is not None and query != row.query
    if name is not None:
        row.name = name
    if description is not _UNSET:
        row.description = description
    if query is not None:
        row.query = query
    row.updated = utcnow()
    session.flush()
    if changed_query:
        _rebuild_with_ancestors(session, spec, stamp, on_restamp)
    return SetDefinition.from_row(session.get(SetRow, spec))  # type: ignore[arg-type]


def delete_set(session: Session, spec: str, *,
               on_restamp: RestampHook | None = None) -> None:
    """Remove a set and its membership; its live members get a new datestamp.

    Defined ancestors are re-evaluated without it (records that were in an
    ancestor only through this set leave the ancestor).
    """
    stamp = next_datestamp(session)
    row = session.get(SetRow, spec)
    if row is None:
        raise SetNotFound(spec)
    members = select(MembershipRow.record_id).where(
        MembershipRow.set_spec == spec, MembershipRow.member.is_(True))
    restamped = cast(CursorResult[Any], session.execute(
        update(RecordRow).where(RecordRow.deleted.is_(False), RecordRow.id.in_(members))
        .values(datestamp=stamp).execution_options(synchronize_session=False)
    )).rowcount
    if restamped:
        _restamp_mirror(session, stamp)
    session.execute(delete(MembershipRow).where(MembershipRow.set_spec == spec))
    session.delete(row)
    session.flush()
    for ancestor in spec_ancestors(spec):
        if session.get(SetRow, ancestor) is not None:
            rebuild_membership(session, ancestor, stamp=stamp)
    session.expire_all()
    if on_restamp is not None:
        on_restamp(session, stamp)


def define_sets(session: Session, definitions: Sequence[dict[str, Any]]) -> list[SetDefinition]:
    """Create several sets (e.g. from configuration) in one transaction."""
    return [create_set(session, d["spec"], name=d["name"], query=d["query"],
                       description=d.get("description")) for d in definitions]


class SetService:
    """Set definitions managed over a :class:`~repository_core.service.RecordService`.

    Each change runs in one write transaction. A change that re-stamps
    records (a new or changed query) calls every restamp hook registered
    here, so a caller never has to remember one: the application registers
    them once (the external search engine's queue, for instance).
    """

    def __init__(self, records: RecordService, restamp_hooks: Sequence[RestampHook] = ()):
        self.records = records
        self.restamp_hooks: list[RestampHook] = list(restamp_hooks)

    def _restamped(self, session: Session, stamp: datetime) -> None:
        for hook in self.restamp_hooks:
            hook(session, stamp)

    def create(self, spec: str, *, name: str, query: str,
               description: str | None = None) -> SetDefinition:
        with self.records.transaction() as session:
            return create_set(session, spec, name=name, query=query, description=description,
                              on_restamp=self._restamped)

    def update(self, spec: str, *, name: str | None = None, query: str | None = None,
               description: str | None = _UNSET) -> SetDefinition:
        with self.records.transaction() as session:
            return update_set(session, spec, name=name, query=query, description=description,
                              on_restamp=self._restamped)

    def delete(self, spec: str) -> None:
        with self.records.transaction() as session:
            delete_set(session, spec, on_restamp=self._restamped)

    def list(self) -> list[SetDefinition]:
        with self.records.reading() as session:
            return list_sets(session)

    def overview(self) -> Sequence[tuple[SetDefinition, int]]:
        """Every set with its number of live member records (one read)."""
        with self.records.reading() as session:
            counts = live_member_counts(session)
            return [(d, counts.get(d.spec, 0)) for d in list_sets(session)]

    def sets_of(self, record_id: str) -> Sequence[SetDefinition]:
        """The sets a record is a member of, sorted by spec."""
        with self.records.reading() as session:
            specs = set(sets_of(session, record_id))
            return [d for d in list_sets(session) if d.spec in specs]

    def get(self, spec: str) -> tuple[SetDefinition, int]:
        """The definition and its membership rows (members and former members)."""
        with self.records.reading() as session:
            return get_set(session, spec), membership_count(session, spec)

