"""Reading records from import files: DataCite XML or JSON, one record or many.

``read_records(data, source=...)`` detects the shape and returns one dict per
record: ``{"id": str | None, "metadata": dict, "collections": list[str]}``.
It reads and normalises; it does not validate (call ``validate_metadata``),
so that every problem of every record can be reported with its pointer.

Accepted inputs:

* DataCite XML ``<resource>``, kernel 4.0-4.7 and kernel 3 (see
  :mod:`.datacite_xml`); kernel 2.x and other XML raise.
* DataCite JSON, plain (the model itself, or DataCite REST API attributes);
* a DataCite REST API document ``{"data": {"attributes": ...}}`` or
  ``{"data": [...]}``;
* our record JSON ``{"id"?, "metadata": ..., "collections"?: [...]}``;
* a JSON array of any of these.

REST API attributes and the older shapes DataCite has published (bolognese's
JSON, kernel <= 4.4) are normalised where the meaning is lossless:
``id`` the DOI's URL form of ``doi`` (``https://doi.org/10.1234/x``) -> checked
against ``doi`` (or gives it) and dropped, a contradiction raises;
``snake_case`` / ``kebab-case`` keys (``publication_year``,
``resource-type-general``) -> camelCase; ``dates`` as one object -> a list;
``identifiers`` spelled ``Identifier``; a person's ``type``
(``Person``/``Organization``) -> ``nameType``, its ``id`` (an ORCID, ROR or
other URL) -> a ``nameIdentifiers`` entry; ``container`` (derived by DataCite
from related identifiers and items) -> dropped when a related identifier or
item already names it, else a ``relatedIdentifiers`` entry (``IsPartOf`` for a
series, ``IsPublishedIn`` otherwise), and what cannot be kept is a warning;
``publicationYear`` as a number -> a string;
``publisher`` as a string -> ``{"name": ...}``; ``affiliation`` strings ->
objects; ``identifiers`` (``{identifier, identifierType}``) ->
``alternateIdentifiers`` (an entry repeating the record's own DOI is dropped);
``types`` derived by DataCite (schemaOrg, bibtex, citeproc, ris) dropped;
numbers written as strings in geoLocations -> numbers; ``null`` values and
empty person sub-lists dropped; scheme attributes nested in
``relatedItemIdentifier`` moved to the item (package shape); ``schemaVersion``
of any kernel -> the kernel-4 URI; empty top-level lists and objects dropped.
Whitespace is normalised as DataCite does (:func:`normalize_whitespace`).
DataCite's server-side bookkeeping
(:data:`IGNORED_REST_ATTRIBUTES`) is ignored. Any other unknown top-level
attribute raises :class:`UnreadableInput`; unknown nested keys are left in
place for ``validate_metadata`` to report with their JSON pointer.

Malformed input raises :class:`UnreadableInput` with the source name and the
line number that lxml or json report.

The same normalisation serves the REST API (:func:`normalize_metadata`, which
``RecordService`` calls before it validates): what ``load`` accepts, ``POST
/api/records`` accepts too, and both store the kernel-4.7 shape. There an
unknown attribute is left for validation (it reports the JSON pointer) and a
contradiction is an :class:`InvalidRecord` problem.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from lxml import etree

from ..errors import InvalidRecord, Problem, UnreadableInput
from .datacite_xml_reader import KERNEL3_NS, KERNEL4_NS, xml_to_metadata
from .kernel_xsd import kernel4_errors
from .schema import SCHEMA_VERSION, metadata_schema

__all__ = [
    "DERIVED_TYPES",
    "IGNORED_ENVELOPE_KEYS",
    "IGNORED_REST_ATTRIBUTES",
    "normalize_datacite_json",
    "normalize_metadata",
    "normalize_whitespace",
    "read_as_json",
    "read_records",
]

#: DataCite REST attributes that are server bookkeeping or derived data, not metadata.
IGNORED_REST_ATTRIBUTES = frozenset({
    "xml", "state", "event", "mode", "reason", "isActive", "created", "registered",
    "published", "updated", "metadataVersion", "source", "landingPage", "contentUrl",
    "agency", "viewCount", "viewsOverTime", "downloadCount",
    "downloadsOverTime", "referenceCount", "citationCount", "citationsOverTime",
    "partCount", "partOfCount", "versionCount", "versionOfCount", "clientId", "providerId",
})

#: ``types`` keys DataCite derives from resourceTypeGeneral.
DERIVED_TYPES = frozenset({"schemaOrg", "bibtex", "citeproc", "ris"})

#: Keys of our record JSON that the repository assigns itself; ignored on import.
IGNORED_ENVELOPE_KEYS = frozenset({
    "created", "updated", "datestamp", "revision", "deleted", "doi", "oai_identifier", "links",
})

_NUMERIC_GEO_KEYS = frozenset({
    "pointLongitude", "pointLatitude", "westBoundLongitude", "eastBoundLongitude",
    "southBoundLatitude", "northBoundLatitude",
})


def read_records(
    data: bytes, *, source: str = "<stdin>", warnings: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every record in ``data`` (see the module docstring); raises UnreadableInput.

    What was dropped on the way (an attribute the DataCite schema does not
    define, a ``container`` that cannot be kept) is appended to ``warnings``
    as ``"file:line: ..."``.
    """
    if warnings is None:
        warnings = []
    if isinstance(data, str):
        data = data.encode("utf-8")
    head = _head(data)
    if head == b"<":
        return [_record(_read_xml(data, source, warnings), None, [])]
    if head in (b"{", b"["):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise UnreadableInput(f"not UTF-8: {exc.reason}", source=source, line=line) from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnreadableInput(f"malformed JSON: {exc.msg} (column {exc.colno})", source=source, line=exc.lineno) from None
        except (ValueError, RecursionError):  # a number too long to convert, nesting too deep
            raise UnreadableInput("JSON this loader will not read: a number with too many digits "
                                  "or values nested too deeply", source=source, line=1) from None
        try:
            return _read_json(document, source, "", warnings)
        except RecursionError:
            raise UnreadableInput("values nested too deeply", source=source, line=1) from None
    if not head:
        raise UnreadableInput("empty input", source=source)
    raise UnreadableInput("neither XML nor JSON (expected '<', '{' or '[')", source=source, line=1)


