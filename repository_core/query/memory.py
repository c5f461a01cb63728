"""Evaluator (a): does one record match a query? In memory, no database.

Used to place a record in its sets when it is written, and as the reference
the other evaluators are tested against. It reads the values that
:func:`.fields.extract` gives; pass a precomputed :data:`.fields.Document`
to evaluate many queries against one record cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import FIELDS, Document, extract
from .glob import glob_match
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
)

__all__ = ["Prepared", "document", "matches", "prepare"]


def document(record: Any) -> Document:
    """The extracted values of a record (a ``Record`` or a ``Document``)."""
    if isinstance(record, Mapping):
        return record
    return extract(record)


class Prepared(dict):
    """A document with its per-field sets of scalars cached (many queries, one record)."""

    def __init__(self, doc: Document):
        super().__init__(doc)
        self.scalar_sets: dict[str, frozenset[Any]] = {}


def prepare(record: Any) -> Prepared:
    """Extract once, evaluate many queries: ``matches(tree, prepare(record))``."""
    doc = document(record)
    return doc if isinstance(doc, Prepared) else Prepared(doc)


def matches(node: Node, record: Any) -> bool:
    """True when the record (``Record``, ``Document`` or ``Prepared``) matches."""
    return _eval(node, prepare(record))


def _values(doc: Document, node: Any) -> tuple[Any, ...]:
    return doc.get(node.field, ())


def _scalars(doc: Prepared, node: Any) -> frozenset[Any]:
    """Keyword values or text tokens: the units a term, wildcard or range tests."""
    found = doc.scalar_sets.get(node.field)
    if found is None:
        values = _values(doc, node)
        if FIELDS[node.field].type == "text":
            found = frozenset(tok for toks in values for tok in toks)
        else:
            found = frozenset(values)
        doc.scalar_sets[node.field] = found
    return found


def _phrase_in(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tokens[i:i + n] == phrase for i in range(len(tokens) - n + 1))


def _eval(node: Node, doc: Prepared) -> bool:
    if isinstance(node, And):
        return all(_eval(c, doc) for c in node.children)
    if isinstance(node, Or):
        return any(_eval(c, doc) for c in node.children)
    if isinstance(node, Not):
        return not _eval(node.child, doc)
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Exists):
        return bool(_values(doc, node))
    if isinstance(node, Term):
        return node.value in _scalars(doc, node)
    if isinstance(node, Phrase):
        return any(_phrase_in(toks, node.tokens) for toks in _values(doc, node))
    if isinstance(node, Wildcard):
        return any(glob_match(node.segments, v) for v in _scalars(doc, node))
    if isinstance(node, Interval):
        return any((node.gte is None or v >= node.gte) and (node.lt is None or v < node.lt)
                   for v in _values(doc, node))
    if isinstance(node, StrRange):
        return any(_in_range(v, node) for v in _scalars(doc, node))
    raise TypeError(f"not a query node: {node!r}")


def _in_range(value: str, node: StrRange) -> bool:
    low, high = node.lower, node.upper
    if low is not None and (value < low or (value == low and not node.include_lower)):
        return False
    return not (high is not None
                and (value > high or (value == high and not node.include_upper)))
