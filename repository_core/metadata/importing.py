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

REST API attributes are normalised where the meaning is lossless:
``publisher`` as a string -> ``{"name": ...}``; ``affiliation`` strings ->
objects; ``identifiers`` (``{identifier, identifierType}``) ->
``alternateIdentifiers`` (an entry repeating the record's own DOI is dropped);
``types`` derived by DataCite (schemaOrg, bibtex, citeproc, ris) dropped;
numbers written as strings in geoLocations -> numbers; ``null`` values and
empty person sub-lists dropped; scheme attributes nested in
``relatedItemIdentifier`` moved to the item (package shape); ``schemaVersion``
of any kernel -> the kernel-4 URI. DataCite's server-side bookkeeping
(:data:`IGNORED_REST_ATTRIBUTES`) is ignored. Any other unknown top-level
attribute raises :class:`UnreadableInput`; unknown nested keys are left in
place for ``validate_metadata`` to report with their JSON pointer.

Malformed input raises :class:`UnreadableInput` with the source name and the
line number that lxml or json report.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from lxml import etree

from ..errors import UnreadableInput
from .datacite_xml_reader import KERNEL3_NS, KERNEL4_NS, xml_to_metadata
from .schema import SCHEMA_VERSION, metadata_schema

__all__ = [
    "DERIVED_TYPES",
    "IGNORED_ENVELOPE_KEYS",
    "IGNORED_REST_ATTRIBUTES",
    "normalize_datacite_json",
    "read_records",
]

#: DataCite REST attributes that are server bookkeeping or derived data, not metadata.
IGNORED_REST_ATTRIBUTES = frozenset({
    "xml", "state", "event", "mode", "reason", "isActive", "created", "registered",
    "published", "updated", "metadataVersion", "source", "landingPage", "contentUrl",
    "container", "agency", "viewCount", "viewsOverTime", "downloadCount",
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


def read_records(data: bytes, *, source: str = "<stdin>") -> list[dict[str, Any]]:
    """Every record in ``data`` (see the module docstring); raises UnreadableInput."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return [_record(_read_xml(data, source), None, [])]
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
            return _read_json(document, source, "")
        except RecursionError:
            raise UnreadableInput("values nested too deeply", source=source, line=1) from None
    if not head:
        raise UnreadableInput("empty input", source=source)
    raise UnreadableInput("neither XML nor JSON (expected '<', '{' or '[')", source=source, line=1)


def _record(metadata: dict[str, Any], record_id: Any, collections: list[str]) -> dict[str, Any]:
    return {"id": record_id, "metadata": metadata, "collections": collections}


# -- XML ----------------------------------------------------------------------------------------


def _read_xml(data: bytes, source: str) -> dict[str, Any]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False, remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableInput(f"malformed XML: {exc.msg}", source=source, line=exc.lineno) from None
    qname = etree.QName(root)
    ns = qname.namespace or ""
    if qname.localname == "resource" and ns in (KERNEL4_NS, KERNEL3_NS):
        return xml_to_metadata(root, source=source)
    if qname.localname == "resource" and ns.startswith("http://datacite.org/schema/kernel-"):
        raise UnreadableInput(
            f"DataCite {ns.rsplit('/', 1)[-1]} is not supported (kernel 3 and 4 are)",
            source=source, line=root.sourceline,
        )
    raise UnreadableInput(f"not DataCite XML: root element {root.tag}", source=source, line=root.sourceline)


# -- JSON ---------------------------------------------------------------------------------------


def _read_json(document: Any, source: str, pointer: str) -> list[dict[str, Any]]:
    if isinstance(document, list):
        records = []
        for i, item in enumerate(document):
            if isinstance(item, list):
                raise UnreadableInput(f"{pointer}/{i}: nested arrays are not records", source=source)
            records.extend(_read_json(item, source, f"{pointer}/{i}"))
        return records
    if not isinstance(document, dict):
        raise UnreadableInput(f"{pointer or '/'}: expected a JSON object or array", source=source)
    if "data" in document and "metadata" not in document:
        data = document["data"]
        if isinstance(data, list):
            return [r for i, item in enumerate(data) for r in _read_rest_resource(item, source, f"{pointer}/data/{i}")]
        return _read_rest_resource(data, source, f"{pointer}/data")
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
        metadata = normalize_datacite_json(document["metadata"], source=source, pointer=f"{pointer}/metadata")
        return [_record(metadata, record_id, list(collections))]
    return [_record(normalize_datacite_json(document, source=source, pointer=pointer), None, [])]


def _read_rest_resource(data: Any, source: str, pointer: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
        raise UnreadableInput(f"{pointer}: expected a JSON:API resource with 'attributes'", source=source)
    attributes = dict(data["attributes"])
    if not attributes.get("doi") and isinstance(data.get("id"), str) and data.get("type") == "dois":
        attributes["doi"] = data["id"]
    return [_record(normalize_datacite_json(attributes, source=source, pointer=f"{pointer}/attributes"), None, [])]


def normalize_datacite_json(attributes: Any, *, source: str = "<input>", pointer: str = "") -> dict[str, Any]:
    """DataCite JSON (model or REST attributes) -> the model (see the module docstring)."""
    if not isinstance(attributes, dict):
        raise UnreadableInput(f"{pointer or '/'}: DataCite JSON must be an object", source=source)
    md = {k: copy.deepcopy(v) for k, v in attributes.items() if v is not None and k not in IGNORED_REST_ATTRIBUTES}
    known = set(metadata_schema()["properties"]) | {"identifiers"}
    unknown = sorted(set(md) - known)
    if unknown:
        raise UnreadableInput(
            f"{pointer or '/'}: unknown DataCite attribute(s) {', '.join(unknown)}", source=source
        )
    if isinstance(md.get("doi"), str):
        md["doi"] = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", md["doi"].strip(), flags=re.IGNORECASE)
    if isinstance(md.get("publisher"), str):
        md["publisher"] = {"name": md["publisher"]}
    if "schemaVersion" in md and isinstance(md["schemaVersion"], str) and md["schemaVersion"].startswith(
        "http://datacite.org/schema/kernel-"
    ):
        md["schemaVersion"] = SCHEMA_VERSION
    if isinstance(md.get("types"), dict):
        md["types"] = {k: v for k, v in md["types"].items() if k not in DERIVED_TYPES and v is not None}
    _merge_identifiers(md, source, pointer)
    for key in ("creators", "contributors"):
        for person in _dicts(md.get(key)):
            _normalize_person(person)
    for item in _dicts(md.get("relatedItems")):
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
            for person in _dicts(item.get(key)):
                _normalize_person(person)
    for key in ("titles", "subjects", "dates", "alternateIdentifiers", "relatedIdentifiers", "rightsList",
                "descriptions", "fundingReferences"):
        for entry in _dicts(md.get(key)):
            _drop_nulls(entry)
    if isinstance(md.get("publisher"), dict):
        _drop_nulls(md["publisher"])
    for location in _dicts(md.get("geoLocations")):
        _drop_nulls(location)
        _numbers(location)
    return md


def _dicts(values: Any) -> list[dict[str, Any]]:
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _drop_nulls(obj: dict[str, Any]) -> None:
    for key in [k for k, v in obj.items() if v is None]:
        del obj[key]


def _normalize_person(person: dict[str, Any]) -> None:
    _drop_nulls(person)
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


def _merge_identifiers(md: dict[str, Any], source: str, pointer: str) -> None:
    if "identifiers" not in md:
        return
    identifiers = md.pop("identifiers")
    if not isinstance(identifiers, list):
        raise UnreadableInput(f"{pointer}/identifiers: must be an array", source=source)
    doi = (md.get("doi") or "").lower()
    converted = []
    for i, ident in enumerate(identifiers):
        if not isinstance(ident, dict) or set(ident) - {"identifier", "identifierType"}:
            raise UnreadableInput(f"{pointer}/identifiers/{i}: expected {{identifier, identifierType}}", source=source)
        value, kind = ident.get("identifier"), ident.get("identifierType")
        if isinstance(value, str) and kind == "DOI":
            name = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.IGNORECASE)
            bare = name.lower()
            if not doi:
                md["doi"] = name
                doi = bare
                continue
            if bare == doi:
                continue  # the record's own DOI, repeated
        converted.append({"alternateIdentifier": value, "alternateIdentifierType": kind})
    if "alternateIdentifiers" in md and md["alternateIdentifiers"] != converted and converted:
        raise UnreadableInput(
            f"{pointer}: 'identifiers' and 'alternateIdentifiers' disagree; give one of them", source=source
        )
    if "alternateIdentifiers" not in md:
        md["alternateIdentifiers"] = converted