def read_as_json(data: bytes) -> bool:
    """Whether :func:`read_records` reads ``data`` as JSON. Its records' metadata
    is then what :func:`normalize_metadata` gives for it, already (normalising
    again changes nothing: the normalisation is idempotent); XML is as read."""
    return _head(data) in (b"{", b"[")


def _head(data: bytes) -> bytes:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]


def _record(metadata: dict[str, Any], record_id: Any, collections: list[str]) -> dict[str, Any]:
    return {"id": record_id, "metadata": metadata, "collections": collections}


# -- XML ----------------------------------------------------------------------------------------


def _read_xml(data: bytes, source: str, warnings: list[str]) -> dict[str, Any]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False, remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableInput(f"malformed XML: {exc.msg}", source=source, line=exc.lineno) from None
    qname = etree.QName(root)
    ns = qname.namespace or ""
    if qname.localname == "resource" and ns in (KERNEL4_NS, KERNEL3_NS):
        for entity in root.iter(etree.Entity):  # left unexpanded by the parser (no XXE)
            raise UnreadableInput(f"entity reference {entity.text} is not supported",
                                  source=source, line=entity.sourceline)
        if ns == KERNEL4_NS and (errors := kernel4_errors(root)):
            line, message = errors[0]
            message = message.replace(f"{{{KERNEL4_NS}}}", "")  # the namespace is implied: shorter
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise UnreadableInput(f"rejected by the DataCite kernel-4 XSD: {message}{more}",
                                  source=source, line=line)
        # Only an XSD-checked (kernel-4) document may lose an attribute; kernel 3 stays strict.
        lenient = warnings if ns == KERNEL4_NS else None
        metadata: dict[str, Any] = normalize_whitespace(xml_to_metadata(root, source=source, warnings=lenient))
        return metadata
    if qname.localname == "resource" and ns.startswith("http://datacite.org/schema/kernel-"):
        raise UnreadableInput(
            f"DataCite {ns.rsplit('/', 1)[-1]} is not supported (kernel 3 and 4 are)",
            source=source, line=root.sourceline,
        )
    raise UnreadableInput(f"not DataCite XML: root element {root.tag}", source=source, line=root.sourceline)


