"""A phrase as one SQL condition, whatever its length: a recursive walk of positions.

``field:"w0 w1 ... wn"`` matches a record when one value of the field holds
the tokens at consecutive positions. Written as one self-join per word the
statement grows with the phrase (and stops at 64 tables on SQLite); here it
is one recursive common table expression whose text does not depend on the
phrase:

* the words travel as one JSON array parameter, unpacked into a small
  ``(k, token)`` table (``json_each`` on SQLite,
  ``jsonb_array_elements_text`` on PostgreSQL);
* the walk starts at every position of its rarest word (the ``(field,
  term, record_id, ord, pos)`` index, read alone) and checks the other
  words one at a time, each at its offset from the start in the same value
  (one probe of that index with every column given: no read of the table),
  so most starts end after one step;
* a record matches when a walk reaches the last word.

Same meaning as :func:`.memory._phrase_in` (consecutive tokens inside one
value, never across two), checked by the agreement tests.

What this module is not for: anything but phrases (:mod:`.sql`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Integer, String, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from .term_table import TermRow

__all__ = ["PhraseWalk", "phrase_match"]

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def phrase_match(record_id: Any, fields: tuple[str, ...],
                 tokens: tuple[str, ...]) -> ColumnElement[bool]:
    """``record_id IN (the records holding the tokens consecutively in a field)``."""
    return record_id.op("IN", is_comparison=True)(PhraseWalk(fields, tokens))


class PhraseWalk(ColumnElement[str]):
    """The parenthesised subquery: ids of records with the phrase in ``fields``."""

    __visit_name__ = "phrase_walk"
    inherit_cache = True
    type = String()

    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy reads it from the class)
        ("fields", InternalTraversal.dp_string_list),
        ("words", InternalTraversal.dp_clauseelement),
        ("last", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, fields: tuple[str, ...], tokens: tuple[str, ...]):
        if len(tokens) < 2 or not all(_FIELD_NAME.match(f) for f in fields):
            raise ValueError("a phrase has two or more tokens and known field names")
        self.fields = list(fields)
        self.words: BindParameter[str] = bindparam(None, json.dumps(list(tokens)),
                                                   type_=String())
        self.last: BindParameter[int] = bindparam(None, len(tokens) - 1, type_=Integer())


#: postings counted per word to choose the walk's order (more is "common")
RARE_ENOUGH = 1000

_TEMPLATE = """(WITH RECURSIVE phrase_words(step, k, tok) AS MATERIALIZED (
SELECT CAST(ROW_NUMBER() OVER (ORDER BY n, LENGTH(tok) DESC, k) - 1 AS INTEGER), k, tok FROM (
SELECT k, tok, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} AS c
WHERE c.field IN ({fields}) AND c.term = words.tok LIMIT {cap}) AS postings) AS n
FROM ({words}) AS words) AS counted),
phrase_walk(record_id, field, ord, start, step) AS (
SELECT w.record_id, w.field, w.ord, w.pos - phrase_words.k, 0
FROM phrase_words CROSS JOIN {table} AS w
WHERE phrase_words.step = 0 AND w.field IN ({fields}) AND w.term = phrase_words.tok
UNION ALL
SELECT w.record_id, w.field, w.ord, phrase_walk.start, phrase_walk.step + 1
FROM phrase_walk CROSS JOIN phrase_words CROSS JOIN {table} AS w
WHERE phrase_words.step = phrase_walk.step + 1
AND w.record_id = phrase_walk.record_id AND w.field = phrase_walk.field
AND w.ord = phrase_walk.ord AND w.pos = phrase_walk.start + phrase_words.k
AND w.term = phrase_words.tok)
SELECT phrase_walk.record_id FROM phrase_walk WHERE phrase_walk.step = {last})"""

_WORDS = {
    "sqlite": "SELECT CAST(key AS INTEGER) AS k, value AS tok FROM json_each({words})",
    "postgresql": ("SELECT CAST(e.n - 1 AS INTEGER) AS k, e.tok FROM jsonb_array_elements_text("
                   "CAST({words} AS JSONB)) WITH ORDINALITY AS e(tok, n)"),
}


def _render(element: PhraseWalk, compiler: Any, dialect: str, **kw: Any) -> str:
    words = _WORDS[dialect].format(words=compiler.process(element.words, **kw))
    return _TEMPLATE.format(
        words=words,
        table=TermRow.__tablename__,
        fields=", ".join(f"'{f}'" for f in element.fields),
        cap=RARE_ENOUGH,
        last=compiler.process(element.last, **kw),
    )


@compiles(PhraseWalk, "sqlite")
def _sqlite(element: PhraseWalk, compiler: Any, **kw: Any) -> str:
    return _render(element, compiler, "sqlite", **kw)


@compiles(PhraseWalk, "postgresql")
def _postgresql(element: PhraseWalk, compiler: Any, **kw: Any) -> str:
    return _render(element, compiler, "postgresql", **kw)


@compiles(PhraseWalk)
def _other(element: PhraseWalk, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"phrases in SQL on {compiler.dialect.name}")
