"""The table of the query package: the extracted terms of every record.

``query_terms`` holds one row a keyword value, a text token, or a number /
date value, per record and field. It is what the SQL evaluator queries with
EXISTS subqueries; a write hook (:func:`.sql.index_record_terms`) rewrites a
record's rows in the record's own transaction, so it is never stale.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

__all__ = ["FACET_FIELDS", "FACET_ROWS", "TermRow", "TermString"]

#: byte-wise (code point) ordering on PostgreSQL, as on SQLite and in Python
TermString = String(600).with_variant(String(600, collation="C"), "postgresql")


#: the fields whose values search facets count (``repository_core.search.FACETS``)
FACET_FIELDS = ("types.resourceTypeGeneral", "publicationYear", "subjects.subject", "language",
                "publisher")

#: Their rows, as a condition with the names written out: on PostgreSQL the
#: partial index ``ix_query_terms_facets`` holds these rows only, and the
#: planner uses it where a query states the same condition. A facet count
#: looks up each hit's facet rows there, one probe a record instead of one
#: a record and field through the key (500 hits at 100,000 records: 11.5 ->
#: 5.1 ms). Not on SQLite: there the index cost a load 10% of its rate (the
#: condition is evaluated for every term row written) for 2.5 ms a search.
FACET_ROWS = text("field IN (" + ", ".join(f"'{name}'" for name in FACET_FIELDS) + ")")


class TermRow(Base):
    """One extracted value: (record, field, value number, token position)."""

    __tablename__ = "query_terms"

    # no foreign key on PostgreSQL (migration 0010): see ``__table_args__``
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    ord: Mapped[int] = mapped_column(Integer, primary_key=True)
    pos: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str | None] = mapped_column(TermString, nullable=True)
    num: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: the value as written, for keyword fields shown as facets (labels)
    raw: Mapped[str | None] = mapped_column(String(600), nullable=True)

    __table_args__ = (
        # A derived table, written only by the write hooks in the record's own
        # transaction (records are never removed: they become tombstones). On
        # PostgreSQL the key's per-row trigger cost 40% of a bulk load's COPY,
        # so it exists on SQLite only, where the check is an index probe.
        ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE",
                             name="fk_query_terms_record_id_records").ddl_if(dialect="sqlite"),
        Index("ix_query_terms_field_term_pos", "field", "term", "record_id", "ord", "pos"),
        # only the rows with a number (migration 0010): a range compares ``num``
        Index("ix_query_terms_field_num", "field", "num", "record_id",
              sqlite_where=text("num IS NOT NULL"), postgresql_where=text("num IS NOT NULL")),
        # the facet rows of each record together (migration 0012)
        Index("ix_query_terms_facets", "record_id", "field", "term", "num",
              postgresql_where=FACET_ROWS).ddl_if(dialect="postgresql"),
    )