# -- JSON ---------------------------------------------------------------------------------------


def _read_json(document: Any, source: str, pointer: str, warnings: list[str]) -> list[dict[str, Any]]:
    if isinstance(document, list):
        records = []
        for i, item in enumerate(document):
            if isinstance(item, list):
                raise UnreadableInput(f"{pointer}/{i}: nested arrays are not records", source=source)
            records.extend(_read_json(item, source, f"{pointer}/{i}", warnings))
        return records
    if not isinstance(document, dict):
        raise UnreadableInput(f"{pointer or '/'}: expected a JSON object or array", source=source)
    if "data" in document and "metadata" not in document:
        data = document["data"]
        if isinstance(data, list):
            return [r for i, item in enumerate(data)
                    for r in _read_rest_resource(item, source, f"{pointer}/data/{i}", warnings)]
        return _read_rest_resource(data, source, f"{pointer}/data", warnings)
    if "metadata" in document:
        unknown = set(document) - {"id", "metadata", "collections"} - IGNORED_ENVELOPE_KEYS
        if unknown:
            raise UnreadableInput(f"{pointer or '/'}: unknown record keys {sorted(unknown)}", source=source)
        record_id = document.get("id")
        if record_id is not None and not isinstance(record_id, str):
            raise UnreadableInput(f"{pointer}/id: must be a string", source=source)
        collections = document.get("collections", [])
        if not isinstance(collections, list) or not all(isinstance(c, str) for c in collections):
            raise UnreadableInput(f"{pointer}/collections: must be an array of strings", source=source)
        metadata = normalize_datacite_json(document["metadata"], source=source, pointer=f"{pointer}/metadata",
                                           warnings=warnings)
        return [_record(metadata, record_id, list(collections))]
    return [_record(normalize_datacite_json(document, source=source, pointer=pointer, warnings=warnings), None, [])]


def _read_rest_resource(data: Any, source: str, pointer: str, warnings: list[str]) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
        raise UnreadableInput(f"{pointer}: expected a JSON:API resource with 'attributes'", source=source)
    attributes = dict(data["attributes"])
    if not attributes.get("doi") and isinstance(data.get("id"), str) and data.get("type") == "dois":
        attributes["doi"] = data["id"]
    metadata = normalize_datacite_json(attributes, source=source, pointer=f"{pointer}/attributes", warnings=warnings)
    return [_record(metadata, None, [])]


class _Refusal(Exception):
    """Normalisation cannot go on: the input contradicts itself (pointer, message)."""

    def __init__(self, pointer: str, message: str):
        super().__init__(message)
        self.pointer, self.message = pointer, message


def normalize_datacite_json(
    attributes: Any, *, source: str = "<input>", pointer: str = "", warnings: list[str] | None = None
) -> dict[str, Any]:
    """DataCite JSON (model or REST attributes) -> the model (see the module docstring).

    What cannot be kept (part of a ``container``) is appended to ``warnings``.
    """
    try:
        return _normalize(attributes, pointer, strict=True, warnings=warnings if warnings is not None else [],
                          source=source)
    except _Refusal as exc:
        raise UnreadableInput(f"{exc.pointer or '/'}: {exc.message}", source=source) from None


