"""Query strings in, query trees out: the Lucene query-string syntax.

``parse_query(text)`` accepts what Invenio OAI set definitions and the
Elasticsearch ``query_string`` query accept, minus scoring-only features:
``field:value``, ``field:"a phrase"``, ``AND``/``OR``/``NOT``/``-``/``+``,
parentheses, ``field:(a OR b)``, wildcards ``*`` ``?``, ranges
``[a TO b]`` ``{a TO b}`` and ``>=``/``>``/``<=``/``<``, ``_exists_:field``,
``*`` (everything) and bare terms (full text, field ``_text``).

Decisions, in one place:

* Juxtaposition (``a b``) means AND; ``+x`` is ``x``; ``-x`` is ``NOT x``.
* ``field:*`` is ``_exists_:field``; a lone ``*`` (or ``*:*``) matches all.
* A boost (``^2``) is accepted and ignored (it only changes scores).
* Fuzzy (``~``), proximity (``"a b"~2``) and regular expressions
  (``/re/``) are refused: the SQL evaluator cannot do them exactly.
* The size of a query is bounded (:mod:`.limits`): nesting depth, number
  of clauses, words in a phrase, wildcard terms. Beyond a limit the query
  is refused with :class:`~repository_core.errors.QueryTooComplex`, which
  names the limit and its value.
* Unknown fields, syntax errors, wildcards on number/date fields, leading
  wildcards on text fields and values that cannot be read for their field
  raise :class:`~repository_core.errors.InvalidQuery` with a 0-based
  ``position`` into the query text, when the query is parsed.

Semantics of each leaf are in :mod:`.fields`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from luqum import tree as lq
from luqum.exceptions import IllegalCharacterError, ParseError
from luqum.thread import parse as luqum_parse

from ..errors import InvalidQuery
from .fields import (
    FIELDS,
    FULL_TEXT,
    KEYWORD_MAX,
    Field,
    date_interval,
    normalise,
    number_interval,
    tokens,
)
from .limits import DEFAULT_LIMITS, QueryLimits, check_tree, scan
from .tree import (
    ONE,
    STAR,
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

__all__ = ["MAX_QUERY_LENGTH", "parse_query"]

MAX_QUERY_LENGTH = 10_000
_POSITION = re.compile(r"position (\d+)")
_WORDISH = re.compile(r"^\w+$")


def parse_query(text: str, *, for_sets: bool = False,
                limits: QueryLimits = DEFAULT_LIMITS) -> Node:
    """Parse a query string; ``for_sets`` refuses fields a set may not use.

    A query beyond ``limits`` raises
    :class:`~repository_core.errors.QueryTooComplex` before any recursive
    walk of its tree.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidQuery("the query is empty", query=text or "", position=0)
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(f"the query is longer than {MAX_QUERY_LENGTH} characters",
                           query=text, position=MAX_QUERY_LENGTH)
    scan(text, limits)
    try:
        syntax = luqum_parse(text)
    except IllegalCharacterError as exc:
        raise InvalidQuery(f"syntax error: {exc}", query=text, position=_where(exc, text))
    except ParseError as exc:
        message = str(exc).replace("Syntax error in input : ", "").rstrip("!")
        raise InvalidQuery(f"syntax error: {message}", query=text, position=_where(exc, text))
    check_tree(syntax, text, limits)
    return _Converter(text, for_sets, limits).convert(syntax, None)


def _where(exc: Exception, text: str) -> int:
    match = _POSITION.search(str(exc))
    return int(match.group(1)) if match else len(text)


