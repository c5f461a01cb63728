"""The searchable fields, their types, and how a record's values are extracted.

This is the one place that says what a field is. Every evaluator (in memory,
SQL, Elasticsearch) works on the values that :func:`extract` produces, so
"what are the values of ``creators.affiliation.name`` in this record" has
exactly one answer; the evaluators differ only in *how* they match a query
against those values.

Field types and the semantics every evaluator follows
-----------------------------------------------------

``keyword``
    Each value is one whole string, normalised by :func:`normalise`
    (Unicode NFKC, case-folded, whitespace collapsed and trimmed): matching is
    case-insensitive. ``field:value`` and ``field:"a value"`` both match a
    value *equal* to the normalised query value. A wildcard (``*`` any run of
    characters, ``?`` exactly one character) must match the *whole* value.
    Leading wildcards are allowed (keyword fields are small). Values longer
    than :data:`KEYWORD_MAX` characters are cut to that length.
``text``
    Each value is a sequence of tokens: the normalised string split into runs
    of Unicode word characters (``\\w+``). ``field:word`` matches a value
    containing that token; a word that analyses to several tokens (``climate-
    change``) is a phrase. ``field:"a phrase"`` matches consecutive tokens
    inside one value (never across two values). A wildcard matches one token
    and may not start with a wildcard (text fields are large).
``number``
    Integers (``publicationYear``). ``field:2021`` is the interval
    [2021, 2022); ranges and ``>``/``>=``/``<``/``<=`` compare integers.
``date``
    Instants in UTC, held as integer microseconds since the epoch. A query
    value with a precision (``2021``, ``2021-05``, ``2021-05-03``,
    ``2021-05-03T10:00``...) is the interval of instants it names, so
    ``created:2021`` is every instant of 2021 and ``created:[2020 TO 2021]``
    ends at the last instant of 2021. Dates without an offset are UTC.

Every query value on a number or date field becomes a half-open interval
``[lo, hi)``; then ``x`` is ``lo <= v < hi``, ``>x`` is ``v >= hi``, ``>=x``
is ``v >= lo``, ``<x`` is ``v < lo``, ``<=x`` is ``v < hi``. Ranges on
keyword and text fields compare normalised strings by code point.

Bare terms search the pseudo-field ``_text``: a text field made of the
values of :data:`FULL_TEXT_SOURCES`. ``_exists_:field`` is true when the
record has at least one value for the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

__all__ = [
    "FIELDS",
    "FULL_TEXT",
    "FULL_TEXT_SOURCES",
    "KEYWORD_MAX",
    "TOKEN_MAX",
    "Document",
    "Field",
    "FieldType",
    "date_interval",
    "extract",
    "extract_metadata",
    "from_micros",
    "normalise",
    "number_interval",
    "title_sort_key",
    "to_micros",
    "tokens",
]

FieldType = Literal["keyword", "text", "number", "date"]

KEYWORD_MAX = 512
TOKEN_MAX = 200
FULL_TEXT = "_text"


@dataclass(frozen=True)
class Field:
    """A searchable field: its name (a dotted path), type and source.

    ``path`` is the dotted path into the DataCite JSON (lists are walked at
    every step); ``envelope`` names a field of the record envelope instead.
    ``column`` is true for envelope fields the SQL evaluator reads straight
    from the ``records`` row (they change on writes that no hook sees).
    ``sets`` is false for fields a set query may not use.
    """

    name: str
    type: FieldType
    path: tuple[str, ...] = ()
    envelope: str | None = None
    column: bool = False
    sets: bool = True

    @property
    def large(self) -> bool:
        """Fields where a leading wildcard would scan every token."""
        return self.type == "text"


def _f(name: str, type_: FieldType) -> Field:
    return Field(name, type_, path=tuple(name.split(".")))


_FIELD_LIST: list[Field] = [
    # the envelope
    Field("id", "keyword", envelope="id"),
    Field("doi", "keyword", envelope="doi"),
    Field("collections", "keyword", envelope="collections"),
    Field("created", "date", envelope="created", column=True),
    Field("datestamp", "date", envelope="datestamp", column=True, sets=False),
    # the record's place among its versions (Invenio's names); ``versions.is_latest``
    # is ``true`` or ``false``
    Field("parent.id", "keyword", envelope="concept_id"),
    Field("versions.is_latest", "keyword", envelope="is_latest"),
    Field("versions.index", "number", envelope="version_index"),
    # DataCite metadata
    _f("types.resourceTypeGeneral", "keyword"),
    _f("types.resourceType", "keyword"),
    _f("titles.title", "text"),
    _f("titles.lang", "keyword"),
    _f("titles.titleType", "keyword"),
    _f("creators.name", "text"),
    _f("creators.givenName", "keyword"),
    _f("creators.familyName", "keyword"),
    _f("creators.nameType", "keyword"),
    _f("creators.nameIdentifiers.nameIdentifier", "keyword"),
    _f("creators.nameIdentifiers.nameIdentifierScheme", "keyword"),
    _f("creators.affiliation.name", "text"),
    _f("creators.affiliation.affiliationIdentifier", "keyword"),
    _f("contributors.name", "text"),
    _f("contributors.contributorType", "keyword"),
    _f("contributors.affiliation.name", "text"),
    _f("contributors.affiliation.affiliationIdentifier", "keyword"),
    _f("publisher.name", "text"),
    # the publisher's name as one exact value (the publisher facet filters by it)
    Field("publisher", "keyword", path=("publisher", "name")),
    _f("publisher.publisherIdentifier", "keyword"),
    _f("publicationYear", "number"),
    _f("subjects.subject", "keyword"),
    _f("subjects.subjectScheme", "keyword"),
    _f("subjects.valueUri", "keyword"),
    _f("language", "keyword"),
    _f("descriptions.description", "text"),
    _f("descriptions.descriptionType", "keyword"),
    _f("dates.date", "date"),
    _f("dates.dateType", "keyword"),
    _f("identifiers.identifier", "keyword"),
    _f("identifiers.identifierType", "keyword"),
    _f("relatedIdentifiers.relatedIdentifier", "keyword"),
    _f("relatedIdentifiers.relatedIdentifierType", "keyword"),
    _f("relatedIdentifiers.relationType", "keyword"),
    _f("rightsList.rights", "text"),
    _f("rightsList.rightsIdentifier", "keyword"),
    _f("rightsList.rightsUri", "keyword"),
    _f("fundingReferences.funderName", "text"),
    _f("fundingReferences.funderIdentifier", "keyword"),
    _f("fundingReferences.awardNumber", "keyword"),
    _f("fundingReferences.awardTitle", "text"),
    _f("formats", "keyword"),
    _f("sizes", "keyword"),
    _f("version", "keyword"),
    Field(FULL_TEXT, "text"),
]

#: every searchable field by name
FIELDS: Mapping[str, Field] = {f.name: f for f in _FIELD_LIST}

#: the fields whose values make up ``_text`` (bare terms)
FULL_TEXT_SOURCES: tuple[str, ...] = (
    "titles.title",
    "creators.name",
    "contributors.name",
    "creators.affiliation.name",
    "subjects.subject",
    "descriptions.description",
    "publisher.name",
)

# -- normalisation ----------------------------------------------------------

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: how keyword values compare.

    Kept for the last 65,536 texts: records repeat many values (types,
    schemes, names), and loading computes this for every value of every field.
    """
    if text.isascii():  # NFKC leaves ASCII as it is, and folds it as lower() does
        return " ".join(text.lower().split())
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _SPACE.sub(" ", folded).strip()


