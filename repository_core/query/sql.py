"""Evaluator (b): a query as a SQLAlchemy clause over ``records``.

``select(RecordRow).where(to_sql(tree))`` works on SQLite and PostgreSQL
with one code path. Every leaf is an ``EXISTS`` over ``query_terms`` (the
values :func:`.fields.extract` gives, kept by the write hook
:func:`index_record_terms`), except the envelope dates, which are read from
the ``records`` columns. Keyword values and tokens are stored normalised,
so equality, ``LIKE`` and ranges compare exactly what the in-memory
evaluator compares; the column is ``COLLATE "C"`` on PostgreSQL so string
ranges order by code point there too.

The clause does not filter deleted records: callers add
``RecordRow.deleted.is_(False)`` where tombstones must not appear.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    inspect,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from ..bulk import insert_rows
from ..models import RecordRow
from ..write_hooks import batch_form
from .fields import (
    FIELDS,
    FULL_TEXT,
    FULL_TEXT_SOURCES,
    extract,
    from_micros,
    raw_keyword_values,
    title_sort_key,
    tokens,
)
from .phrase import phrase_match
from .term_table import TermRow
from .tree import (
    And,
    Exists,
    Interval,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    StrRange,
    Term,
    Wildcard,
    walk,
)

__all__ = ["SPARSE_FIELD_ROWS", "TITLE_SORT", "backfill_fields", "index_record_terms", "index_terms_many",
           "reindex_terms", "sparse_fields", "term_rows", "to_sql"]

#: keyword fields whose values as written are kept (facet labels)
LABELLED_FIELDS = frozenset({"types.resourceTypeGeneral", "subjects.subject", "language",
                             "publisher"})

#: the row holding a record's ``title`` sort key (:func:`.fields.title_sort_key`,
#: ``""`` for a record without a title); not a query field (no query or set can
#: name it), only a sort key
TITLE_SORT = "_title_sort"

#: the stored fields whose rows make up ``_text``: text sources keep their own
#: rows; keyword sources are tokenised into rows of field ``_text``
_TEXT_FIELDS = tuple(sorted({n for n in FULL_TEXT_SOURCES if FIELDS[n].type == "text"}
                            | {FULL_TEXT}))
_KEYWORD_TEXT_SOURCES = tuple(n for n in FULL_TEXT_SOURCES if FIELDS[n].type == "keyword")

_COLUMNS = {"created": RecordRow.created, "datestamp": RecordRow.datestamp}


def to_sql(node: Node, record_id: Any = None, *, sparse: Collection[str] = (),
           probe: bool = False) -> ColumnElement[bool]:
    """The clause for ``node``; ``record_id`` is the column it correlates to.

    ``_exists_:field`` probes each candidate record's rows of the field, unless
    the field is in ``sparse`` (see :func:`sparse_fields`): then the field's
    rows are read once, which is cheaper when they are few.

    ``probe``: every term, wildcard, range and ``_exists_`` leaf is a lookup
    of the candidate record's own rows (a term through the ``(field, term,
    record_id)`` index, the others through the key ``(record_id, field,
    ...)``), one the planner must run per candidate; phrases and the ``AND``
    of one field's terms keep their form. For walking records in an order
    of their own (newest first, ...) through a query that matches many of
    them: a page is full after a few probes each, where the uncorrelated
    form reads every match first (PostgreSQL, planning from a misestimate of
    a broad range, chose that and took 250-330 ms where probing takes a few).
    """
    return _Compiler(RecordRow.id if record_id is None else record_id,
                     frozenset(sparse), probe).compile(node)


#: an ``_exists_`` field with fewer rows than this is read whole (counting up
#: to it reads at most 8 ms of index on SQLite)
SPARSE_FIELD_ROWS = 100_000


def sparse_fields(session: Session, node: Node) -> frozenset[str]:
    """The fields of ``node``'s ``_exists_`` leaves that have fewer than
    :data:`SPARSE_FIELD_ROWS` rows, counted up to that bound (an index range each).

    Which form of ``_exists_`` is cheap depends on how many records hold the
    field. Probing each candidate walks live records until enough match, all
    of them when few do (150 ms at 100,000 records on SQLite for a field no
    record has, against 2 ms reading its rows); reading the field's rows
    reads every one, a token a row for a text field (650 ms for the titles'
    900,000 tokens, against 50 ms probing). At SQLite's speeds (about 0.7 µs
    a row read and kept, 2 µs a probe) a field of fewer rows than the bound
    is read whole.
    """
    fields = {n.field for n in walk(node) if isinstance(n, Exists) and n.field not in _COLUMNS}
    sparse = set()
    for field in sorted(fields):
        t = aliased(TermRow)
        rows = select(t.record_id).where(_field_is(t, field)).limit(SPARSE_FIELD_ROWS).subquery()
        if session.execute(select(func.count()).select_from(rows)).scalar_one() < SPARSE_FIELD_ROWS:
            sparse.add(field)
    return frozenset(sparse)


class _Compiler:
    def __init__(self, record_id: Any, sparse: frozenset[str] = frozenset(),
                 probe: bool = False):
        self.record_id = record_id
        self.sparse = sparse
        self.probe = probe

    def exists(self, field: str, *conditions: Any, by_value: bool = False) -> ColumnElement[bool]:
        """``by_value``: the conditions name the terms (equality, ``IN``)."""
        t = aliased(TermRow)
        if self.probe and (by_value or not conditions):
            # one descent of the (field, term, record_id) index or of the key;
            # OFFSET 0 keeps PostgreSQL from planning it as a join
            return (select(t.record_id)
                    .where(t.record_id == self.record_id, _field_is(t, field),
                           *[c(t) for c in conditions])
                    .offset(0).exists())
        if self.probe:
            # the candidate's rows of the field through the key, each tested.
            # Given a range as a condition, PostgreSQL probed the range's own
            # index instead, reading the range again for every candidate (0.5
            # ms each), misled by its estimate of ``num`` over all fields at once
            tested = case((and_(*[c(t) for c in conditions]), 1), else_=0)
            return select(func.coalesce(func.max(tested), 0)).where(
                t.record_id == self.record_id, _field_is(t, field)).scalar_subquery() == 1
        # ``id IN (uncorrelated subquery)``: evaluated once through the
        # (field, term|num) index, a semi-join on both databases
        return self.record_id.in_(
            select(t.record_id).where(_field_is(t, field), *[c(t) for c in conditions]))

    def has_field(self, field: str) -> ColumnElement[bool]:
        if self.probe or field in self.sparse:
            return self.exists(field)
        # a correlated probe of the key (record_id, field, ...) a candidate:
        # the uncorrelated form reads every row of the field first (900,000
        # title tokens at 100,000 records, 650 ms on SQLite before a first hit)
        t = aliased(TermRow)
        return select(t.record_id).where(t.record_id == self.record_id,
                                         _field_is(t, field)).exists()

    def compile(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*self.grouped(node.children, every=True))
        if isinstance(node, Or):
            return or_(*self.grouped(node.children, every=False))
        if isinstance(node, Not):
            return not_(self.compile(node.child))
        if isinstance(node, MatchAll):
            return true()
        if isinstance(node, Exists):
            if node.field in _COLUMNS:
                return true()
            return self.has_field(node.field)
        if isinstance(node, Term):
            return self.exists(node.field, lambda t: t.term == node.value, by_value=True)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Wildcard):
            return self.wildcard(node)
        if isinstance(node, Interval):
            return self.interval(node)
        if isinstance(node, StrRange):
            return self.str_range(node)
        raise TypeError(f"not a query node: {node!r}")

    def grouped(self, children: tuple[Node, ...], *, every: bool) -> list[ColumnElement[bool]]:
        """The children's clauses, with the terms of one field merged into one.

        ``f:a OR f:b OR ...`` is one ``term IN (...)`` lookup and ``f:a AND
        f:b AND ...`` one lookup counting the distinct terms found, with the
        values in one expanding parameter: the statement (and SQLAlchemy's
        cache of compiled statements) stays the same size whatever the
        number of terms, where one subquery a term grew both.
        """
        terms: dict[str, list[str]] = {}
        clauses: list[ColumnElement[bool]] = []
        for child in children:
            if isinstance(child, Term):
                terms.setdefault(child.field, []).append(child.value)
            else:
                clauses.append(self.compile(child))
        for field, values in terms.items():
            distinct = sorted(set(values))
            if len(distinct) == 1:
                clauses.append(self.exists(field, lambda t, v=distinct[0]: t.term == v,
                                           by_value=True))
            elif not every:
                clauses.append(self.exists(field, lambda t, vs=distinct: t.term.in_(vs),
                                           by_value=True))
            else:
                t = aliased(TermRow)
                clauses.append(self.record_id.in_(
                    select(t.record_id)
                    .where(_field_is(t, field), t.term.in_(distinct))
                    .group_by(t.record_id)
                    .having(func.count(t.term.distinct()) == len(distinct))))
        return clauses

    def phrase(self, node: Phrase) -> ColumnElement[bool]:
        fields = _TEXT_FIELDS if node.field == FULL_TEXT else (node.field,)
        return phrase_match(self.record_id, fields, node.tokens)

    def wildcard(self, node: Wildcard) -> ColumnElement[bool]:
        pattern = "".join(
            _like_escape(text) if kind == "lit" else ("%" if kind == "*" else "_")
            for kind, text in node.segments
        )
        prefix = node.prefix
        conditions = [lambda t: t.term.like(pattern, escape="\\")]
        if prefix:  # an index range for the literal prefix
            conditions.append(lambda t: t.term >= prefix)
            upper = _successor(prefix)
            if upper is not None:
                conditions.append(lambda t: t.term < upper)
        return self.exists(node.field, *conditions)

    def interval(self, node: Interval) -> ColumnElement[bool]:
        column = _COLUMNS.get(node.field)
        if column is not None:
            clauses: list[Any] = []
            if node.gte is not None:
                bound = _moment(node.gte)
                if bound is False:
                    return false()
                if bound is not None:
                    clauses.append(column >= bound)
            if node.lt is not None:
                bound = _moment(node.lt)
                if bound is None:
                    return false()
                if bound is not False:
                    clauses.append(column < bound)
            return and_(true(), *clauses)
        conditions = []
        if node.gte is not None:
            conditions.append(lambda t: t.num >= node.gte)
        if node.lt is not None:
            conditions.append(lambda t: t.num < node.lt)
        return self.exists(node.field, *conditions)

    def str_range(self, node: StrRange) -> ColumnElement[bool]:
        conditions = []
        if node.lower is not None:
            lower = node.lower
            conditions.append((lambda t: t.term >= lower) if node.include_lower
                              else (lambda t: t.term > lower))
        if node.upper is not None:
            upper = node.upper
            conditions.append((lambda t: t.term <= upper) if node.include_upper
                              else (lambda t: t.term < upper))
        return self.exists(node.field, *conditions)


def _field_is(t: Any, field: str) -> ColumnElement[bool]:
    """``_text`` is stored as the rows of its text sources plus its own rows."""
    if field == FULL_TEXT:
        return t.field.in_(_TEXT_FIELDS)
    return t.field == field


def _moment(micros: int) -> datetime | None | bool:
    """A datetime for a bound; None if before year 1, False if after year 9999."""
    try:
        return from_micros(micros)
    except OverflowError:
        return None if micros < 0 else False


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _successor(prefix: str) -> str | None:
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    nxt = last + 1
    if 0xD800 <= nxt <= 0xDFFF:  # surrogates cannot be encoded
        nxt = 0xE000
    return prefix[:-1] + chr(nxt)


# -- the term index ---------------------------------------------------------

def term_rows(record: Any, doc: Any = None) -> list[dict[str, Any]]:
    """The ``query_terms`` rows for a record (envelope dates live in ``records``);
    ``doc``: its :func:`.fields.extract`, if already computed."""
    return [dict(zip(_TERM_COLUMNS, row, strict=True)) for row in term_tuples(record, doc)]


def term_tuples(record: Any, doc: Any = None) -> list[tuple[Any, ...]]:
    """:func:`term_rows` as tuples in the order of ``_TERM_COLUMNS`` (what a bulk
    insert takes: a batch holds hundreds of thousands of them)."""
    rid = record.id
    doc = extract(record) if doc is None else doc
    # every record has one (empty without a title): the sort is an inner join
    # that the (field, term, record_id) index can deliver in order
    rows: list[tuple[Any, ...]] = [(rid, TITLE_SORT, 0, 0, title_sort_key(record) or "", None,
                                    None)]
    text_ord = 0
    for source in _KEYWORD_TEXT_SOURCES:
        for value in doc.get(source, ()):
            toks = tokens(value)
            if toks:
                rows.extend((rid, FULL_TEXT, text_ord, pos, tok, None, None)
                            for pos, tok in enumerate(toks))
                text_ord += 1
    for name, values in doc.items():
        if name in _COLUMNS or name == FULL_TEXT:
            continue
        kind = FIELDS[name].type
        labels = ([raw for _, raw in raw_keyword_values(record, name)]
                  if name in LABELLED_FIELDS else None)
        for ord_, value in enumerate(values):
            if kind == "text":
                rows.extend((rid, name, ord_, pos, tok, None, None)
                            for pos, tok in enumerate(value))
            elif kind == "keyword":
                rows.append((rid, name, ord_, 0, value, None, labels[ord_] if labels else None))
            else:
                rows.append((rid, name, ord_, 0, None, value, None))
    return rows


def index_terms_many(session: Session, records: Sequence[Any], extracted: Sequence[Any]) -> None:
    """The batch form of :func:`index_record_terms` for new records: the rows of
    the batch in one bulk insert (``COPY`` on PostgreSQL)."""
    rows: list[tuple[Any, ...]] = []
    for record, doc in zip(records, extracted, strict=True):
        rows.extend(term_tuples(record, doc))
    insert_rows(session, cast(Table, TermRow.__table__), _TERM_COLUMNS, rows)


_TERM_COLUMNS = ("record_id", "field", "ord", "pos", "term", "num", "raw")


@batch_form(index_terms_many)
def index_record_terms(session: Session, record: Any, previous: Any = None) -> None:
    """Write hook: replace the record's rows in ``query_terms``."""
    session.flush()
    if previous is not None:
        session.execute(delete(TermRow).where(TermRow.record_id == record.id))
    rows = term_rows(record)
    if rows:
        session.execute(cast(Table, TermRow.__table__).insert(), rows)


