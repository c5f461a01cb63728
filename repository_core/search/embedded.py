"""The embedded search: query language filter, full-text ranking, facets, keyset pages.

What it is for: the search API of an installation without Elasticsearch.
Everything lives in the records' own database and is written by write hooks
in the record's transaction, so a search never sees a half-written record.

* **Matching** is the query language (:mod:`repository_core.query`),
  evaluated exactly in SQL (``query_terms``); tombstones never match, and
  neither do versions that are not their concept's latest, unless
  ``all_versions`` is asked for (Invenio's parameter). A query that matches
  more than ``track_total`` records, sorted by creation or title, is walked
  in the sort's order, each record probed (``to_sql(probe=True)``): a page
  is full after a few probes each, where reading every match first cost up
  to 330 ms on PostgreSQL at 100,000 records. The walk probes at most
  ``WALK_SPAN`` records per hit it wants; sparser matches are read whole.
* **Relevance** ranks the matches by the query's bare words with SQLite
  FTS5 (``bm25``) or PostgreSQL ``tsvector`` (``ts_rank``, the ``simple``
  configuration: no stemming, any language). Ranking never changes *which*
  records match, only their order; a query without bare words sorts
  relevance like ``newest``. A query of bare words alone is walked in the
  ranking's order, each document's record probed, instead of every match
  being read and sorted (``_walk_ranking``): on SQLite when its words are
  in many documents, on PostgreSQL when more than ``track_total`` records
  match; there one word is walked in the order of the RUM index where the
  optional ``rum`` extension gives one (:mod:`.rank_index`).
* **Facets**: resource type, publication year, subject, language, publisher, counted
  over the matching records; labels are the values as written.
* **Sorts**: ``relevance``, ``newest`` / ``oldest`` (by creation),
  ``title`` (the main title, case-insensitive, A to Z: the normalised key of
  :func:`repository_core.query.fields.title_sort_key`, one ``query_terms``
  row a record; records without a title first), ``mostviewed`` (all-time
  COUNTER unique investigations from the processed usage figures,
  :func:`repository_core.stats.views_subquery`; a sort key, not a query
  field, so no set can depend on usage), always ending with the
  record id, so pages are stable. Figures may move between two pages of a
  ``mostviewed`` search when processing runs in between; the keyset then
  neither repeats nor loses a record that kept its figures.
* **Pages** are keyset pages: a cursor names the last hit's sort key, and a
  deep page costs what the first costs. No offsets.

What it is not for: OAI-PMH harvesting (that is the store's datestamp order
and the set membership table).
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
import typing
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.dialects.postgresql import REGCONFIG as _REGCONFIG
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column
from sqlalchemy.sql.expression import CTE

from ..db import Base
from ..errors import InvalidQuery
from ..models import RecordRow
from ..query.fields import (
    FIELDS,
    FULL_TEXT,
    FULL_TEXT_SOURCES,
    KEYWORD_MAX,
    _raw_values,
    _scalar_text,
    normalise,
    number_interval,
)
from ..query.parser import parse_query
from ..query.sql import TITLE_SORT, sparse_fields, to_sql
from ..query.term_table import FACET_ROWS, TermRow
from ..query.tree import And, Interval, Node, Or, Term, leaf_count, positive_words
from ..records import Record
from ..stats.reading import views_subquery
from ..store import row_to_record
from .budget import budget_exhausted
from .rank_index import distance_operator

__all__ = [
    "FACETS",
    "FACET_HITS",
    "MAX_SIZE",
    "SORTS",
    "TRACK_TOTAL",
    "FacetValue",
    "SearchDocumentRow",
    "SearchResult",
    "create_search_schema",
    "document_body",
    "facet_filter",
    "index_search_document",
    "reindex_search",
    "search",
    "search_tables",
]

#: facet name -> field (the fields are ``FACET_FIELDS``, whose rows have an index of their own)
FACETS: Mapping[str, str] = {
    "resource_type": "types.resourceTypeGeneral",
    "year": "publicationYear",
    "subject": "subjects.subject",
    "language": "language",
    "publisher": "publisher",
}
SORTS = ("relevance", "newest", "oldest", "title", "mostviewed")
MAX_SIZE = 100
FACET_SIZE = 20
#: matches counted exactly: past it, ``total`` is this number and ``total_exact``
#: is False (Elasticsearch's ``track_total_hits`` default)
TRACK_TOTAL = 10_000
#: facets count every match up to this many matches, and the top this many
#: hits (in the search's order) past it: a facet count costs an index probe
#: per record and facet field (at 100,000 records on SQLite, the median search
#: of ``benchmarks/bench_search.py`` took 64 ms with 1,000, 55 ms with 500)
FACET_HITS = 500
#: a broad query's walk probes at most this many live records per hit it
#: wants (:func:`_walked`): fewer matches among them are read whole instead
WALK_SPAN = 20
#: a word PostgreSQL's ``simple`` parser keeps as one lexeme (a query of one
#: operand), which :func:`_walk_rank_index` needs
_ONE_LEXEME = re.compile(r"[a-z0-9]+")
#: a walk that found a third of its hits or more walks once more if, at its
#: pace, that takes at most this long (:func:`_walked`)
LONGER_WALK_SECONDS = 0.1
#: queries with more leaves than this run without SQLAlchemy's compiled cache
CACHED_LEAVES = 16

SearchVector = Text().with_variant(TSVECTOR(), "postgresql")
#: SQLite's index of ``search_documents`` that :func:`_ranked_walk` names
DOC_RECORD_INDEX = "ix_search_documents_doc_record"


class SearchDocumentRow(Base):
    """The full text of one live record (FTS5 keeps its index by ``doc_id``)."""

    __tablename__ = "search_documents"

    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("records.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    tsv: Mapped[str | None] = mapped_column(SearchVector, nullable=True)

    __table_args__ = (
        # GIN on PostgreSQL; on SQLite a (tiny, unused) index on an empty column
        Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
        # a document's record without its row, for the walk by relevance (migration 0013)
        Index(DOC_RECORD_INDEX, "doc_id", "record_id").ddl_if(dialect="sqlite"),
    )


def search_tables() -> list[Table]:
    return [typing.cast(Table, SearchDocumentRow.__table__)]


def create_search_schema(connection: Connection) -> None:
    """The part SQLAlchemy metadata cannot declare: SQLite's FTS5 table (idempotent).

    Its tables (``search_fts`` and FTS5's ``search_fts_*`` shadow tables) are
    not in the metadata; migration comparisons must skip them.
    """
    if connection.dialect.name == "sqlite":
        connection.execute(text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(body)"))


# -- indexing ----------------------------------------------------------------

def document_body(record: Record) -> str:
    """The text full-text ranking sees: the values of the ``_text`` sources."""
    parts: list[str] = []
    for name in FULL_TEXT_SOURCES:
        for raw in _raw_values(FIELDS[name], record):
            value = _scalar_text(raw)
            if value:
                parts.append(value)
    return "\n".join(parts)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def index_search_document(session: Session, record: Record, previous: Record | None = None
                          ) -> None:
    """Write hook: keep the record's full-text row (removed for tombstones)."""
    sqlite = _is_sqlite(session)
    doc_id = session.execute(
        select(SearchDocumentRow.doc_id).where(SearchDocumentRow.record_id == record.id)
    ).scalar_one_or_none()
    if record.deleted:
        if doc_id is not None:
            if sqlite:
                session.execute(text("DELETE FROM search_fts WHERE rowid = :d"), {"d": doc_id})
            session.execute(delete(SearchDocumentRow).where(SearchDocumentRow.doc_id == doc_id))
        return
    body = document_body(record)
    tsv: Any = None if sqlite else func.to_tsvector(literal("simple").cast(_REGCONFIG), body)
    if doc_id is None:
        doc_id = session.execute(
            typing.cast(Table, SearchDocumentRow.__table__).insert()
            .values(record_id=record.id, body=body, tsv=tsv)
            .returning(SearchDocumentRow.doc_id)
        ).scalar_one()
    else:
        session.execute(update(SearchDocumentRow).where(SearchDocumentRow.doc_id == doc_id)
                        .values(body=body, tsv=tsv))
        if sqlite:
            session.execute(text("DELETE FROM search_fts WHERE rowid = :d"), {"d": doc_id})
    if sqlite:
        session.execute(text("INSERT INTO search_fts(rowid, body) VALUES (:d, :b)"),
                        {"d": doc_id, "b": body})


def reindex_search(session: Session) -> int:
    """Rebuild the full-text rows of every live record from scratch, whatever
    state the index was in (a backfill, or a repair)."""
    if _is_sqlite(session):
        session.execute(text("DELETE FROM search_fts"))
    session.execute(delete(SearchDocumentRow))
    count = 0
    for row in session.execute(select(RecordRow).where(RecordRow.deleted.is_(False))).scalars():
        index_search_document(session, row_to_record(row))
        count += 1
    return count


# -- searching ----------------------------------------------------------------

@dataclass(frozen=True)
class FacetValue:
    key: str      # what to pass back as a filter
    label: str    # the value as written
    count: int


@dataclass
class SearchResult:
    hits: list[Record]
    #: matching records; at most the search's ``track_total``
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    next_cursor: str | None = None
    scores: list[float | None] = field(default_factory=list)
    #: False when more records match than ``total`` says (``total`` is then a
    #: lower bound)
    total_exact: bool = True


def _encode(payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(cursor: str, sort_key: str) -> tuple[Any, str]:
    """(position, record id) from a cursor of this sort: a score for relevance,
    a count for mostviewed, a title key for title, an aware datetime for newest/oldest.
    Anything else is a 400, not a 500."""
    position: Any = None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        valid = (isinstance(payload, list) and len(payload) == 3 and payload[0] == sort_key
                 and isinstance(payload[2], str) and isinstance(payload[1], (str, int, float))
                 and not isinstance(payload[1], bool))
        if valid and sort_key == "relevance":
            position = float(payload[1])
        elif valid and sort_key == "mostviewed":
            valid = isinstance(payload[1], int)
            position = payload[1]
        elif valid and sort_key == "title":
            valid = isinstance(payload[1], str)
            position = payload[1]
        elif valid:
            position = datetime.fromisoformat(str(payload[1]))
            valid = position.tzinfo is not None
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        valid = False
    if not valid:
        raise InvalidQuery("the cursor is not one this search gave out (or the query or "
                           "sort changed)", query=cursor)
    return position, payload[2]


def facet_filter(name: str, values: Sequence[str]) -> Node:
    """A filter node for facet ``name`` taking any of ``values``."""
    fld = FACETS.get(name)
    if fld is None:
        raise InvalidQuery(f"unknown facet {name!r}", parameter=name)
    nodes: list[Node] = []
    for value in values:
        if FIELDS[fld].type == "number":
            # the query language's integers (at most 15 digits): a 64-bit
            # overflow in the database is a 400 here, not a 500 there
            interval = number_interval(value)
            if interval is None:
                raise InvalidQuery(f"facet {name!r} takes integers of at most 15 digits, "
                                   f"not {value[:40]!r}", parameter=name)
            nodes.append(Interval(fld, *interval))
        else:
            nodes.append(Term(fld, normalise(value)[:KEYWORD_MAX]))
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def _pg_tsquery(words: list[str]) -> Any:
    """PostgreSQL's query of any of ``words`` (the ``simple`` configuration: no stemming)."""
    return func.to_tsquery(literal("simple").cast(_REGCONFIG),
                           " | ".join("'" + w.replace("'", "''") + "'" for w in words))


def _fts_match(words: list[str]) -> str:
    """SQLite FTS5's query of any of ``words``, each quoted (a string, not syntax)."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def _rank_subquery(session: Session, words: list[str]) -> Any:
    if _is_sqlite(session):
        fts = text("SELECT rowid AS doc_id, -bm25(search_fts) AS score FROM search_fts "
                   "WHERE search_fts MATCH :m").bindparams(m=_fts_match(words))
        ranked = fts.columns(doc_id=Integer, score=Float).subquery("fts")
        return (select(SearchDocumentRow.record_id.label("record_id"),
                       ranked.c.score.label("score"))
                .join(ranked, ranked.c.doc_id == SearchDocumentRow.doc_id)
                .subquery("rank"))
    tsquery = _pg_tsquery(words)
    return (select(SearchDocumentRow.record_id.label("record_id"),
                   cast(func.ts_rank(SearchDocumentRow.tsv, tsquery), Float).label("score"))
            .where(SearchDocumentRow.tsv.op("@@")(tsquery))
            .subquery("rank"))


#: what a sorted match carries: the record is read for the page's hits only, so
#: a sort over many matches moves ids, not every match's metadata
_KEY = (RecordRow.id, RecordRow.created)


def _by_score(scores: Any, score: Any, where: list[Any], after: tuple[Any, str] | None) -> Any:
    """Records joined to a ``record_id -> score`` subquery, best first, keyset-paged after ``after``."""
    stmt = (select(*_KEY, score.label("score"))
            .outerjoin(scores, scores.c.record_id == RecordRow.id).where(*where))
    if after is not None:
        value, after_id = after
        stmt = stmt.where(or_(score < value, and_(score == value, RecordRow.id > after_id)))
    return stmt.order_by(score.desc(), RecordRow.id)


def _by_title(where: list[Any], after: tuple[Any, str] | None,
              through: tuple[Any, str | None] | None = None) -> Any:
    """Records by their title sort key (A to Z, no title first), then id, keyset-paged.

    Every record has its one ``_title_sort`` row (:func:`repository_core.query.sql.term_rows`),
    so this is an inner join whose order the ``(field, term, record_id)`` index holds.
    """
    titles = aliased(TermRow)
    stmt = (select(*_KEY, titles.term.label("score"))
            .join(titles, and_(titles.record_id == RecordRow.id, titles.field == TITLE_SORT))
            .where(*where))
    if after is not None:
        stmt = stmt.where(tuple_(titles.term, titles.record_id) > tuple_(*after))
    if through is not None:  # the term bounds the index's range, the tuple settles a tie
        stmt = stmt.where(titles.term <= through[0],
                          tuple_(titles.term, titles.record_id) <= tuple_(*through))
    return stmt.order_by(titles.term, titles.record_id)


def _ordered(session: Session, sort_key: str, words: list[str], where: list[Any],
             after: tuple[Any, str] | None,
             through: tuple[Any, str | None] | None = None) -> Any:
    """The matching records (and each one's sort position) in the order of ``sort_key``,
    keyset-paged after ``after`` and, in an index's order (:data:`_INDEX_ORDERS`),
    up to and including the sort key ``through`` (by creation: its time, ties
    included)."""
    if sort_key == "relevance":
        rank = _rank_subquery(session, words)
        return _by_score(rank, func.coalesce(rank.c.score, 0.0), where, after)
    if sort_key == "mostviewed":
        views_table = views_subquery()
        return _by_score(views_table, func.coalesce(views_table.c.views, 0), where, after)
    if sort_key == "title":
        return _by_title(where, after, through)
    newest = sort_key == "newest"
    stmt = select(*_KEY, literal(None).label("score")).where(*where)
    if after is not None:
        created, after_id = after
        op_before = RecordRow.created < created if newest else RecordRow.created > created
        stmt = stmt.where(or_(op_before,
                              and_(RecordRow.created == created, RecordRow.id > after_id)))
    if through is not None:  # records created at that time or before it in this order
        created = through[0]
        stmt = stmt.where(RecordRow.created >= created if newest else RecordRow.created <= created)
    return stmt.order_by(RecordRow.created.desc() if newest else RecordRow.created,
                         RecordRow.id)


#: the sorts an index delivers in order (creation, the title key), so that a
#: walk can stop after a page; ``mostviewed`` sums every record's views first,
#: and probing every record before that sort cost 102 -> 187 ms on SQLite for a
#: range of all 30,000 records, where the match read once is cheaper
_INDEX_ORDERS = frozenset({"newest", "oldest", "title"})


def _sort_order(sort_key: str, sub: Any) -> list[Any]:
    """The order of :func:`_ordered` for ``sort_key`` (not ``relevance``), over
    a subquery of its columns (``id``, ``created``, ``score``)."""
    if sort_key == "newest":
        return [sub.c.created.desc(), sub.c.id]
    if sort_key == "oldest":
        return [sub.c.created, sub.c.id]
    if sort_key == "title":
        return [sub.c.score, sub.c.id]
    return [sub.c.score.desc(), sub.c.id]  # mostviewed


def search(
    session: Session,
    q: str | None = None,
    *,
    sort: str = "relevance",
    size: int = 20,
    cursor: str | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
    facets: bool = True,
    all_versions: bool = False,
    track_total: int | None = None,
    facet_hits: int | None = None,
) -> SearchResult:
    """One page of live records matching ``q`` (None or blank: everything).

    Only the latest version of each concept matches, unless ``all_versions``
    (facets count what matches, so they follow the same rule).
    ``total`` counts the matches up to ``track_total`` (None:
    :data:`TRACK_TOTAL`); past it the result says ``total_exact=False``.
    Facets count every match when at most ``facet_hits`` (None:
    :data:`FACET_HITS`) match, and the top ``facet_hits`` hits in the
    search's order (the first pages' records) when more do.
    """
    if sort not in SORTS:
        raise InvalidQuery(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    size = max(1, min(int(size), MAX_SIZE))
    track_total = TRACK_TOTAL if track_total is None else track_total
    if session.get_bind().dialect.name == "postgresql":
        # a phrase's recursive walk is estimated dear enough to be compiled to
        # machine code first, which took 320 of its 585 ms (measured at 100,000
        # records); no statement of a search runs long enough to repay that
        session.execute(text("SET LOCAL jit = off"))
    facet_hits = min(track_total, FACET_HITS if facet_hits is None else facet_hits)
    nodes: list[Node] = []
    tree: Node | None = parse_query(q) if q and q.strip() else None
    if tree is not None:
        nodes.append(tree)
    for name, values in (filters or {}).items():
        if values:
            nodes.append(facet_filter(name, values))
    live: list[Any] = [RecordRow.deleted.is_(False)]
    if not all_versions:  # the column: the same answer as ``versions.is_latest:true``
        live.append(RecordRow.is_latest.is_(True))
    where = live
    # a large query's statements are not kept in SQLAlchemy's cache of
    # compiled statements: every distinct shape would stay there (megabytes
    # each), and it is unlikely to come again
    opts: dict[str, Any] = ({"compiled_cache": None}
                            if tree is not None and leaf_count(tree) > CACHED_LEAVES else {})
    whole: Node | None = (nodes[0] if len(nodes) == 1 else And(tuple(nodes))) if nodes else None
    if whole is not None:
        # SQLite evaluates ``_exists_`` as written, so the cheaper form is chosen
        # here; PostgreSQL plans either form as a semi-join from its statistics
        sparse = sparse_fields(session, whole) if _is_sqlite(session) else frozenset()
        where = [*live, to_sql(whole, sparse=sparse)]
    where_broad = where

    words = sorted(set(positive_words(tree))) if tree is not None else []
    if sort == "relevance" and not words:
        sort_key = "newest"
    else:
        sort_key = sort
    after = _decode(cursor, sort_key) if cursor else None

    # the top hits are found once: the first page is their head, the facets
    # count them when more than ``facet_hits`` match, and fewer of them than
    # asked is the exact total without a count
    top: list[Any] | None = None
    # ranked by relevance, on SQLite: bare words in many documents, matched by
    # many records, are walked in the ranking's order and the total counted
    # apart (``_ranked_walk``); otherwise every
    # match is read to order them, and the statement counts them too (a
    # window over the match), where a count of its own evaluated the whole
    # query a second time (a phrase's walk, a broad word's postings). Not so
    # on PostgreSQL: ranking and counting a word in most records together
    # (``of``: 750-820 ms under load) came close to the budget and was refused; the
    # matches are counted first, up to ``track_total`` + 1, and ranked in the
    # same statement only when no more match (``_ranked_and_counted``); when
    # more do, bare words are walked (``_walk_ranking``)
    counted = sort_key == "relevance" and _is_sqlite(session)
    # any other order of a query's matches: they are read once, up to
    # ``track_total`` + 1, and counted and sorted in the same statement;
    # where fewer than that match (most searches) that is the top hits and
    # the exact total, where a count of its own read them all again. Past
    # it, the top hits are found in order as before, and no count is needed
    capped = sort_key != "relevance" and bool(nodes)
    found: int | None = None
    want = max(facet_hits, size + 1)
    # the query, when it is bare words alone: the walks by relevance are for it
    bare = whole if whole is not None and _words_alone(whole) else None
    if after is None or facets:
        ordered = _ordered(session, sort_key, words, where, None)
        if sort_key == "relevance" and not counted:
            # bare words: their matches are counted probing records one by one,
            # which stops at ``track_total`` + 1, where the planner's estimates
            # chose to read every term row of the words into a hash first (at
            # 1,000,000 records ``of``, in 95% of them: 1,898 against 73 ms;
            # other words the same or up to a fifth faster)
            with (_planned_without(session, "hashjoin", "mergejoin", "hashagg") if bare is not None
                  else nullcontext()):
                ranked, found = _ranked_and_counted(session, words, where, want, track_total, opts)
            top = ranked if found <= track_total else None
            if top is None and bare is not None:
                # more match than were counted: bare words are walked, where
                # every match would be ranked and sorted
                top = _walk_ranking(session, words, live, bare, want, opts)
        walked = (_ranked_walk(session, words, live, bare, where, want, track_total, opts)
                  if counted and bare is not None else None)
        if walked is not None:
            top, found = walked
        elif counted:
            # the score is computed inside (OFFSET 0 keeps PostgreSQL from
            # flattening it), so the window holds ids and scores, not the
            # full-text vectors the score was computed from
            matches = ordered.order_by(None).offset(0).subquery("matches")
            ordered = (select(matches.c.id, matches.c.created, matches.c.score,
                              func.count().over().label("matched"))
                       .order_by(matches.c.score.desc(), matches.c.id))
        if capped:
            some = ordered.order_by(None).limit(track_total + 1).subquery("capped")
            top = list(session.execute(
                select(some.c.id, some.c.created, some.c.score,
                       func.count().over().label("matched"))
                .order_by(*_sort_order(sort_key, some)).limit(want),
                execution_options=opts).all())
            found = int(top[0].matched) if top else 0
            if found > track_total:
                top = None
                if sort_key in _INDEX_ORDERS:
                    # a broad match, walked in an index's order: each record is
                    # probed, and a page is full after a few probes each (see
                    # ``to_sql``); a sparse one is read whole after all
                    assert whole is not None  # ``capped`` needs a query
                    where_broad = [*live, to_sql(whole, probe=True)]
                    top = _walked(session, sort_key, live, where_broad, want, opts)
        if top is None:
            top = list(session.execute(ordered.limit(want), execution_options=opts).all())
    if found is None and top is not None and len(top) < want:
        found = len(top)
    elif found is None and top and counted:
        found = int(top[0].matched)
    elif found is None:
        # counting stops past ``track_total``: an exact count of a broad match
        # would read every match, where a page reads twenty of them (a search
        # that narrows nothing counts every live record: the store's size)
        found = _count(session, where, track_total + 1 if nodes else None, opts)
    total_exact = found <= track_total or not nodes
    total = found if total_exact else track_total

    rows: list[Any]
    if after is None and top is not None:
        rows = top[:size + 1]
    else:
        rows = list(session.execute(_ordered(session, sort_key, words, where_broad, after)
                                    .limit(size + 1), execution_options=opts).all())
    more = len(rows) > size
    rows = rows[:size]
    stored = {row.id: row for row in session.execute(
        select(RecordRow).where(RecordRow.id.in_([r.id for r in rows]))).scalars()}
    hits = [row_to_record(stored[r.id]) for r in rows]
    scores = [None if r.score is None or sort_key == "title" else float(r.score) for r in rows]

    next_cursor = None
    if more and rows:
        last, last_score = rows[-1], rows[-1].score
        key: Any
        if sort_key == "relevance":
            key = float(last_score)
        elif sort_key == "mostviewed":
            key = int(last_score)
        elif sort_key == "title":
            key = str(last_score)
        else:
            key = last.created.isoformat()
        next_cursor = _encode([sort_key, key, last.id])

    facet_values: dict[str, list[FacetValue]] = {}
    if facets and top is not None:
        # every match when at most ``facet_hits`` match, else the top hits
        top_ids = [r.id for r in top[:facet_hits]]
        facet_values = _facets_within_budget(session, top_ids, opts)
    return SearchResult(hits, total, facet_values, next_cursor, scores, total_exact)


def _ranked_and_counted(session: Session, words: list[str], where: list[Any], want: int,
                        track_total: int, opts: dict[str, Any]) -> tuple[list[Any], int]:
    """PostgreSQL, by relevance: the ``want`` best matches and their number, in one
    statement, when at most ``track_total`` match; else ``([], track_total + 1)``.

    The matches are read once, up to ``track_total`` + 1, and counted; when
    that many are found the ranking is skipped (the count, one row, drives
    a lateral subquery whose condition on it PostgreSQL evaluates once), and
    the caller ranks every match as before. A count of its own evaluated the
    query a second time (13-20 ms of a word in 4,000 of 100,000 records);
    ranked and counted together, a word in most records had come close to
    the statement's time budget, which is why the count comes first and
    gates the ranking.
    """
    matches = (select(*_KEY).where(*where).limit(track_total + 1)
               .cte("matches").prefix_with("MATERIALIZED"))
    counted = select(func.count().label("n")).select_from(matches).subquery("counted")
    tsquery = _pg_tsquery(words)
    rank = (select(cast(func.ts_rank(SearchDocumentRow.tsv, tsquery), Float).label("score"))
            .where(SearchDocumentRow.record_id == matches.c.id,
                   SearchDocumentRow.tsv.op("@@")(tsquery))
            .lateral("rank"))
    score = func.coalesce(rank.c.score, 0.0)
    best = (select(matches.c.id, matches.c.created, score.label("score"))
            .select_from(matches).outerjoin(rank, true())
            .where(counted.c.n <= track_total)
            .order_by(score.desc(), matches.c.id).limit(want).lateral("best"))
    rows = list(session.execute(
        select(best.c.id, best.c.created, best.c.score, counted.c.n.label("matched"))
        .select_from(counted).outerjoin(best, true())
        .order_by(best.c.score.desc(), best.c.id), execution_options=opts).all())
    found = int(rows[0].matched)  # one row at least: the count's
    if found > track_total:
        return [], found
    return [row for row in rows if row.id is not None], found


def _count(session: Session, where: list[Any], cap: int | None, opts: dict[str, Any]) -> int:
    """The records matching ``where`` (live ones: it holds the conditions), counted up
    to ``cap`` (None: all of them)."""
    matching = select(RecordRow.id).where(*where)
    return int(session.execute(
        select(func.count()).select_from(
            (matching if cap is None else matching.limit(cap)).subquery()),
        execution_options=opts).scalar_one())


def _words_alone(node: Node) -> bool:
    """Whether a query is bare words and nothing else: one, or any of several."""
    def bare(n: Node) -> bool:
        return isinstance(n, Term) and n.field == FULL_TEXT

    return bare(node) or (isinstance(node, Or) and all(bare(n) for n in node.children))


def _ranked_walk(session: Session, words: list[str], live: list[Any], whole: Node,
                 where: list[Any], want: int, track_total: int,
                 opts: dict[str, Any]) -> tuple[list[Any], int] | None:
    """SQLite, by relevance, a query of bare words alone (:func:`_words_alone`):
    the ``want`` best matches, found in the full-text ranking's order
    (:func:`_walk_ranking`), and their number up to ``track_total`` + 1; None
    when the words are in fewer than ``want`` documents, fewer than ``want``
    records match, or the walk gives up (the caller then reads every match,
    as before).

    Reading every match, ranking it and sorting them all cost more than
    ranking the documents and probing a few hundred records: a request
    (``bench_search.py``, the code before and after alternately) at 100,000
    records for ``interviews`` (12,416 matches) 92-98 -> 77-78 ms, ``of``
    (95,045) 532-719 -> 375-381 ms, words in fewer documents (3,900) within
    the noise; at 1,000,000 records for ``turnout`` (38,412 documents)
    261-288 -> 154-175 ms, ``Smith`` 689-725 -> 317-429 ms.

    Only for bare words: there nearly every ranked document's record
    matches, and a few hundred probes find the hits. A query that narrows
    its words (``consensus AND creators.name:smith``, 3,172 of 1,000,000
    records, one in twelve of the word's documents) had thousands of
    documents probed, and its capped count, a statement of its own, could
    cost what the whole ranking statement costs (``+transformer +models
    -language``, no match, 166 -> 403 ms); both were slower walked. The count
    comes first, so that too few matches are not walked in vain.
    """
    documents = session.execute(
        text("SELECT count(*) FROM (SELECT rowid FROM search_fts "
             "WHERE search_fts MATCH :m LIMIT :n)"),
        {"m": _fts_match(words), "n": want}).scalar_one()
    if documents < want:
        return None
    found = _count(session, where, track_total + 1, opts)
    if found < want:
        return None
    rows = _walk_ranking(session, words, live, whole, want, opts)
    return None if rows is None else (rows, found)


def _walk_ranking(session: Session, words: list[str], live: list[Any], whole: Node,
                  want: int, opts: dict[str, Any]) -> list[Any] | None:
    """The ``want`` best matches of a query of bare words alone, by relevance: the
    first :data:`WALK_SPAN` times ``want`` of the words' documents, ranked
    (score, then record id), each one's record probed with the query
    (``to_sql(probe=True)``) until ``want`` match; None if fewer do among
    them.

    Exact, because a record the ranking holds outranks every record it does
    not: FTS5's ``bm25`` is negative for every document that matches (the
    score is its negation) and PostgreSQL's ``ts_rank`` positive, where a
    match without the words scores 0. The first ``want`` records in the
    ranking's order that match the query are therefore the first ``want``
    of all matches.

    SQLite (:func:`_ranked_walk`): the ranking is the outer query's only
    table and keeps its order (its own ``ORDER BY`` and ``LIMIT``); each
    document's record id is read from :data:`DOC_RECORD_INDEX`, not the
    document's row (migration 0013). PostgreSQL, when more than
    ``track_total`` records match (:func:`search`): the words' documents
    come from the vectors' GIN index and are all ranked, but nothing else
    is read for each; where every match was joined to its document and
    ranked (at 100,000 records, ``Smith``, 11,589 matches, 132 ms; ``of``,
    95,045, 398 ms), ranking the documents alone took 60 and 116-123 ms.
    """
    span = WALK_SPAN * want
    if not _is_sqlite(session) and len(words) == 1 and _ONE_LEXEME.fullmatch(words[0]):
        operator = distance_operator(session)
        if operator is not None:
            return _walk_rank_index(session, words[0], operator, live, whole, want, opts)
    if _is_sqlite(session):
        ranked = (text("SELECT search_documents.record_id AS record_id, "
                       "-bm25(search_fts) AS score FROM search_fts JOIN search_documents "
                       f"INDEXED BY {DOC_RECORD_INDEX} "
                       "ON search_documents.doc_id = search_fts.rowid "
                       "WHERE search_fts MATCH :m "
                       "ORDER BY score DESC, search_documents.record_id LIMIT :span")
                  .bindparams(m=_fts_match(words), span=span)
                  .columns(record_id=String, score=Float).subquery("ranked"))
        order: list[Any] = []
    else:
        tsquery = _pg_tsquery(words)
        score = cast(func.ts_rank(SearchDocumentRow.tsv, tsquery), Float)
        ranked = (select(SearchDocumentRow.record_id.label("record_id"), score.label("score"))
                  .where(SearchDocumentRow.tsv.op("@@")(tsquery))
                  .order_by(score.desc(), SearchDocumentRow.record_id).limit(span)
                  .subquery("ranked"))
        # PostgreSQL knows the subquery's order and keeps it without a sort
        # of its own, stopping at ``want`` matches
        order = [ranked.c.score.desc(), ranked.c.record_id]
    matching = (select(RecordRow.id)
                .where(RecordRow.id == ranked.c.record_id, *live, to_sql(whole, probe=True))
                .exists())
    created = (select(RecordRow.created).where(RecordRow.id == ranked.c.record_id)
               .scalar_subquery())
    rows = list(session.execute(
        select(ranked.c.record_id.label("id"), created.label("created"), ranked.c.score)
        .select_from(ranked).where(matching).order_by(*order).limit(want),
        execution_options=opts).all())
    return rows if len(rows) == want else None


def _walk_rank_index(session: Session, word: str, operator: str, live: list[Any],
                     whole: Node, want: int, opts: dict[str, Any]) -> list[Any] | None:
    """PostgreSQL with :data:`.rank_index.RANK_INDEX`, one word: the ``want`` best
    matches, from the word's documents in the index's order (best ranked
    first), each one's record probed as it comes; None when the first
    :data:`WALK_SPAN` times ``want`` documents do not settle them.

    The documents come through a server-side cursor and are read until
    ``want`` match and a document scores below the last of them: ties of
    score (most documents of a word have it once or twice) are read whole,
    and the hits are then put in the search's order (score, then record id).
    Exact because the index's order is ``ts_rank``'s, ties included, for one
    word (:mod:`.rank_index`): every document not read scores strictly below
    every hit. Only ``ts_rank`` is computed for each document read (the
    distance again, from the document's vector, cost as much).

    RUM sorts the word's postings by distance before it gives the first
    document (58 ms for the 115,000 of ``smith`` at 1,000,000 records), then
    each document read costs its row: this walk took 93-108 ms there, where
    ranking every document through the GIN index took 443-634 ms; at 100,000
    records (``psql``, the statement alone, alternately with the GIN walk's)
    ``smith`` 28-40 against 127-147 ms, ``interviews`` 22 against 102 ms.

    The planner is told to take the index (``enable_seqscan`` and
    ``enable_bitmapscan`` off for this statement): its estimates cost an
    ordered index scan as if it read every row of the word's documents,
    where the walk reads a few hundred to a few thousand.
    """
    tsquery = _pg_tsquery([word])
    distance = SearchDocumentRow.tsv.op(operator, return_type=Float)(tsquery)
    score = cast(func.ts_rank(SearchDocumentRow.tsv, tsquery), Float)
    # the record's creation when it matches, else NULL: one probe a document
    created = (select(RecordRow.created)
               .where(RecordRow.id == SearchDocumentRow.record_id, *live,
                      to_sql(whole, probe=True))
               .scalar_subquery())
    statement = (select(SearchDocumentRow.record_id.label("id"), created.label("created"),
                        score.label("score"))
                 .where(SearchDocumentRow.tsv.op("@@")(tsquery))
                 .order_by(distance).limit(WALK_SPAN * want))
    hits: list[Any] = []
    settled = False
    # the plan is made when the cursor is declared
    with _planned_without(session, "seqscan", "bitmapscan"):
        result = session.execute(statement, execution_options={
            **opts, "stream_results": True, "yield_per": want + 100})
    read = 0
    with result:
        for row in result:
            read += 1
            if len(hits) >= want and row.score < hits[want - 1].score:
                settled = True
                break
            if row.created is not None:
                hits.append(row)
    # every document read (fewer than the span): the hits are all there are
    settled = settled or read < WALK_SPAN * want
    if not settled or len(hits) < want:
        return None
    hits.sort(key=lambda row: (-row.score, row.id))
    return hits[:want]


@contextmanager
def _planned_without(session: Session, *methods: str) -> Iterator[None]:
    """PostgreSQL: the body's statements planned without ``methods`` (their
    ``enable_*`` settings off for the transaction, and back after the body; a
    statement that fails aborts the transaction, and the settings go with it)."""
    session.execute(text("; ".join(f"SET LOCAL enable_{name} = off" for name in methods)))
    yield
    session.execute(text("; ".join(f"SET LOCAL enable_{name} TO DEFAULT" for name in methods)))


def _walked(session: Session, sort_key: str, live: list[Any], where_probe: list[Any],
            want: int, opts: dict[str, Any]) -> list[Any] | None:
    """The first ``want`` matches of a broad query in ``sort_key``'s order (one of
    :data:`_INDEX_ORDERS`), found by probing at most the first :data:`WALK_SPAN`
    times ``want`` live records in that order; None when fewer match among
    them: the matches are then sparse, and reading them all costs less than
    walking on (the caller does).

    Past ``track_total`` matches a walk finds ``want`` hits after ``want``
    times live / matches probes: a few thousand at 100,000 records, but some
    50,000 at 1,000,000 for a range matching 1% of them (237 ms walked
    where the same 10,500 matches read and sorted took 76 ms, SQLite). The
    bound is the sort key of the last record of that span (one index read; by
    creation its time alone, which the index gives in order, where the time
    and the id cost a sort of the span: 1 against 7-10 ms at 1,000,000).

    A span that holds a third of the hits or more is walked once more, as far
    as the hits it held say the rest lies (half as far again, for chance):
    at 1,000,000 records on PostgreSQL ``publisher:Zenodo`` had 496 of its
    50,439 matches among the first 10,000 live records, and reading every
    match after the walk gave up cost 189 ms, where the second walk, 15,121
    records, cost 20 ms. Only when, at the first walk's pace, the second
    takes at most :data:`LONGER_WALK_SECONDS`: a probe's cost depends on
    the query (a keyword 2 µs, ``ocea*`` over the full text's fields 37 µs,
    where reading its matches whole is the cheaper way). At 100,000 records
    a query past ``track_total`` matches one record in ten, and the first
    span settles it.
    """
    span = WALK_SPAN * want
    started = time.perf_counter()
    rows, bounded = _walk_span(session, sort_key, live, where_probe, want, span, opts)
    if bounded and want <= 3 * len(rows) < 3 * want:
        longer = math.ceil(span * want / len(rows) * 1.5)
        if (time.perf_counter() - started) * longer / span <= LONGER_WALK_SECONDS:
            rows, bounded = _walk_span(session, sort_key, live, where_probe, want, longer, opts)
    return rows if len(rows) == want or not bounded else None


def _walk_span(session: Session, sort_key: str, live: list[Any], where_probe: list[Any],
               want: int, span: int, opts: dict[str, Any]) -> tuple[list[Any], bool]:
    """The first ``want`` matches among the first ``span`` live records in
    ``sort_key``'s order, and whether that span ends before the live records do."""
    through: tuple[Any, str | None] | None = None
    if sort_key == "title":
        last = session.execute(_ordered(session, sort_key, [], live, None)
                               .offset(span - 1).limit(1)).first()
        through = None if last is None else (last.score, last.id)
    else:
        created = RecordRow.created
        last = session.execute(
            select(created).where(*live)
            .order_by(created.desc() if sort_key == "newest" else created)
            .offset(span - 1).limit(1)).first()
        through = None if last is None else (last.created, None)
    rows = list(session.execute(_ordered(session, sort_key, [], where_probe, None, through)
                                .limit(want), execution_options=opts).all())
    return rows, through is not None


def _facets_within_budget(session: Session, ids: list[str],
                          opts: dict[str, Any]) -> dict[str, list[FacetValue]]:
    """Facet counts over the records ``ids``, or none (``{}``) if counting them
    would pass the search's time budget (:mod:`.budget`): the hits and the
    total are what was asked for; facets are the part that can wait."""
    postgres = session.get_bind().dialect.name == "postgresql"
    try:
        if postgres:  # a cancelled statement must not abort the whole transaction
            with session.begin_nested():
                return _facet_values(session, ids, opts)
        return _facet_values(session, ids, opts)
    except OperationalError as exc:
        if budget_exhausted(exc):
            return {}
        raise


def _facet_values(session: Session, ids: list[str],
                  opts: dict[str, Any]) -> dict[str, list[FacetValue]]:
    """The top values of every facet over the records ``ids`` (live matches).

    Cost is what makes this shape: a record's facet values are reached
    through its id, one index lookup each, so counting costs one lookup per
    record and facet field. Therefore:

    * on PostgreSQL the ids go straight to ``query_terms`` (they are live
      matches already) as one array: a list of 500 parameters, through
      ``records``, cost as much to build, send and parse as the lookups
      themselves (the statement 27 -> 15 ms at 100,000 records); on SQLite
      they drive the lookups from a materialised CTE (:func:`_among_ids`);
    * the rows are found through the key, ``(record_id, field, ...)``
      (the label, the value as written, is read for the top values only);
    * when the ids are more than half of the store (a small store), the
      counts are those of every record minus those of the other records: a
      scan of the facet indexes, not a lookup per record.
    """
    counts: dict[str, dict[Any, int]]
    if not ids:
        counts = {fld: {} for fld in FACETS.values()}
    elif _stored_at_least(session, 2 * len(ids)):
        counts = _facet_counts(session, _among_ids(session, ids), opts)
    else:
        everything = _facet_counts(session, None, opts)
        others = _facet_counts(session, TermRow.record_id.not_in(ids), opts)
        counts = {fld: {v: n - others[fld].get(v, 0) for v, n in found.items()}
                  for fld, found in everything.items()}
    out: dict[str, list[FacetValue]] = {}
    tops: dict[str, list[tuple[Any, int]]] = {}
    for name, fld in FACETS.items():
        found = [(v, n) for v, n in counts[fld].items() if n > 0]
        if FIELDS[fld].type == "number":
            found.sort(key=lambda vn: (-vn[1], -vn[0]))
        else:
            found.sort(key=lambda vn: (-vn[1], vn[0]))
        tops[name] = found[:FACET_SIZE]
    labels = _labels(session, [(FACETS[name], v) for name, top in tops.items()
                               if FIELDS[FACETS[name]].type != "number" for v, _ in top])
    for name, top in tops.items():
        fld = FACETS[name]
        if FIELDS[fld].type == "number":
            out[name] = [FacetValue(str(v), str(v), n) for v, n in top]
        else:
            out[name] = [FacetValue(v, labels.get((fld, v)) or v, n) for v, n in top]
    return out


def _among_ids(session: Session, ids: list[str]) -> Any:
    """The ``query_terms`` rows of the records ``ids``: on PostgreSQL a
    condition on the rows with one array parameter; on SQLite (no arrays)
    the ids as a materialised CTE that drives the join, without which
    SQLite's planner read every row of the facet fields instead (a facet
    count 15 ms -> 380 ms at 100,000 records)."""
    if _is_sqlite(session):
        return (select(RecordRow.id.label("id")).where(RecordRow.id.in_(ids))
                .cte("facet_ids").prefix_with("MATERIALIZED"))
    return TermRow.record_id == any_(bindparam("facet_ids", ids, type_=ARRAY(String)))


def _stored_at_least(session: Session, n: int) -> bool:
    """Whether at least ``n`` records are stored (reading at most ``n`` index entries)."""
    some = select(RecordRow.id).limit(n).subquery()
    return int(session.execute(select(func.count()).select_from(some)).scalar_one()) >= n


def _facet_counts(session: Session, among: Any, opts: dict[str, Any]
                  ) -> dict[str, dict[Any, int]]:
    """Records per value of each facet field, among the ``query_terms`` rows
    where ``among`` holds, or of the records of the CTE ``among`` (None: every
    stored record, from the indexes alone)."""
    out: dict[str, dict[Any, int]] = {fld: {} for fld in FACETS.values()}
    n = func.count(TermRow.record_id.distinct())
    if among is None:
        for fld in FACETS.values():
            column = TermRow.num if FIELDS[fld].type == "number" else TermRow.term
            # ``IS NOT NULL``: the (field, num) index holds only the rows with a number
            by_value = (select(column, n).where(TermRow.field == fld, column.is_not(None))
                        .group_by(column))
            out[fld] = {v: int(c) for v, c in session.execute(by_value) if v is not None}
        return out
    if _is_sqlite(session):  # one key lookup per record and facet field
        stmt = select(TermRow.field, TermRow.term, TermRow.num, n)
        if isinstance(among, CTE):
            stmt = stmt.select_from(among).join(TermRow, TermRow.record_id == among.c.id)
        else:
            stmt = stmt.where(among)
        stmt = (stmt.where(TermRow.field.in_(list(FACETS.values())))
                .group_by(TermRow.field, TermRow.term, TermRow.num))
    else:
        # one lookup per record in the facet rows' index (``FACET_ROWS``), which
        # holds them in the order of ``DISTINCT`` (a record's value counted once)
        values = (select(TermRow.record_id, TermRow.field, TermRow.term, TermRow.num)
                  .distinct().where(among, FACET_ROWS).subquery("facet_rows"))
        stmt = (select(values.c.field, values.c.term, values.c.num, func.count())
                .group_by(values.c.field, values.c.term, values.c.num))
    for fld, term, num, c in session.execute(stmt, execution_options=opts):
        value = num if FIELDS[fld].type == "number" else term
        if value is not None:
            out[fld][value] = int(c)
    return out


def _labels(session: Session, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """A value as written for each (field, normalised value): the first stored row's.

    One statement for all of them, one index probe each, where a statement
    each cost a round trip and a compilation. On PostgreSQL the pairs go as
    two arrays, so the statement is the same short text whatever their
    number (a hundred scalar subqueries took 8 ms to send, parse and plan
    at 100,000 records; the arrays 2 ms).
    """
    if not wanted:
        return {}
    if not _is_sqlite(session):
        rows = session.execute(
            text('SELECT (SELECT raw FROM query_terms WHERE field = w.f '
                 'AND term = w.t COLLATE "C" LIMIT 1) '
                 "FROM unnest(CAST(:fs AS varchar[]), CAST(:ts AS varchar[])) "
                 "WITH ORDINALITY AS w(f, t, n) ORDER BY w.n"),
            {"fs": [f for f, _ in wanted], "ts": [v for _, v in wanted]}).scalars().all()
        return dict(zip(wanted, rows, strict=True))
    # plain SQL text: building one SQLAlchemy subquery a value cost more than running them
    probes = ", ".join(f"(SELECT raw FROM query_terms WHERE field = :f{i} AND term = :t{i} "
                       "LIMIT 1)" for i in range(len(wanted)))
    params = {k: v for i, (fld, value) in enumerate(wanted)
              for k, v in ((f"f{i}", fld), (f"t{i}", value))}
    row = session.execute(text(f"SELECT {probes}"), params).one()
    return dict(zip(wanted, row, strict=True))


# -- batch indexing (new records) -----------------------------------------------

def index_search_documents_many(session: Session, records: Sequence[Record],
                                extracted: Sequence[Any] = ()) -> None:
    """The batch form of :func:`index_search_document` for new records: the
    full-text rows of the batch with one executemany (and, on SQLite, the
    FTS5 rows with another): the rows the hook writes called record by record."""
    from sqlalchemy import bindparam

    live = [r for r in records if not r.deleted]
    if not live:
        return
    table = typing.cast(Table, SearchDocumentRow.__table__)
    bodies = [document_body(r) for r in live]
    if _is_sqlite(session):
        doc_ids = session.execute(
            table.insert().returning(table.c.doc_id, sort_by_parameter_order=True),
            [{"record_id": r.id, "body": b, "tsv": None} for r, b in zip(live, bodies, strict=True)],
        ).scalars().all()
        session.execute(text("INSERT INTO search_fts(rowid, body) VALUES (:d, :b)"),
                        [{"d": d, "b": b} for d, b in zip(doc_ids, bodies, strict=True)])
        return
    session.execute(
        table.insert().values(
            record_id=bindparam("p_record"), body=bindparam("p_body"),
            tsv=func.to_tsvector(literal("simple").cast(_REGCONFIG), bindparam("p_body"))),
        [{"p_record": r.id, "p_body": b} for r, b in zip(live, bodies, strict=True)],
    )