def normalize_metadata(metadata: Any, *, pointer: str = "/metadata") -> Any:
    """The REST API's side of the one normalisation (called by ``RecordService``).

    Unknown attributes stay for validation to report by JSON pointer; a
    contradiction raises :class:`InvalidRecord`. Anything but an object is
    returned as it is (validation says what is wrong with it). Idempotent:
    stored metadata comes back unchanged.
    """
    if not isinstance(metadata, dict):
        return metadata
    try:
        return _normalize(metadata, pointer, strict=False, warnings=[], source="<input>")
    except _Refusal as exc:
        raise InvalidRecord([Problem(exc.pointer, exc.message)]) from None


_DOI_URL = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_NAME_TYPES = {"Person": "Personal", "Organization": "Organizational"}


def _camel(key: str) -> str:
    head, *rest = re.split(r"[_-]", key)
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(obj: dict[str, Any], pointer: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in obj.items():
        new = _camel(key) if ("_" in key or "-" in key) else key
        if new in result or (new != key and new in obj):
            raise _Refusal(pointer, f"both {key!r} and {new!r} are given; give one of them")
        result[new] = value
    return result


def _normalize(
    attributes: Any, pointer: str, *, strict: bool, warnings: list[str], source: str
) -> dict[str, Any]:
    if not isinstance(attributes, dict):
        raise _Refusal(pointer, "DataCite JSON must be an object")
    md = {k: _copy_json(v) for k, v in _camel_keys(attributes, pointer).items()
          if v is not None and k not in IGNORED_REST_ATTRIBUTES}
    known = set(metadata_schema()["properties"]) | {"identifiers", "id", "container"}
    unknown = sorted(set(md) - known)
    if unknown and strict:
        raise _Refusal(pointer, f"unknown DataCite attribute(s) {', '.join(unknown)}")
    if isinstance(md.get("doi"), str):
        md["doi"] = _DOI_URL.sub("", md["doi"].strip())
    _resource_id(md, pointer)
    if isinstance(md.get("publicationYear"), int) and not isinstance(md["publicationYear"], bool):
        md["publicationYear"] = str(md["publicationYear"])
    if isinstance(md.get("publisher"), str):
        md["publisher"] = {"name": md["publisher"]}
    if "schemaVersion" in md and isinstance(md["schemaVersion"], str) and md["schemaVersion"].startswith(
        "http://datacite.org/schema/kernel-"
    ):
        md["schemaVersion"] = SCHEMA_VERSION
    if isinstance(md.get("types"), dict):
        types = _camel_keys(md["types"], f"{pointer}/types")
        md["types"] = {k: v for k, v in types.items() if k not in DERIVED_TYPES and v is not None}
    if isinstance(md.get("dates"), dict):
        md["dates"] = [md["dates"]]  # one date written as an object (older bolognese JSON)
    _merge_identifiers(md, pointer)
    for key in ("creators", "contributors"):
        for i, person in enumerate(_dicts(md.get(key))):
            _normalize_person(person, f"{pointer}/{key}/{i}")
    for j, item in enumerate(_dicts(md.get("relatedItems"))):
        _drop_nulls(item)
        ident = item.get("relatedItemIdentifier")
        if isinstance(ident, dict):
            for inner, outer in (("relatedMetadataScheme", "relatedMetadataScheme"), ("schemeURI", "schemeUri"),
                                 ("schemeUri", "schemeUri"), ("schemeType", "schemeType")):
                if inner in ident:
                    value = ident.pop(inner)
                    if value is not None:
                        item[outer] = value
        for key in ("creators", "contributors"):
            for i, person in enumerate(_dicts(item.get(key))):
                _normalize_person(person, f"{pointer}/relatedItems/{j}/{key}/{i}")
    _container(md, pointer, warnings, source)
    for key in ("titles", "subjects", "dates", "alternateIdentifiers", "relatedIdentifiers", "rightsList",
                "descriptions", "fundingReferences"):
        for entry in _dicts(md.get(key)):
            _drop_nulls(entry)
    if isinstance(md.get("publisher"), dict):
        _drop_nulls(md["publisher"])
    for location in _dicts(md.get("geoLocations")):
        _drop_nulls(location)
        _numbers(location)
    for key in [k for k, v in md.items() if v == [] or v == {}]:
        del md[key]  # DataCite's REST API writes empty lists for absent properties
    return _squished(md)


def _resource_id(md: dict[str, Any], pointer: str) -> None:
    """DataCite's ``id`` is the DOI as a URL: it must agree with ``doi`` (or gives it)."""
    if "id" not in md:
        return
    resource_id = md.pop("id")
    if not isinstance(resource_id, str) or not _DOI_URL.match(resource_id.strip()):
        raise _Refusal(f"{pointer}/id", f"{resource_id!r} is not a DOI URL (https://doi.org/...)")
    name = _DOI_URL.sub("", resource_id.strip())
    doi = md.get("doi")
    if not doi:
        md["doi"] = name
    elif not isinstance(doi, str) or doi.lower() != name.lower():
        raise _Refusal(f"{pointer}/id", f"{resource_id!r} contradicts doi {doi!r}")


#: values :func:`_copy_json` keeps as they are, by exact type (no call for them)
_KEPT = frozenset({str, int, float, bool, type(None)})


def _copy_json(value: Any) -> Any:
    """A deep copy of parsed JSON (what the steps below change in place is
    the copy); several times faster than ``copy.deepcopy`` on such trees."""
    if isinstance(value, dict):
        return {k: v if type(v) in _KEPT else _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _KEPT else _copy_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return copy.deepcopy(value)


_SPACE_RUN = re.compile(r"[ \t\r\n]+")
_MAY_SQUISH = re.compile(r"[\t\r\n]|  |^ | $")
_may_squish = _MAY_SQUISH.search
#: a description needs no change without one of these (a hit only means "maybe")
_DESCRIPTION_MAY_CHANGE = re.compile(r"[\t\r]|  | [\n\u2028]|[\n\u2028] |^[ \n]|[ \n]\Z")
_AROUND_BREAK = re.compile(r"[ \t\r]*([\n\u2028])[ \t\r]*")
_SPACE_RUN_KEEP_BREAKS = re.compile(r"[ \t\r]+")


def normalize_whitespace(value: Any, key: str = "") -> Any:
    """Whitespace as DataCite normalises it: runs collapsed to one space, ends stripped.

    DataCite's readers (bolognese's ``sanitize``) "squish" text. Descriptions
    keep their line breaks (U+2028 from ``<br/>``, and newlines written in
    JSON), with the spaces around each break removed. U+2028 is not
    collapsed anywhere. Idempotent.
    """
    # a plain string that needs nothing is kept where it stands (no call for it)
    if isinstance(value, dict):
        return {k: v if type(v) is str and k != "description" and not _may_squish(v)
                else normalize_whitespace(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "description":
            return [normalize_whitespace(v, key) for v in value]
        return [v if type(v) is str and not _may_squish(v) else normalize_whitespace(v, key)
                for v in value]
    if not isinstance(value, str):
        return value
    if key == "description":
        if not _DESCRIPTION_MAY_CHANGE.search(value):
            return value
        text = _AROUND_BREAK.sub(r"\1", value)
        return _SPACE_RUN_KEEP_BREAKS.sub(" ", text).strip(" \t\r\n")
    if not _MAY_SQUISH.search(value):
        return value  # most values: nothing to squish
    return _SPACE_RUN.sub(" ", value).strip(" ")


def _squished(md: dict[str, Any]) -> dict[str, Any]:
    """``normalize_whitespace(md)`` for metadata built here (plain dicts and lists
    shared with no caller): ``md`` itself when no string in it would change.

    The second normalisation of a record (``RecordService`` normalises what
    the reader already did) finds nothing to squish; one walk that only
    gathers the strings, and a few searches of them joined, tell it so.
    """
    others: list[str] = []
    descriptions: list[str] = []
    try:
        plain = _gather_strings(md, "", others, descriptions)
    except RecursionError:
        plain = False
    if plain and not _may_squish_any(others) and not any(
            _DESCRIPTION_MAY_CHANGE.search(text) for text in descriptions):
        return md
    normalized: dict[str, Any] = normalize_whitespace(md)
    return normalized


def _gather_strings(value: Any, key: str, others: list[str], descriptions: list[str]) -> bool:
    """The strings :func:`normalize_whitespace` would look at, by the rule it applies.

    False if something is not a plain ``dict``, ``list`` or ``str`` but an
    instance of one of them (it would be rebuilt, not kept).
    """
    kind = type(value)
    if kind is dict:
        for name, item in value.items():
            if type(item) is str:
                (descriptions if name == "description" else others).append(item)
            elif not _gather_strings(item, name, others, descriptions):
                return False
        return True
    if kind is list:
        texts = descriptions if key == "description" else others
        for item in value:
            if type(item) is str:
                texts.append(item)
            elif not _gather_strings(item, key, others, descriptions):
                return False
        return True
    if kind is str:
        (descriptions if key == "description" else others).append(value)
        return True
    return not isinstance(value, (dict, list, str))


def _may_squish_any(texts: list[str]) -> bool:
    """False only if ``_MAY_SQUISH`` finds nothing in any of ``texts``.

    Joined by NUL, a text's first or last space stands next to a NUL (or at
    an end of the whole).
    """
    joined = "\x00".join(texts)
    return ("  " in joined or "\x00 " in joined or " \x00" in joined
            or joined.startswith(" ") or joined.endswith(" ")
            or "\n" in joined or "\t" in joined or "\r" in joined)


def _container(md: dict[str, Any], pointer: str, warnings: list[str], source: str) -> None:
    """``container`` is DataCite's summary of what the resource is part of.

    DataCite derives it (bolognese: from ``relatedItems`` published-in, or from
    an ``IsPartOf`` related identifier); when one of those names it already it
    says nothing new. Otherwise its identifier is kept as a related identifier;
    its title, volume, pages are not expressible without a related item type,
    so they are reported as a warning instead of being invented.
    """
    container = md.pop("container", None)
    if not container:
        return
    if not isinstance(container, dict):
        raise _Refusal(f"{pointer}/container", "must be an object")
    identifier = container.get("identifier")
    known = {str(r.get("relatedIdentifier", "")).lower() for r in _dicts(md.get("relatedIdentifiers"))}
    for item in _dicts(md.get("relatedItems")):
        ident = item.get("relatedItemIdentifier")
        if isinstance(ident, dict):
            known.add(str(ident.get("relatedItemIdentifier", "")).lower())
    if isinstance(identifier, str) and identifier.strip():
        if identifier.strip().lower() not in known:
            entry = {
                "relatedIdentifier": identifier.strip(),
                "relatedIdentifierType": container.get("identifierType") or "URL",
                "relationType": "IsPartOf" if container.get("type") == "Series" else "IsPublishedIn",
            }
            md.setdefault("relatedIdentifiers", []).append(entry)
        return
    item_titles = {str(t.get("title", "")).strip().lower() for item in _dicts(md.get("relatedItems"))
                   for t in _dicts(item.get("titles"))}
    title = container.get("title")
    if isinstance(title, str) and title.strip().lower() in item_titles:
        return
    rest = {k: v for k, v in container.items() if k != "type"}
    if rest:
        warnings.append(f"{source}: {pointer}/container: {json.dumps(rest)} has no identifier and no "
                        "related item names it; not kept")


def _dicts(values: Any) -> list[dict[str, Any]]:
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _drop_nulls(obj: dict[str, Any]) -> None:
    if None not in obj.values():  # the common case, without building a list
        return
    for key in [k for k, v in obj.items() if v is None]:
        del obj[key]


def _normalize_person(person: dict[str, Any], pointer: str) -> None:
    _drop_nulls(person)
    kind = person.pop("type", None)
    if kind is not None:
        if kind not in _NAME_TYPES:
            raise _Refusal(f"{pointer}/type", f"{kind!r} is neither 'Person' nor 'Organization'")
        if person.setdefault("nameType", _NAME_TYPES[kind]) != _NAME_TYPES[kind]:
            raise _Refusal(f"{pointer}/type", f"{kind!r} contradicts nameType {person['nameType']!r}")
    person_id = person.pop("id", None)
    if isinstance(person_id, str) and person_id.strip():
        identifiers = person.setdefault("nameIdentifiers", [])
        if isinstance(identifiers, list) and not any(
            isinstance(i, dict) and i.get("nameIdentifier") == person_id for i in identifiers
        ):
            identifiers.append(_name_identifier(person_id.strip()))
    affiliation = person.get("affiliation")
    if isinstance(affiliation, (str, dict)):
        affiliation = [affiliation]
    if isinstance(affiliation, list):
        affiliation = [{"name": a} if isinstance(a, str) else a for a in affiliation]
        for a in _dicts(affiliation):
            _drop_nulls(a)
        person["affiliation"] = affiliation
    for key in ("affiliation", "nameIdentifiers"):
        if person.get(key) == []:
            del person[key]
    for ident in _dicts(person.get("nameIdentifiers")):
        _drop_nulls(ident)


def _name_identifier(url: str) -> dict[str, str]:
    """A person's ``id`` (bolognese JSON) as a kernel-4 nameIdentifier."""
    for host, scheme, scheme_uri in (("orcid.org", "ORCID", "https://orcid.org"),
                                     ("ror.org", "ROR", "https://ror.org"),
                                     ("isni.org", "ISNI", "http://www.isni.org/isni/")):
        if re.match(rf"^https?://(www\.)?{re.escape(host)}/", url, re.IGNORECASE):
            return {"nameIdentifier": url, "nameIdentifierScheme": scheme, "schemeUri": scheme_uri}
    return {"nameIdentifier": url, "nameIdentifierScheme": "URL"}


def _numbers(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _NUMERIC_GEO_KEYS and isinstance(item, str):
                try:
                    number = float(item.strip())
                    value[key] = int(item.strip()) if re.fullmatch(r"[+-]?\d+", item.strip()) else number
                except ValueError:
                    pass  # left for validation to report with its pointer
            else:
                _numbers(item)
    elif isinstance(value, list):
        for item in value:
            _numbers(item)


def _merge_identifiers(md: dict[str, Any], pointer: str) -> None:
    if "identifiers" not in md:
        return
    identifiers = md.pop("identifiers")
    if not isinstance(identifiers, list):
        raise _Refusal(f"{pointer}/identifiers", "must be an array")
    doi = (md.get("doi") or "").lower()
    converted = []
    for i, ident in enumerate(identifiers):
        if isinstance(ident, dict) and "Identifier" in ident and "identifier" not in ident:
            ident = {("identifier" if k == "Identifier" else k): v for k, v in ident.items()}  # crosscite JSON
        if not isinstance(ident, dict) or set(ident) - {"identifier", "identifierType"}:
            raise _Refusal(f"{pointer}/identifiers/{i}", "expected {identifier, identifierType}")
        value, kind = ident.get("identifier"), ident.get("identifierType")
        if isinstance(value, str) and kind == "DOI":
            name = _DOI_URL.sub("", value.strip())
            bare = name.lower()
            if not doi:
                md["doi"] = name
                doi = bare
                continue
            if bare == doi:
                continue  # the record's own DOI, repeated
        converted.append({"alternateIdentifier": value, "alternateIdentifierType": kind})
    if "alternateIdentifiers" in md and md["alternateIdentifiers"] != converted and converted:
        raise _Refusal(pointer, "'identifiers' and 'alternateIdentifiers' disagree; give one of them")
    if "alternateIdentifiers" not in md:
        md["alternateIdentifiers"] = converted
