"""Evaluator (a): does one record match a query? In memory, no database.

Used to place a record in its sets when it is written, and as the reference
the other evaluators are tested against. It reads the values that
:func:`.fields.extract` gives; pass a precomputed :data:`.fields.Document`
to evaluate many queries against one record cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

__all__ = ["BatchMatcher", "Prepared", "document", "matches", "prepare"]


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
    return _field_scalars(doc, node.field)


def _field_scalars(doc: Prepared, field: str) -> frozenset[Any]:
    found = doc.scalar_sets.get(field)
    if found is None:
        values = doc.get(field, ())
        if FIELDS[field].type == "text":
            found = frozenset(tok for toks in values for tok in toks)
        else:
            found = frozenset(values)
        doc.scalar_sets[field] = found
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


class BatchMatcher:
    """Which of many queries match a record: what ``matches`` says for each, cheaper.

    Set queries are mostly ``field:value``. A :class:`Term` matches when its
    value is among the field's units (:func:`_scalars`), and an
    :class:`Interval` of width one (``publicationYear:2019`` is ``[2019,
    2020)``) when the integer is among the field's values. A query that is
    such a leaf, or an OR of such leaves (nested or not), is indexed by field
    and value, so one record is matched by a dictionary look-up per unit of
    the fields the queries name instead of one evaluation per query. Every
    other query is evaluated by :func:`matches`.
    """

    def __init__(self, trees: Sequence[Node]):
        #: field -> term value -> indices of the queries with that leaf
        self._terms: dict[str, dict[str, list[int]]] = {}
        #: field -> integer -> indices of the queries with that one-integer interval
        self._points: dict[str, dict[int, list[int]]] = {}
        #: (index, tree) of the queries evaluated one by one
        self._others: list[tuple[int, Node]] = []
        for index, tree in enumerate(trees):
            leaves = _or_leaves(tree)
            if leaves is None:
                self._others.append((index, tree))
                continue
            for leaf in leaves:
                if isinstance(leaf, Term):
                    by_value = self._terms.setdefault(leaf.field, {})
                    by_value.setdefault(leaf.value, []).append(index)
                else:
                    by_point = self._points.setdefault(leaf[0], {})
                    by_point.setdefault(leaf[1], []).append(index)

    def matching(self, record: Any) -> set[int]:
        """Indices (into the trees given) of the queries the record matches."""
        doc = prepare(record)
        found: set[int] = set()
        for field, by_value in self._terms.items():
            units = _field_scalars(doc, field)
            if len(units) <= len(by_value):
                for unit in units:
                    hit = by_value.get(unit)
                    if hit is not None:
                        found.update(hit)
            else:
                for value, hit in by_value.items():
                    if value in units:
                        found.update(hit)
        for field, by_point in self._points.items():
            values = doc.get(field, ())
            if all(type(v) is int for v in values):
                for v in values:
                    hit = by_point.get(v)
                    if hit is not None:
                        found.update(hit)
            else:  # not what extract gives: compare as Interval does
                for point, hit in by_point.items():
                    node = Interval(field, point, point + 1)
                    if _eval(node, doc):
                        found.update(hit)
        for index, tree in self._others:
            if index not in found and _eval(tree, doc):
                found.add(index)
        return found


def _or_leaves(node: Node) -> list[Term | tuple[str, int]] | None:
    """The leaves of a term, an interval of one integer or an OR of them (an
    interval as ``(field, integer)``); None for any other query."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Interval):
        low, high = node.gte, node.lt
        if type(low) is int and type(high) is int and high == low + 1:
            return [(node.field, low)]
        return None
    if isinstance(node, Or):
        leaves: list[Term | tuple[str, int]] = []
        for child in node.children:
            found = _or_leaves(child)
            if found is None:
                return None
            leaves.extend(found)
        return leaves
    return None
