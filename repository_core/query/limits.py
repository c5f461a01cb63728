"""How large a query may be: :class:`QueryLimits`, checked where queries are parsed.

Every query, from the search API or a set definition, goes through
:func:`.parser.parse_query`, which checks these limits in two steps:

1. :func:`scan` reads the raw string once, before luqum sees it (luqum's
   parse time grows with the number of tokens, and a syntax tree thousands
   of levels deep would overflow Python's stack in any recursive walk): the
   nesting of parentheses plus runs of ``NOT``/``-``/``+``/``!``, and the
   number of clauses. Both counts are lower bounds of the exact ones, so the
   scan never refuses a query the exact check would accept.
2. :func:`check_tree` walks luqum's tree without recursion and measures
   the exact depth and number of clauses; phrase length and wildcard count
   are checked as the tree is converted (:mod:`.parser`).

The defaults are far above what a person writes (and what any set
definition we have seen uses), and low enough that the worst query within
them answers in well under a second on 100,000 records:

``max_depth`` 32
    Levels of the syntax tree: each parenthesis, operator, ``NOT`` and
    field prefix is one, and so is the term: ``(a OR b) AND NOT (c OR d)``
    is 5 deep (AND, NOT, the parentheses, OR, the term).
``max_clauses`` 128
    Terms, phrases, ranges and ``_exists_`` tests. Invenio's largest set
    queries list a few dozen values; each clause is one index lookup.
``max_phrase_words`` 128
    Words in one quoted phrase. A whole title or a sentence of an abstract
    pasted in quotes is a real search (titles of 40 to 60 words exist), and a
    phrase costs one lookup whatever its length, so this is generous.
``max_wildcards`` 8
    Wildcard terms. A keyword wildcard that starts with ``*`` reads every
    value of its field, the one query shape whose cost grows with the
    store; eight is more than any set definition needs.

``max_seconds`` 0.8
    Not a shape but the backstop: the database time one search may take
    (:mod:`repository_core.search.budget`), since a short query of words
    that every record has can still read millions of index entries. 0.8 s
    leaves parsing and writing the response inside one second.

What this module is not for: the query's length in characters
(:data:`.parser.MAX_QUERY_LENGTH`) or its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from luqum import tree as lq

from ..errors import QueryTooComplex

__all__ = ["DEFAULT_LIMITS", "QueryLimits", "check_tree", "scan"]


@dataclass(frozen=True)
class QueryLimits:
    """The largest query :func:`.parser.parse_query` accepts (see the module docstring)."""

    max_depth: int = 32
    max_clauses: int = 128
    max_phrase_words: int = 128
    max_wildcards: int = 8
    #: the database time one search may take (see :mod:`repository_core.search.budget`)
    max_seconds: float = 0.8

    def too_complex(self, limit: str, found: int, query: str,
                    position: int | None = None) -> QueryTooComplex:
        value = getattr(self, limit)
        what = {
            "max_depth": "nested more than {value} levels deep",
            "max_clauses": "has more than {value} clauses (terms, phrases, ranges)",
            "max_phrase_words": "has a phrase of more than {value} words",
            "max_wildcards": "has more than {value} wildcard terms",
        }[limit].format(value=value)
        return QueryTooComplex(f"the query is {what}" if limit == "max_depth"
                               else f"the query {what}",
                               limit=limit, value=value, found=found, query=query,
                               position=position)


DEFAULT_LIMITS = QueryLimits()

_UNARY_WORDS = frozenset({"NOT"})
_BINARY_WORDS = frozenset({"AND", "OR", "&&", "||", "TO"})
_SEPARATORS = frozenset(" \t\r\n\f\v()")


def scan(text: str, limits: QueryLimits = DEFAULT_LIMITS) -> None:
    """Refuse, from the raw string, a query surely too deep or with too many clauses.

    One pass, no parsing: quoted phrases and ``[...]``/``{...}`` ranges are
    one clause each, a chunk between spaces and parentheses that is not an
    operator is one clause, and the depth at a clause is the number of open
    parentheses plus the unary operators (``NOT``, ``-``, ``+``, ``!``) in
    front of it.
    """
    depth = 0          # open parentheses
    unary = 0          # unary operators since the last clause at this point
    clauses = 0
    i, n = 0, len(text)

    def clause(at: int) -> None:
        nonlocal clauses, unary
        clauses += 1
        if clauses > limits.max_clauses:
            raise limits.too_complex("max_clauses", clauses, text, at)
        if depth + unary > limits.max_depth:
            raise limits.too_complex("max_depth", depth + unary, text, at)
        unary = 0

    while i < n:
        ch = text[i]
        if ch == "(":
            depth += 1
            if depth + unary > limits.max_depth:
                raise limits.too_complex("max_depth", depth + unary, text, i)
            i += 1
        elif ch == ")":
            depth = max(0, depth - 1)
            i += 1
        elif ch in _SEPARATORS:
            i += 1
        else:
            start = i
            # leading unary markers of this chunk
            while i < n and text[i] in "-+!":
                unary += 1
                i += 1
            if depth + unary > limits.max_depth:
                raise limits.too_complex("max_depth", depth + unary, text, start)
            end, has_value = _chunk_end(text, i)
            word = text[i:end]
            if word in _UNARY_WORDS:
                unary += 1
                if depth + unary > limits.max_depth:
                    raise limits.too_complex("max_depth", depth + unary, text, start)
            elif word in _BINARY_WORDS:
                pass
            elif has_value:
                clause(start)
            i = max(end, i + 1) if end == i else end


def _chunk_end(text: str, i: int) -> tuple[int, bool]:
    """End of the chunk starting at ``i`` and whether it holds a value.

    A chunk runs to the next separator outside quotes and brackets;
    ``field:`` alone (before a group) holds no value.
    """
    n = len(text)
    has_value = False
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            has_value = True
        elif ch == '"':
            close = text.find('"', i + 1)
            while close != -1 and _escaped(text, close):
                close = text.find('"', close + 1)
            i = n if close == -1 else close + 1
            has_value = True
        elif ch in "[{":
            j = i + 1
            while j < n and text[j] not in "]}":
                j += 1
            i = j + 1
            has_value = True
        elif ch in _SEPARATORS:
            break
        else:
            has_value = has_value or ch != ":"
            if ch == ":":
                has_value = False  # what came before was a field name
            i += 1
    return min(i, n), has_value


def _escaped(text: str, at: int) -> bool:
    slashes = 0
    while at - slashes - 1 >= 0 and text[at - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


_LEAVES = (lq.Word, lq.Phrase, lq.Range, lq.From, lq.To, lq.Regex, lq.Fuzzy, lq.Proximity)


def check_tree(syntax: Any, text: str, limits: QueryLimits = DEFAULT_LIMITS) -> None:
    """The exact depth and clause count of luqum's tree, walked without recursion."""
    stack: list[tuple[Any, int]] = [(syntax, 1)]
    clauses = 0
    while stack:
        item, depth = stack.pop()
        if depth > limits.max_depth:
            raise limits.too_complex("max_depth", depth, text, getattr(item, "pos", None))
        if isinstance(item, _LEAVES):
            clauses += 1
            if clauses > limits.max_clauses:
                raise limits.too_complex("max_clauses", clauses, text,
                                         getattr(item, "pos", None))
            continue
        stack.extend((child, depth + 1) for child in item.children)