class _Converter:
    def __init__(self, text: str, for_sets: bool, limits: QueryLimits):
        self.text = text
        self.for_sets = for_sets
        self.limits = limits
        self.wildcards = 0

    def fail(self, message: str, item: Any) -> InvalidQuery:
        pos = getattr(item, "pos", None)
        where = f" (at position {pos})" if pos is not None else ""
        return InvalidQuery(message + where, query=self.text, position=pos)

    def field(self, name: str, item: Any) -> Field:
        field = FIELDS.get(name)
        if field is None:
            return self._unknown(name, item)
        if self.for_sets and not field.sets:
            raise self.fail(f"field {name!r} cannot be used in a set query "
                            "(it changes on every write)", item)
        return field

    def _unknown(self, name: str, item: Any) -> Field:
        raise self.fail(f"unknown field {name!r}", item)

    # -- structure ---------------------------------------------------------
    def convert(self, item: Any, field: Field | None) -> Node:
        if isinstance(item, (lq.AndOperation, lq.UnknownOperation)):
            return And(tuple(self.convert(c, field) for c in item.children))
        if isinstance(item, lq.OrOperation):
            return Or(tuple(self.convert(c, field) for c in item.children))
        if isinstance(item, (lq.Not, lq.Prohibit)):
            return Not(self.convert(item.a, field))
        if isinstance(item, lq.Plus):
            return self.convert(item.a, field)
        if isinstance(item, (lq.Group, lq.FieldGroup)):
            return self.convert(item.expr, field)
        if isinstance(item, lq.Boost):
            return self.convert(item.expr, field)
        if isinstance(item, lq.SearchField):
            return self.search_field(item, field)
        if isinstance(item, lq.Fuzzy):
            raise self.fail("fuzzy search (~) is not supported", item)
        if isinstance(item, lq.Proximity):
            raise self.fail("proximity search (\"...\"~n) is not supported", item)
        if isinstance(item, lq.Regex):
            raise self.fail("regular expressions (/.../) are not supported", item)
        if isinstance(item, lq.Range):
            return self.range(item, field)
        if isinstance(item, (lq.From, lq.To)):
            return self.open_range(item, field)
        if isinstance(item, lq.Phrase):
            return self.phrase(item, field)
        if isinstance(item, lq.Word):
            return self.word(item, field)
        raise self.fail(f"unsupported query element {type(item).__name__}", item)

    def search_field(self, item: lq.SearchField, outer: Field | None) -> Node:
        if outer is not None:
            raise self.fail(f"field {item.name!r} inside the field group of "
                            f"{outer.name!r}", item)
        if item.name == "_exists_":
            expr = item.expr
            if not isinstance(expr, lq.Word) or expr.has_wildcard():
                raise self.fail("_exists_ takes one field name", item)
            return Exists(self.field(expr.unescaped_value, expr).name)
        if item.name == "*":
            if isinstance(item.expr, lq.Word) and item.expr.value == "*":
                return MatchAll()
            raise self.fail("'*' as a field name only goes with '*' (*:*)", item)
        name = lq.Term.WORD_ESCAPED_CHARS.sub(r"\1", item.name)
        return self.convert(item.expr, self.field(name, item))

    # -- leaves --------------------------------------------------------------
    def word(self, item: lq.Word, field: Field | None) -> Node:
        raw = item.value
        if raw == "*":
            return MatchAll() if field is None else Exists(field.name)
        field = field or FIELDS[FULL_TEXT]
        segments = self.segments(raw)
        if any(kind != "lit" for kind, _ in segments):
            return self.wildcard(item, field, segments)
        return self.value(item, field, "".join(text for _, text in segments))

    def phrase(self, item: lq.Phrase, field: Field | None) -> Node:
        field = field or FIELDS[FULL_TEXT]
        inner = item.value[1:-1]
        return self.value(item, field, re.sub(r"\\(.)", r"\1", inner))

    def value(self, item: Any, field: Field, text: str) -> Node:
        if field.type == "keyword":
            value = normalise(text)
            if not value:
                raise self.fail(f"empty value for field {field.name!r}", item)
            return Term(field.name, value[:KEYWORD_MAX])
        if field.type == "text":
            toks = tokens(text)
            if not toks:
                raise self.fail(f"{text!r} has no letters or digits to search "
                                f"in {field.name!r}", item)
            if len(toks) > self.limits.max_phrase_words:
                raise self.limits.too_complex("max_phrase_words", len(toks), self.text,
                                              getattr(item, "pos", None))
            return Term(field.name, toks[0]) if len(toks) == 1 else Phrase(field.name, toks)
        lo, hi = self.interval(item, field, text)
        return Interval(field.name, lo, hi)

    def interval(self, item: Any, field: Field, text: str) -> tuple[int, int]:
        if field.type == "number":
            found = number_interval(text)
            kind = "an integer"
        else:
            found = date_interval(text)
            kind = "an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, or a date and time)"
        if found is None:
            raise self.fail(f"{field.name!r} needs {kind}, not {text!r}", item)
        return found

    @staticmethod
    def segments(raw: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        literal: list[str] = []
        chars = iter(raw)
        for ch in chars:
            if ch == "\\":
                literal.append(next(chars, ""))
            elif ch in "*?":
                if literal:
                    out.append(("lit", "".join(literal)))
                    literal = []
                out.append((STAR if ch == "*" else ONE, ch))
            else:
                literal.append(ch)
        if literal:
            out.append(("lit", "".join(literal)))
        return out

    def wildcard(self, item: lq.Word, field: Field, segments: list[tuple[str, str]]) -> Node:
        if field.type in ("number", "date"):
            raise self.fail(f"wildcards do not apply to the {field.type} field "
                            f"{field.name!r}; use a range", item)
        self.wildcards += 1
        if self.wildcards > self.limits.max_wildcards:
            raise self.limits.too_complex("max_wildcards", self.wildcards, self.text,
                                          getattr(item, "pos", None))
        if field.large and segments[0][0] != "lit":
            raise self.fail(f"a leading wildcard is not allowed on the text field "
                            f"{field.name!r}", item)
        cleaned: list[tuple[str, str]] = []
        for kind, text in segments:
            if kind == "lit":
                text = _fold(text)
                if field.type == "text" and not _WORDISH.match(text):
                    raise self.fail(f"a wildcard on the text field {field.name!r} matches "
                                    "one word: use only letters and digits", item)
                if not text:
                    continue
            elif kind == STAR and cleaned and cleaned[-1][0] == STAR:
                continue  # ** is *
            cleaned.append((kind, text))
        return Wildcard(field.name, tuple(cleaned))

    # -- ranges ----------------------------------------------------------------
    def bound(self, item: Any, field: Field, side: int) -> int | str | None:
        if not isinstance(item, (lq.Word, lq.Phrase)):
            raise self.fail("a range bound is a single value", item)
        if isinstance(item, lq.Word) and item.value == "*":
            return None
        text = item.unescaped_value if isinstance(item, lq.Word) else item.value[1:-1]
        if field.type in ("number", "date"):
            return self.interval(item, field, text)[side]
        return normalise(text)

    def range(self, item: lq.Range, field: Field | None) -> Node:
        if field is None:
            raise self.fail("a range needs a field (field:[a TO b])", item)
        return self.make_range(item, field, item.low, item.high,
                               bool(item.include_low), bool(item.include_high))

    def open_range(self, item: Any, field: Field | None) -> Node:
        if field is None:
            raise self.fail("a comparison needs a field (field:>=value)", item)
        if isinstance(item, lq.From):
            return self.make_range(item, field, item.a, None, bool(item.include), False)
        return self.make_range(item, field, None, item.a, False, bool(item.include))

    def make_range(self, item: Any, field: Field, low: Any, high: Any,
                   include_low: bool, include_high: bool) -> Node:
        if field.type in ("number", "date"):
            # inclusive low: from the start of its interval; exclusive: after its end
            gte = None if low is None else self.bound(low, field, 0 if include_low else 1)
            lt = None if high is None else self.bound(high, field, 1 if include_high else 0)
            if gte is None and lt is None:
                return Exists(field.name)
            return Interval(field.name, gte, lt)  # type: ignore[arg-type]
        lower = None if low is None else self.bound(low, field, 0)
        upper = None if high is None else self.bound(high, field, 0)
        if lower is None and upper is None:
            return Exists(field.name)
        return StrRange(field.name, lower, upper, include_low, include_high)  # type: ignore[arg-type]


def _fold(text: str) -> str:
    """A literal piece of a wildcard pattern: like :func:`normalise`, not trimmed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return re.sub(r"\s+", " ", folded)
