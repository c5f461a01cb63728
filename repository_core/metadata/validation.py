"""Validating record metadata: every problem, each located by a JSON pointer.

Three layers, all run on every call (nothing stops at the first error):

1. the JSON Schema of :mod:`.schema` (``jsonschema``, all errors). Most
   records are valid, and listing errors with ``jsonschema`` costs about a
   millisecond a record even when there are none, so a compiled check
   (``fastjsonschema``, of the same schema said in draft 7) runs first and
   ``jsonschema`` only when it finds something. The compiled check is never
   looser: what draft 7 cannot say (``minContains``) is checked by hand, and
   anything it refuses that ``jsonschema`` accepts costs only time;
2. rules JSON Schema cannot state: ``inPolygonPoint`` comes last in a
   polygon, ``doi`` agrees with ``prefix``/``suffix``, numbers are finite;
3. identifier checks with ``idutils``: ORCID (with checksum), ROR, ISNI for
   name, affiliation, publisher and funder identifiers; DOI syntax for
   ``doi``, Crossref Funder IDs and DOI-typed related/alternate identifiers;
   URL syntax where the type is ``URL``. Bare ids and their URL forms are both
   accepted, as DataCite does, and surrounding whitespace (common in
   pretty-printed XML) is ignored;
4. characters XML 1.0 does not allow (C0 controls except tab, LF, CR; lone
   surrogates; U+FFFE, U+FFFF) anywhere in a string, since the record could
   not be serialised as XML later.

Not checked (the kernel XSD does not constrain them either): the syntax of
``dates[].date``, identifiers of other types (ISBN, ISSN, arXiv ...), and
whether ``*Uri`` values are absolute URIs.

Not for: reading XML or JSON input (:mod:`.importing`), or serialising.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

import fastjsonschema
import idutils
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..errors import InvalidRecord, Problem
from .schema import LANGUAGE_PATTERN, metadata_schema

__all__ = ["INVALID_XML_CHARACTERS", "check_metadata", "json_pointer", "validate_metadata"]

#: Characters that may not appear in an XML 1.0 document, even escaped.
INVALID_XML_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def json_pointer(path: Any) -> str:
    """RFC 6901 pointer for a sequence of keys and indexes (``[]`` -> ``""``)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


