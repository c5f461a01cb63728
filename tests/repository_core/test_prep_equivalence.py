"""The cheaper normalisation and character check give what the plain walks gave.

``normalize_whitespace``, the record normalisation around it and
``_character_problems`` have fast paths for the common case (nothing to
change, nothing to report). The plain implementations they replaced are kept
here as the reference; the fast ones must agree with them on synthetic
records, on seeded mutations of them (whitespace, control characters,
surrogates, non-finite numbers, nulls, unusual types) and on generated trees.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.synthetic import generate
from repository_core.errors import Problem
from repository_core.metadata import importing, validation
from repository_core.metadata.importing import (
    normalize_datacite_json,
    normalize_metadata,
    normalize_whitespace,
    read_records,
)
from repository_core.metadata.validation import INVALID_XML_CHARACTERS, json_pointer

# -- the reference implementations (as they were before the fast paths) ---------------------

_SPACE_RUN = re.compile(r"[ \t\r\n]+")
_MAY_SQUISH = re.compile(r"[\t\r\n]|  |^ | $")
_AROUND_BREAK = re.compile(r"[ \t\r]*([\n\u2028])[ \t\r]*")
_SPACE_RUN_KEEP_BREAKS = re.compile(r"[ \t\r]+")


def reference_normalize_whitespace(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: reference_normalize_whitespace(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [reference_normalize_whitespace(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if key == "description":
        text = _AROUND_BREAK.sub(r"\1", value)
        return _SPACE_RUN_KEEP_BREAKS.sub(" ", text).strip(" \t\r\n")
    if not _MAY_SQUISH.search(value):
        return value
    return _SPACE_RUN.sub(" ", value).strip(" ")


def reference_copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: reference_copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reference_copy_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return copy.deepcopy(value)


def reference_drop_nulls(obj: dict[str, Any]) -> None:
    for key in [k for k, v in obj.items() if v is None]:
        del obj[key]


def reference_character_problems(value: Any, path: list[Any]) -> Iterator[Problem]:
    if isinstance(value, str):
        match = INVALID_XML_CHARACTERS.search(value)
        if match:
            yield Problem(
                json_pointer(path),
                f"contains U+{ord(match.group()):04X} at position {match.start()}, "
                "a character XML 1.0 does not allow",
            )
    elif isinstance(value, float) and not math.isfinite(value):
        yield Problem(json_pointer(path), f"{value!r} is not a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and INVALID_XML_CHARACTERS.search(key):
                yield Problem(json_pointer([*path, key]),
                              "property name contains a character XML 1.0 does not allow")
            yield from reference_character_problems(item, [*path, key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from reference_character_problems(item, [*path, i])


def _reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the importer's record normalisation the one before the fast paths."""
    monkeypatch.setattr(importing, "_squished", reference_normalize_whitespace)
    monkeypatch.setattr(importing, "_copy_json", reference_copy_json)
    monkeypatch.setattr(importing, "_drop_nulls", reference_drop_nulls)


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """The result, or the error's type and text (a refusal must be the same refusal)."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - what is raised is part of what is compared
        return ("error", type(exc).__name__, str(exc))


# -- inputs ------------------------------------------------------------------------------

#: bits of text the fast paths must notice (or rightly ignore)
PIECES = [" ", "  ", "\t", "\n", "\r", "\r\n", "\u2028", " \u2028 ", " \n", "\n ", "\xa0",
          "\x0b", "\x0c", "\x00", "\x1f", "\x7f", "\ud800", "\udfff", "\ufffe", "\uffff",
          "\ufffd", "\U0001f600", "\\", '"', '\\"', "\\n", "\\u0000", "NaN", "Infinity",
          "é", "日本", "a", "b", "x y", "/"]


def _mutated_text(rng: random.Random, text: str) -> str:
    where = rng.choice(["start", "end", "middle", "both", "replace"])
    piece = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
    if where == "start":
        return piece + text
    if where == "end":
        return text + piece
    if where == "both":
        return piece + text + piece
    if where == "replace":
        return piece
    cut = rng.randint(0, len(text))
    return text[:cut] + piece + text[cut:]


def _places(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """(container, key or index) of every value in the tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((value, key))
            _places(item, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.append((value, i))
            _places(item, out)
    return out


class Text(str):
    """A string of another type (the fast paths leave such values to the plain walk)."""


def mutate(rng: random.Random, metadata: dict[str, Any], count: int) -> dict[str, Any]:
    """A copy of ``metadata`` with ``count`` seeded changes."""
    md = copy.deepcopy(metadata)
    for _ in range(count):
        places = _places(md, [])
        if not places:
            break
        container, key = rng.choice(places)
        value = container[key]
        kind = rng.random()
        if isinstance(value, str) and kind < 0.6:
            container[key] = _mutated_text(rng, value)
        elif kind < 0.65:
            container[key] = None
        elif kind < 0.7:
            container[key] = rng.choice([math.nan, math.inf, -math.inf, 1.5, 0, True, 10**30])
        elif kind < 0.74:
            container[key] = (Text(_mutated_text(rng, value)) if isinstance(value, str)
                              else ("a\x00", " b "))
        elif kind < 0.78 and isinstance(value, dict):
            container[key] = OrderedDict(value)
        elif kind < 0.82 and isinstance(container, dict):
            container[_mutated_text(rng, str(key))] = rng.choice(["v", " v ", "v\x01", None])
        elif kind < 0.85 and isinstance(container, dict):
            container[rng.choice([1, 2.5, None])] = " x  y "
        elif kind < 0.9:
            container[key] = {"description": _mutated_text(rng, "a  b\nc"),
                              "descriptionType": " Abstract "}
        elif kind < 0.95:
            container[key] = [_mutated_text(rng, "text"), [" nested \t"], {}]
        elif isinstance(value, str):
            container[key] = value.replace(" ", rng.choice(["  ", "\t", " \u2028", "\n"]))
    return md


def typed(value: Any) -> Any:
    """``value`` with the type of every container and string spelled out (``==``
    says an ``OrderedDict`` equals a ``dict``, a ``str`` subclass its text)."""
    if isinstance(value, dict):
        return (type(value).__name__, [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def _synthetic(count: int, seed: int) -> list[dict[str, Any]]:
    return [r["metadata"] for r in generate(count, seed=seed)]


# -- normalisation --------------------------------------------------------------------------

def test_whitespace_of_synthetic_and_mutated_records() -> None:
    rng = random.Random(11)
    for md in _synthetic(150, seed=4):
        for count in (0, 1, 3, 8):
            value = mutate(rng, md, count)
            expected = typed(reference_normalize_whitespace(value))
            assert typed(normalize_whitespace(value)) == expected
            assert typed(importing._squished(reference_copy_json(value))) == expected


def test_values_of_other_types_are_left_to_the_plain_walk() -> None:
    md = {"a": Text(" x  y "), "b": OrderedDict(c="y"), "c": [Text("ok"), ("  t ",)],
          "description": Text(" d ")}
    expected = reference_normalize_whitespace(md)
    assert typed(importing._squished(reference_copy_json(md))) == typed(expected)
    assert typed(normalize_whitespace(md)) == typed(expected)
    assert expected["a"] == "x y" and type(expected["b"]) is dict


def test_each_piece_in_each_place() -> None:
    for key in ("description", "title", ""):
        for a in PIECES:
            for b in PIECES:
                for text in (a, a + b, a + "x" + b, "x" + a + b + "y", a + "x y" + b, b + a):
                    for value in (text, [text], {key: text}, {key: [text, {"k": text}]}):
                        assert normalize_whitespace(value, key) == \
                            reference_normalize_whitespace(value, key), (key, text)
                        if isinstance(value, dict):
                            assert importing._squished(reference_copy_json(value)) == \
                                reference_normalize_whitespace(value), (key, text)


_TEXT = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
_KEYS = st.sampled_from(["description", "title", "name", "descriptions", "a b", " k"])
_TREES = st.recursive(
    st.one_of(_TEXT, st.none(), st.integers(), st.floats(), st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _TREES, max_size=5), _KEYS)
def test_generated_trees(tree: dict[str, Any], key: str) -> None:
    assert normalize_whitespace(tree, key) == reference_normalize_whitespace(tree, key)
    assert importing._squished(reference_copy_json(tree)) == reference_normalize_whitespace(tree)
    assert list(validation._character_problems(tree, ["x"])) == \
        list(reference_character_problems(tree, ["x"]))


def test_normalisation_of_records_is_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    inputs = []
    for md in _synthetic(120, seed=9):
        inputs.append(md)
        inputs.extend(mutate(rng, md, count) for count in (1, 2, 5))
    actual = [(_outcome(normalize_metadata, md), _outcome(normalize_datacite_json, md))
              for md in inputs]
    with monkeypatch.context() as patch:
        _reference(patch)
        expected = [(_outcome(normalize_metadata, md), _outcome(normalize_datacite_json, md))
                    for md in inputs]
    assert actual == expected
    assert sum(a[0][0] == "ok" for a in actual) > len(inputs) // 2


def test_second_pass_changes_nothing_and_shares_nothing() -> None:
    for md in _synthetic(100, seed=2):
        first = normalize_metadata(md)
        second = normalize_metadata(first)
        assert second == first
        shared = {id(c) for c, _ in _places(second, [])} & {id(c) for c, _ in _places(first, [])}
        assert not shared and second is not first


def test_read_records_is_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(8)
    lines = []
    for r in generate(80, seed=6):
        lines.append(json.dumps(r).encode())
        mutated = {**r, "metadata": mutate(rng, r["metadata"], 4)}
        try:
            lines.append(json.dumps(mutated).encode())
        except (TypeError, ValueError):
            pass  # keys JSON cannot write
    actual = [_outcome(read_records, line) for line in lines]
    with monkeypatch.context() as patch:
        _reference(patch)
        expected = [_outcome(read_records, line) for line in lines]
    assert actual == expected


# -- characters XML cannot carry -----------------------------------------------------------

def test_character_problems_of_synthetic_and_mutated_records() -> None:
    rng = random.Random(3)
    found = 0
    for md in _synthetic(150, seed=12):
        for count in (0, 1, 2, 6):
            value = mutate(rng, md, count)
            expected = list(reference_character_problems(value, []))
            assert list(validation._character_problems(value, [])) == expected
            found += bool(expected)
    assert found > 50  # the mutations do make problems


@pytest.mark.parametrize("value", [
    "ok", "\x00", "a\ud800b", ["\ufffe", "ok", "\x1f"], {"k\x0b": "v", "x": [1.5, math.nan]},
    {1: "\x00", None: "a"}, ("\x00",), {"a": ("\x00",)}, Text("\x02"), {"a": Text("ok\x01")},
    OrderedDict(a="\x08"), {"a": OrderedDict(b=["\x0c"])}, math.inf, -math.inf, 10**40,
    {"a": {"b": {"c": [[["\ud83d"]]]}}}, {"\U0001f600": "\U0001f600"}, {"a": "x\ty\n\r"},
    {"a": b"\x00"}, {"a": {1, 2}}, {"a": "\u2028\xa0"}, [], {}, None, True,
])
def test_character_problems_at_the_edges(value: Any) -> None:
    for path in ([], ["metadata", 3]):
        assert list(validation._character_problems(value, path)) == \
            list(reference_character_problems(value, path))


def test_deep_nesting_is_reported_as_before() -> None:
    deep: Any = "\x00"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(RecursionError):
        list(reference_character_problems(deep, []))
    with pytest.raises(RecursionError):
        list(validation._character_problems(deep, []))
