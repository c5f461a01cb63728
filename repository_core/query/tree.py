"""Our query tree: small, immutable, already analysed.

The parser turns luqum's syntax tree into these nodes. Values are already
normalised for their field (see :mod:`.fields`), number and date values are
already integer intervals, and a field applied to a group has been pushed
down to the leaves, so an evaluator needs no knowledge of the syntax.

What this module is not for: parsing (:mod:`.parser`) or evaluating
(:mod:`.memory`, :mod:`.sql`, :mod:`.search_dsl`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ONE",
    "STAR",
    "And",
    "Exists",
    "Interval",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "StrRange",
    "Term",
    "Wildcard",
    "fields_of",
    "leaf_count",
    "positive_words",
]

#: wildcard segments inside :class:`Wildcard` patterns
STAR: Literal["*"] = "*"
ONE: Literal["?"] = "?"


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class MatchAll:
    """``*`` or ``*:*``: every record."""


@dataclass(frozen=True)
class Term:
    """A keyword value equal to ``value``, or a text value containing the token."""

    field: str
    value: str


@dataclass(frozen=True)
class Phrase:
    """Consecutive ``tokens`` inside one value of a text field (2 or more)."""

    field: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Wildcard:
    """A keyword value (whole) or a text token matching the pattern.

    ``segments`` are literal strings (normalised) and the markers
    :data:`STAR` / :data:`ONE`, kept apart as ``(kind, text)`` pairs with
    kind ``"lit"``, ``"*"`` or ``"?"``, so a literal ``*`` stays literal.
    """

    field: str
    segments: tuple[tuple[str, str], ...]

    @property
    def prefix(self) -> str:
        """The literal text before the first wildcard."""
        out = []
        for kind, text in self.segments:
            if kind != "lit":
                break
            out.append(text)
        return "".join(out)


@dataclass(frozen=True)
class Interval:
    """A number or date value ``v`` with ``gte <= v < lt`` (None: unbounded)."""

    field: str
    gte: int | None
    lt: int | None


@dataclass(frozen=True)
class StrRange:
    """A keyword value (or text token) between two normalised strings."""

    field: str
    lower: str | None
    upper: str | None
    include_lower: bool
    include_upper: bool


@dataclass(frozen=True)
class Exists:
    """The record has at least one value for ``field``."""

    field: str


Node = And | Or | Not | MatchAll | Term | Phrase | Wildcard | Interval | StrRange | Exists


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def fields_of(node: Node) -> set[str]:
    """Every field a query looks at."""
    return {n.field for n in walk(node) if hasattr(n, "field")}


def leaf_count(node: Node) -> int:
    """Terms, phrases, ranges and the like in a query (everything but AND/OR/NOT)."""
    return sum(1 for n in walk(node) if not isinstance(n, (And, Or, Not)))


def positive_words(node: Node, field: str = "_text") -> list[str]:
    """Tokens of ``field`` the query asks for outside any NOT (for ranking)."""
    out: list[str] = []

    def visit(n: Node) -> None:
        if isinstance(n, (And, Or)):
            for c in n.children:
                visit(c)
        elif isinstance(n, Term) and n.field == field:
            out.append(n.value)
        elif isinstance(n, Phrase) and n.field == field:
            out.extend(n.tokens)

    visit(node)
    return out