@cache
def _validator() -> Draft202012Validator:
    schema = metadata_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _as_draft7(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """The metadata schema as draft 7 says it, for the compiled check.

    ``dependentRequired`` is draft 7's ``dependencies`` (lists of names);
    ``minContains`` has no equivalent and is left to :func:`_polygons_complete`;
    ``format`` goes (``jsonschema`` does not assert it either). Each ``$ref``
    is replaced by its definition (the schema is not recursive): the compiled
    code then calls no function per reference, which halves its time.
    """
    if defs is None:
        defs = schema.get("$defs", {})
    if isinstance(schema, list):
        return [_as_draft7(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if set(schema) == {"$ref"}:
        return _as_draft7(defs[schema["$ref"].removeprefix("#/$defs/")], defs)
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("format", "$id", "$defs", "minContains"):
            continue
        if key == "$schema":
            converted[key] = "http://json-schema.org/draft-07/schema#"
        elif key == "dependentRequired":
            converted["dependencies"] = value
        elif key == "properties":
            converted[key] = {name: _as_draft7(sub, defs) for name, sub in value.items()}
        else:
            converted[key] = _as_draft7(value, defs)
    return converted


@cache
def _compiled_check() -> Callable[[Any], Any]:
    return fastjsonschema.compile(_as_draft7(metadata_schema()))


#: the schema's ``minContains`` (a polygon has at least four ``polygonPoint`` entries)
POLYGON_POINTS = 4


def _polygons_complete(metadata: dict[str, Any]) -> bool:
    locations = metadata.get("geoLocations")
    if not isinstance(locations, list):
        return True
    for location in locations:
        polygons = location.get("geoLocationPolygon") if isinstance(location, dict) else None
        if polygons is None:
            continue
        if not isinstance(polygons, list) or sum(
            1 for point in polygons if isinstance(point, dict) and "polygonPoint" in point
        ) < POLYGON_POINTS:
            return False
    return True


def schema_valid_fast(metadata: dict[str, Any]) -> bool:
    """True only if ``metadata`` is valid against the schema (False: maybe not)."""
    try:
        _compiled_check()(metadata)
    except fastjsonschema.JsonSchemaException:
        return False
    return _polygons_complete(metadata)


def validate_metadata(metadata: Any, *, check_identifiers: bool = True) -> list[Problem]:
    """Every problem of ``metadata`` (a DataCite JSON dict), in document order.

    An empty list means the metadata is valid, and that
    ``serializers.datacite_xml`` produces XSD-valid XML from it (given a DOI).
    ``check_identifiers=False`` skips the ``idutils`` checks (for legacy data
    whose identifiers are known to be fake, such as two of DataCite's own
    kernel-4 examples).
    """
    if not isinstance(metadata, dict):
        return [Problem("", f"metadata must be a JSON object, not {_json_type(metadata)}")]
    problems: list[Problem] = []
    seen: set[Problem] = set()

    def add(problem: Problem) -> None:
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)

    if not schema_valid_fast(metadata):
        for error in sorted(_validator().iter_errors(metadata), key=_error_sort_key):
            for problem in _schema_problems(error):
                add(problem)
    for problem in _rule_problems(metadata):
        add(problem)
    if check_identifiers:
        for problem in _identifier_problems(metadata):
            add(problem)
    for problem in _character_problems(metadata, []):
        add(problem)
    return problems


def check_metadata(metadata: Any, *, check_identifiers: bool = True) -> None:
    """Raise :class:`InvalidRecord` with every problem, if there is any."""
    problems = validate_metadata(metadata, check_identifiers=check_identifiers)
    if problems:
        raise InvalidRecord(problems)


# -- JSON Schema errors -> problems ---------------------------------------------------------


def _error_sort_key(error: ValidationError) -> tuple[str, str]:
    return (json_pointer(error.absolute_path), error.validator or "")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_PATTERN_MESSAGES = {
    "^[0-9]{4}$": "must be a four-digit year (YYYY)",
    LANGUAGE_PATTERN: "must be a language tag (xs:language, e.g. 'en' or 'de-CH')",
    r"^$|" + LANGUAGE_PATTERN: "must be a language tag (xs:language, e.g. 'en' or 'de-CH')",
    r"^10[.][0-9]{4,9}/\S+$": "must be a DOI name like 10.1234/abc (no https://doi.org/ prefix)",
    r"^10[.][0-9]{4,9}$": "must be a DOI prefix like 10.1234",
    r"^\S+$": "must not be empty or contain whitespace",
}


def _schema_problems(error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    here = json_pointer(path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield Problem(json_pointer([*path, name]), "is required")
    elif kind == "dependentRequired":
        for trigger, needed in value.items():
            if isinstance(instance, dict) and trigger in instance:
                for name in needed:
                    if name not in instance:
                        yield Problem(json_pointer([*path, name]), f"is required when {trigger!r} is given")
    elif kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        for name in instance:
            if name not in allowed:
                yield Problem(
                    json_pointer([*path, name]),
                    f"unknown property; allowed here: {', '.join(sorted(allowed))}",
                )
    elif kind == "enum":
        shown = ", ".join(value) if len(value) <= 12 else ", ".join(value[:12]) + ", ..."
        field = path[-1] if path and isinstance(path[-1], str) else "value"
        yield Problem(here, f"{instance!r} is not a valid {field} (DataCite kernel 4.7: {shown})")
    elif kind == "type":
        yield Problem(here, f"must be {_a(value)}, not {_json_type(instance)}")
    elif kind == "pattern":
        yield Problem(here, f"{instance!r} {_PATTERN_MESSAGES.get(value, f'must match {value}')}")
    elif kind == "minLength":
        yield Problem(here, "must not be empty")
    elif kind == "minItems":
        yield Problem(here, f"needs at least {value} item{'s' if value != 1 else ''}")
    elif kind == "uniqueItems":
        yield Problem(here, "has duplicate items")
    elif kind in ("minimum", "maximum"):
        yield Problem(here, f"{instance!r} is out of range ({'at least' if kind == 'minimum' else 'at most'} {value})")
    elif kind in ("contains", "minContains"):
        yield Problem(here, "a polygon needs at least 4 polygonPoint entries")
    elif kind in ("minProperties", "maxProperties"):
        yield Problem(here, "each entry holds exactly one of polygonPoint, inPolygonPoint")
    elif kind == "const":
        yield Problem(here, f"must be {value!r}")
    else:
        yield Problem(here, error.message)


def _a(type_name: Any) -> str:
    names = {"object": "an object", "array": "an array", "string": "a string", "number": "a number"}
    return names.get(type_name, str(type_name))


# -- rules JSON Schema cannot state ---------------------------------------------------------


def _rule_problems(metadata: dict[str, Any]) -> Iterator[Problem]:
    doi, prefix, suffix = metadata.get("doi"), metadata.get("prefix"), metadata.get("suffix")
    if isinstance(doi, str) and isinstance(prefix, str) and not doi.startswith(prefix + "/"):
        yield Problem("/prefix", f"does not match the DOI {doi!r}")
    if isinstance(doi, str) and isinstance(suffix, str) and not doi.endswith("/" + suffix):
        yield Problem("/suffix", f"does not match the DOI {doi!r}")
    for i, location in _items(metadata, "geoLocations"):
        polygon = location.get("geoLocationPolygon")
        if not isinstance(polygon, list):
            continue
        for j, entry in enumerate(polygon):
            if isinstance(entry, dict) and "inPolygonPoint" in entry and j != len(polygon) - 1:
                yield Problem(
                    f"/geoLocations/{i}/geoLocationPolygon/{j}/inPolygonPoint",
                    "must be the last entry of the polygon (at most one)",
                )


def _items(parent: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    values = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(values, list):
        for i, value in enumerate(values):
            if isinstance(value, dict):
                yield i, value


# -- identifiers ------------------------------------------------------------------------------

def _is_doi(value: str) -> bool:
    return bool(idutils.is_doi(value))


_SCHEME_CHECKS: dict[str, tuple[Callable[[str], Any], str]] = {
    "orcid": (idutils.is_orcid, "is not a valid ORCID iD (format or checksum)"),
    "ror": (idutils.is_ror, "is not a valid ROR id"),
    "isni": (idutils.is_isni, "is not a valid ISNI (format or checksum)"),
    "doi": (_is_doi, "is not a valid DOI"),
    "crossref funder id": (_is_doi, "is not a valid Crossref Funder ID (a DOI 10.13039/...)"),
    "url": (idutils.is_url, "is not a valid URL"),
}


def _check(pointer: str, value: Any, scheme: Any) -> Iterator[Problem]:
    if not isinstance(value, str) or not isinstance(scheme, str):
        return
    check = _SCHEME_CHECKS.get(scheme.strip().lower())
    if check is None:
        return
    function, message = check
    candidate = value.strip()
    try:
        ok = bool(candidate) and bool(function(candidate))
    except Exception:  # noqa: BLE001 -- idutils raises on some odd inputs; that is a "no"
        ok = False
    if not ok:
        yield Problem(pointer, f"{value!r} {message}")


def _identifier_problems(md: dict[str, Any]) -> Iterator[Problem]:
    doi = md.get("doi")
    if isinstance(doi, str) and re.fullmatch(r"10[.][0-9]{4,9}/\S+", doi):
        yield from _check("/doi", doi, "DOI")
    for key in ("creators", "contributors"):
        for i, person in _items(md, key):
            for j, ident in _items(person, "nameIdentifiers"):
                yield from _check(
                    f"/{key}/{i}/nameIdentifiers/{j}/nameIdentifier",
                    ident.get("nameIdentifier"),
                    ident.get("nameIdentifierScheme"),
                )
            for j, aff in _items(person, "affiliation"):
                if "affiliationIdentifier" in aff:
                    yield from _check(
                        f"/{key}/{i}/affiliation/{j}/affiliationIdentifier",
                        aff.get("affiliationIdentifier"),
                        aff.get("affiliationIdentifierScheme"),
                    )
    publisher = md.get("publisher")
    if isinstance(publisher, dict) and "publisherIdentifier" in publisher:
        yield from _check(
            "/publisher/publisherIdentifier",
            publisher.get("publisherIdentifier"),
            publisher.get("publisherIdentifierScheme"),
        )
    for i, alt in _items(md, "alternateIdentifiers"):
        yield from _check(
            f"/alternateIdentifiers/{i}/alternateIdentifier",
            alt.get("alternateIdentifier"),
            alt.get("alternateIdentifierType"),
        )
    for i, rel in _items(md, "relatedIdentifiers"):
        yield from _check(
            f"/relatedIdentifiers/{i}/relatedIdentifier",
            rel.get("relatedIdentifier"),
            rel.get("relatedIdentifierType"),
        )
    for i, item in _items(md, "relatedItems"):
        item_ident = item.get("relatedItemIdentifier")
        if isinstance(item_ident, dict):
            yield from _check(
                f"/relatedItems/{i}/relatedItemIdentifier/relatedItemIdentifier",
                item_ident.get("relatedItemIdentifier"),
                item_ident.get("relatedItemIdentifierType"),
            )
    for i, funding in _items(md, "fundingReferences"):
        if "funderIdentifier" in funding and funding.get("funderIdentifier"):
            yield from _check(
                f"/fundingReferences/{i}/funderIdentifier",
                funding.get("funderIdentifier"),
                funding.get("funderIdentifierType"),
            )


# -- characters and numbers -------------------------------------------------------------------


def _character_problems(value: Any, path: list[Any]) -> Iterator[Problem]:
    """Strings and property names XML 1.0 cannot carry, and non-finite numbers.

    Nearly every record has none: its strings are gathered in one plain walk
    and searched at once, and only a record where that finds something (or
    that holds anything but plain JSON values) is walked again to say where.
    """
    strings: list[str] = []
    try:
        text = "".join(strings) if _plain_strings(value, strings) else None
    except (RecursionError, TypeError):  # nested too deeply; a property name not a string
        text = None
    # printable text has no control character, surrogate or non-character
    if text is not None and (text.isprintable() or not INVALID_XML_CHARACTERS.search(text)):
        return iter(())
    return _located_character_problems(value, path)


def _plain_strings(value: Any, out: list[str]) -> bool:
    """Append every string and property name under ``value`` to ``out``.

    False (stop: walk it the slow way) at a non-finite number and at anything
    but a ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` or ``None``
    of exactly that type.
    """
    kind = type(value)
    if kind is dict:
        return _plain_dict(value, out)
    if kind is list:
        return _plain_list(value, out)
    return _plain_leaf(value, out)


def _plain_dict(value: dict[Any, Any], out: list[str]) -> bool:
    out += value  # the property names ("".join refuses any that is not a string)
    return _plain_items(value.values(), out)


def _plain_list(value: list[Any], out: list[str]) -> bool:
    return _plain_items(value, out)


def _plain_items(items: Iterable[Any], out: list[str]) -> bool:
    append = out.append
    for item in items:
        kind = type(item)
        if kind is str:
            append(item)
        elif kind is dict:
            if not _plain_dict(item, out):
                return False
        elif kind is list:
            if not _plain_list(item, out):
                return False
        elif not _plain_leaf(item, out):
            return False
    return True


def _plain_leaf(value: Any, out: list[str]) -> bool:
    kind = type(value)
    if kind is str:
        out.append(value)
        return True
    if kind is float:
        return math.isfinite(value)
    return value is None or kind is int or kind is bool


def _located_character_problems(value: Any, path: list[Any]) -> Iterator[Problem]:
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
                yield Problem(json_pointer([*path, key]), "property name contains a character XML 1.0 does not allow")
            yield from _located_character_problems(item, [*path, key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _located_character_problems(item, [*path, i])