def tokens(text: str) -> tuple[str, ...]:
    """The tokens of a text value: runs of word characters of the normalised text.

    A token longer than :data:`TOKEN_MAX` characters is cut to that length.
    """
    return tuple(t[:TOKEN_MAX] for t in _WORD.findall(normalise(text)))


# -- numbers and dates ------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + (moment.month - 1) + months
    return moment.replace(year=total // 12, month=total % 12 + 1)


def date_interval(text: str) -> tuple[int, int] | None:
    """The half-open interval of microseconds a (partial) ISO 8601 date names."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    g = match.groupdict()
    try:
        tz = UTC
        if g["tz"] and g["tz"] != "Z":
            sign = 1 if g["tz"][0] == "+" else -1
            digits = g["tz"][1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        frac = g["f"] or ""
        start = datetime(
            int(g["y"]), int(g["m"] or 1), int(g["d"] or 1), int(g["H"] or 0),
            int(g["M"] or 0), int(g["S"] or 0), int(frac.ljust(6, "0") or 0), tzinfo=tz,
        )
    except (ValueError, OverflowError):
        return None
    try:
        if g["m"] is None:
            end = _add_months(start, 12)
        elif g["d"] is None:
            end = _add_months(start, 1)
        elif g["H"] is None:
            end = start + timedelta(days=1)
        elif g["M"] is None:
            end = start + timedelta(hours=1)
        elif g["S"] is None:
            end = start + timedelta(minutes=1)
        elif not frac:
            end = start + timedelta(seconds=1)
        else:
            end = start + timedelta(microseconds=10 ** (6 - len(frac)))
    except (ValueError, OverflowError):
        return None
    return to_micros(start), to_micros(end)


_INT = re.compile(r"^[+-]?\d{1,15}$")


def number_interval(text: str) -> tuple[int, int] | None:
    """``[n, n + 1)`` for an integer string, else None."""
    text = text.strip()
    if not _INT.match(text):
        return None
    n = int(text)
    return n, n + 1


# -- extraction -------------------------------------------------------------

#: field name -> values: keyword -> str, text -> tuple of tokens, number/date -> int
Document = Mapping[str, tuple[Any, ...]]


def _walk(value: Any, path: tuple[str, ...], depth: int, out: list[Any]) -> list[Any]:
    """Append to ``out`` the values at ``path[depth:]`` under ``value`` (lists flattened)."""
    if isinstance(value, list):
        for item in value:
            _walk(item, path, depth, out)
    elif depth == len(path):
        if value is not None:
            out.append(value)
    elif type(value) is dict or isinstance(value, Mapping):
        child = value.get(path[depth])
        if child is not None:
            _walk(child, path, depth + 1, out)
    return out


def _raw_values(field: Field, record: Any) -> Iterable[Any]:
    if field.envelope is not None:
        value = getattr(record, field.envelope)
        if field.envelope == "collections":
            return list(value or ())
        if isinstance(value, bool):
            return ["true" if value else "false"]
        return [] if value is None else [value]
    metadata = record.metadata
    if not isinstance(metadata, Mapping) or field.path[0] not in metadata:
        return ()
    return _walk(metadata, field.path, 0, [])


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, (bool, dict, list)):
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _field_values(field: Field, record: Any) -> tuple[Any, ...]:
    return _converted(field, _raw_values(field, record))


def _converted(field: Field, raws: Iterable[Any]) -> tuple[Any, ...]:
    """A field's raw values as the index keeps them (see :data:`Document`)."""
    out: list[Any] = []
    for raw in raws:
        if field.type == "date":
            if isinstance(raw, datetime):
                out.append(to_micros(raw))
                continue
            text = _scalar_text(raw)
            if text is None:
                continue
            # an RKMS-ISO8601 interval "a/b" contributes both of its ends
            for part in text.split("/"):
                interval = date_interval(part)
                if interval is not None:
                    out.append(interval[0])
            continue
        text = _scalar_text(raw)
        if text is None:
            continue
        if field.type == "number":
            interval = number_interval(text)
            if interval is not None:
                out.append(interval[0])
        elif field.type == "keyword":
            value = normalise(text)[:KEYWORD_MAX]
            if value:
                out.append(value)
        else:
            toks = tokens(text)
            if toks:
                out.append(toks)
    return tuple(out)


def _path_tree() -> dict[Any, Any]:
    """The metadata fields' paths as a tree: key -> subtree; None -> the fields ending here."""
    tree: dict[Any, Any] = {}
    for field in _FIELD_LIST:
        if field.envelope is None and field.name != FULL_TEXT:
            node = tree
            for part in field.path:
                node = node.setdefault(part, {})
            node.setdefault(None, []).append(field.name)
    return tree


_PATH_TREE = _path_tree()


def _gather(value: Any, node: dict[Any, Any], out: dict[str, list[Any]]) -> None:
    """Every metadata field's raw values in one walk of the record (what
    :func:`_raw_values` gives field by field, in the same order)."""
    if isinstance(value, list):
        for item in value:
            _gather(item, node, out)
        return
    names = node.get(None)
    if names is not None:
        for name in names:
            out.setdefault(name, []).append(value)
    if type(value) is dict or isinstance(value, Mapping):
        for key, child in node.items():
            if key is not None:
                inner = value.get(key)
                if inner is not None:
                    _gather(inner, child, out)


def extract(record: Any, *, metadata_fields: Mapping[str, tuple[Any, ...]] | None = None,
            ) -> dict[str, tuple[Any, ...]]:
    """Every field's values for a record (``Record`` or anything shaped like it).

    Fields without values are absent. ``_text`` holds the tokens of each
    value of the :data:`FULL_TEXT_SOURCES`, one entry a value.
    ``metadata_fields``: :func:`extract_metadata` of the record's metadata,
    if already computed (the loader computes it ahead, in a process of its own).
    """
    doc: dict[str, tuple[Any, ...]] = {}
    for field in _ENVELOPE_FIELDS:
        values = _field_values(field, record)
        if values:
            doc[field.name] = values
    doc.update(extract_metadata(record.metadata) if metadata_fields is None else metadata_fields)
    return doc


def extract_metadata(metadata: Any) -> dict[str, tuple[Any, ...]]:
    """The fields of :func:`extract` that come from the metadata (all but the
    envelope's), ``_text`` included: a function of the metadata alone."""
    raws: dict[str, list[Any]] = {}
    if isinstance(metadata, Mapping):
        _gather(metadata, _PATH_TREE, raws)
    doc: dict[str, tuple[Any, ...]] = {}
    for field in _METADATA_FIELDS:
        found = raws.get(field.name)
        values = _converted(field, found) if found else ()
        if values:
            doc[field.name] = values
    text: list[tuple[str, ...]] = []
    for name in FULL_TEXT_SOURCES:
        for value in doc.get(name, ()):
            text.append(value if isinstance(value, tuple) else tokens(value))
    text = [t for t in text if t]
    if text:
        doc[FULL_TEXT] = tuple(text)
    return doc


_ENVELOPE_FIELDS = [f for f in _FIELD_LIST if f.envelope is not None]
_METADATA_FIELDS = [f for f in _FIELD_LIST if f.envelope is None and f.name != FULL_TEXT]
# the envelope fields come first in :data:`_FIELD_LIST`, so a document's fields
# keep that order; and no full-text source is an envelope field
assert _FIELD_LIST[:len(_ENVELOPE_FIELDS)] == _ENVELOPE_FIELDS
assert not {f.name for f in _ENVELOPE_FIELDS} & set(FULL_TEXT_SOURCES)


def raw_keyword_values(record: Any, name: str) -> list[tuple[str, str]]:
    """(normalised, as written) pairs of a keyword field: facets show the latter."""
    field = FIELDS[name]
    out = []
    for raw in _raw_values(field, record):
        text = _scalar_text(raw)
        if text is not None and normalise(text):
            out.append((normalise(text)[:KEYWORD_MAX], text.strip()[:KEYWORD_MAX]))
    return out


def title_sort_key(record: Any) -> str | None:
    """The key the ``title`` sort orders by: the main title, normalised.

    The main title is the first title without a ``titleType`` (DataCite's
    main title has none), else the first title. Normalised as keyword
    values are (case-folded), so the order is case-insensitive, and cut to
    :data:`KEYWORD_MAX` characters. None for a record without a title.
    """
    metadata = record.metadata
    titles = metadata.get("titles") if isinstance(metadata, Mapping) else None
    if not isinstance(titles, list):
        return None
    candidates = [t for t in titles if isinstance(t, Mapping) and _scalar_text(t.get("title"))]
    main = next((t for t in candidates if not t.get("titleType")), None)
    if main is None and candidates:
        main = candidates[0]
    if main is None:
        return None
    key = normalise(str(main["title"]))[:KEYWORD_MAX]
    return key or None
