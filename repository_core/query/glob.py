"""Wildcard matching without backtracking: ``*`` and ``?`` against one value.

The in-memory evaluator places every written record in its sets, under the
write lock, so its wildcard matching must not depend on the pattern's
shape: a regular expression such as ``.*a.*a.*a.*a.*a.*a.*c`` backtracks
for minutes on a 512-character value. Here the pattern is cut at each
``*`` into pieces (literal characters and ``?``); the first piece must
match at the start, the last at the end, and each piece in between at its
leftmost place after the previous one. Leftmost is always right for ``*``
patterns (a later place leaves less room for the rest, never more), so no
choice is ever undone: the work is at most the value's length times the
pattern's length, and ``str.find`` does it for pieces without ``?``.

What this module is not for: SQL (``LIKE`` on SQLite and PostgreSQL gives
up early in the same way) or Elasticsearch (its wildcard query is an
automaton).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .tree import ONE, STAR

__all__ = ["Steps", "glob_match"]

#: one piece of a pattern: characters, None standing for ``?``
Piece = tuple[str | None, ...]


@dataclass
class Steps:
    """Counts the characters compared (a test asserts the bound on it)."""

    count: int = field(default=0)


@lru_cache(maxsize=4096)
def _pieces(segments: tuple[tuple[str, str], ...]) -> tuple[Piece, ...]:
    pieces: list[list[str | None]] = [[]]
    for kind, text in segments:
        if kind == STAR:
            pieces.append([])
        elif kind == ONE:
            pieces[-1].append(None)
        else:
            pieces[-1].extend(text)
    return tuple(tuple(p) for p in pieces)


def _fits(piece: Piece, value: str, at: int, steps: Steps | None) -> bool:
    if steps is not None:
        steps.count += len(piece)
    return all(ch is None or value[at + i] == ch for i, ch in enumerate(piece))


def _find(piece: Piece, value: str, start: int, end: int, steps: Steps | None) -> int:
    """Leftmost place of ``piece`` in ``value[start:end]``, or -1."""
    if None not in piece:
        if steps is not None:
            steps.count += end - start
        return value.find("".join(piece), start, end)  # type: ignore[arg-type]
    for at in range(start, end - len(piece) + 1):
        if _fits(piece, value, at, steps):
            return at
    return -1


def glob_match(segments: Sequence[tuple[str, str]], value: str,
               steps: Steps | None = None) -> bool:
    """True when the whole ``value`` matches the wildcard ``segments`` (see :class:`.tree.Wildcard`)."""
    pieces = _pieces(tuple(segments))
    if len(pieces) == 1:
        return len(pieces[0]) == len(value) and _fits(pieces[0], value, 0, steps)
    first, last = pieces[0], pieces[-1]
    if len(first) + len(last) > len(value):
        return False
    end = len(value) - len(last)
    if not (_fits(first, value, 0, steps) and _fits(last, value, end, steps)):
        return False
    at = len(first)
    for piece in pieces[1:-1]:
        found = _find(piece, value, at, end, steps)
        if found < 0:
            return False
        at = found + len(piece)
    return True
