"""The compiled schema check is never looser than ``jsonschema``.

``validate_metadata`` skips ``jsonschema`` when the compiled check (the same
schema said in draft 7, ``fastjsonschema``) passes; so whatever the compiled
check passes, ``jsonschema`` must pass too. Shown on the synthetic records,
on DataCite's examples, and on thousands of seeded mutations of them (every
JSON type put at every kind of place, keys dropped and added, list items
repeated, polygons cut short).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest

from fixtures.synthetic import generate
from repository_core.metadata.importing import normalize_metadata
from repository_core.metadata.validation import _validator, schema_valid_fast, validate_metadata
from tests.examples import EXAMPLES, example_metadata

REPLACEMENTS: list[Any] = [None, True, False, 0, 7, -1.5, 1e300, "", " ", "x", "2024", "Dataset",
                           [], ["x"], [{}], {}, {"x": 1}, {"name": ""}]


def _jsonschema_errors(metadata: Any) -> list[Any]:
    return list(_validator().iter_errors(metadata))


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def _mutations(metadata: dict[str, Any], rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    places = [p for p in _places(metadata) if p]
    for _ in range(count):
        mutated = copy.deepcopy(metadata)
        path = rng.choice(places)
        parent = _parent(mutated, path)
        kind = rng.randrange(5)
        if kind == 0:
            parent[path[-1]] = copy.deepcopy(rng.choice(REPLACEMENTS))
        elif kind == 1:
            del parent[path[-1]]
        elif kind == 2 and isinstance(parent, dict):
            parent[rng.choice(["extra", "lang", "nameType", "schemeUri", "number"])] = (
                copy.deepcopy(rng.choice(REPLACEMENTS)))
        elif kind == 3 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))  # a repeated item
        else:
            target = parent[path[-1]]
            if isinstance(target, list) and target:
                del target[rng.randrange(len(target)):]
            else:
                parent[path[-1]] = [copy.deepcopy(target)]
        yield mutated


def _originals() -> list[dict[str, Any]]:
    records = [normalize_metadata(r["metadata"]) for r in generate(60, seed=11)]
    records += [normalize_metadata(example_metadata(name)) for name in EXAMPLES]
    return records


def test_the_compiled_check_passes_valid_records() -> None:
    """Otherwise it would be no faster (every record would meet ``jsonschema`` too)."""
    originals = [m for m in _originals() if not _jsonschema_errors(m)]
    assert len(originals) > 60
    assert all(schema_valid_fast(m) for m in originals)


@pytest.mark.parametrize("seed", range(4))
def test_what_the_compiled_check_passes_jsonschema_passes(seed: int) -> None:
    rng = random.Random(seed)
    passed = refused = 0
    for original in _originals()[seed::4]:
        for mutated in _mutations(original, rng, 40):
            if schema_valid_fast(mutated):
                assert _jsonschema_errors(mutated) == [], mutated
                passed += 1
            else:
                refused += 1
    assert passed and refused  # both sides were exercised


def test_a_polygon_of_three_points_is_refused_with_its_pointer() -> None:
    metadata = normalize_metadata(next(iter(generate(1, seed=3)))["metadata"])
    point = {"pointLongitude": 1.0, "pointLatitude": 2.0}
    metadata["geoLocations"] = [{"geoLocationPolygon": [{"polygonPoint": point}] * 3}]
    assert not schema_valid_fast(metadata)
    pointers = [p.pointer for p in validate_metadata(metadata, check_identifiers=False)]
    assert "/geoLocations/0/geoLocationPolygon" in pointers