def reindex_terms(session: Session, records: Iterable[Any]) -> int:
    """Rebuild the rows of many records (a backfill after installing the table)."""
    count = 0
    for record in records:
        session.execute(delete(TermRow).where(TermRow.record_id == record.id))
        rows = term_rows(record)
        if rows:
            session.execute(cast(Table, TermRow.__table__).insert(), rows)
        count += 1
    return count


def backfill_fields(connection: Connection, fields: Collection[str], *,
                    batch: int = 500) -> int:
    """Write the ``query_terms`` rows of ``fields`` for every stored record.

    For a data migration that adds a term kind: the other fields' rows are
    left as they are. Records are read in id order, ``batch`` at a time,
    with plain Core statements (no ORM session, so it runs inside Alembic's
    connection). Returns the number of records read.
    """
    terms = cast(Table, TermRow.__table__)
    wanted = set(fields)
    connection.execute(delete(TermRow).where(TermRow.field.in_(sorted(wanted))))
    # a migration runs this at its own revision: the version columns (0005)
    # are read where they exist, else a record is version 1 of its own
    present = {c["name"] for c in inspect(connection).get_columns("records")}
    versions = [c for c in (RecordRow.concept_id, RecordRow.version_index, RecordRow.is_latest)
                if c.name in present]
    count, after = 0, ""
    while True:
        chunk = connection.execute(
            select(RecordRow.id, RecordRow.doi, RecordRow.metadata_json.label("metadata"),
                   RecordRow.collections, RecordRow.created, RecordRow.datestamp,
                   RecordRow.deleted, *versions)
            .where(RecordRow.id > after)
            .order_by(RecordRow.id).limit(batch)).all()
        if not chunk:
            return count
        rows: list[dict[str, Any]] = []
        for r in chunk:
            record = SimpleNamespace(id=r.id, doi=r.doi, metadata=r.metadata,
                                     collections=tuple(r.collections or ()), created=r.created,
                                     datestamp=r.datestamp, deleted=r.deleted,
                                     concept_id=getattr(r, "concept_id", None),
                                     version_index=getattr(r, "version_index", 1),
                                     is_latest=bool(getattr(r, "is_latest", True)))
            rows.extend(row for row in term_rows(record) if row["field"] in wanted)
        if rows:
            connection.execute(terms.insert(), rows)
        count += len(chunk)
        after = chunk[-1].id
