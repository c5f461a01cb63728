"""The metadata model: DataCite JSON (kernel 4.5 package shape) extended to kernel 4.7.

The shape follows the JSON Schema shipped with the ``datacite`` PyPI package
(``datacite/schemas/datacite-v4.5.json``): same property names, same nesting.
This module builds our own schema (JSON Schema 2020-12) instead of patching
that file, because the model must be *at least as strict as the kernel-4.7
XSD* -- every record it accepts must serialise to schema-valid XML -- and
must know the 4.6/4.7 additions. Differences from the package schema:

* Controlled lists come from the official XSD include files
  (:mod:`.vocabularies`), so they carry the 4.6/4.7 values (``Award``,
  ``Project``, ``Poster``, ``Presentation``, ``Translator``, ``Coverage``,
  ``HasTranslation``, ``IsTranslationOf``, relation ``Other``, ``CSTR``,
  ``RRID``, ``RAiD``, ``SWHID`` ...).
* New properties from the 4.7 XSD that 4.5 JSON lacks:
  ``relatedIdentifiers[].relationTypeInformation``,
  ``relatedItems[].relationTypeInformation`` and
  ``fundingReferences[].schemeUri`` (``funderIdentifier/@schemeURI``).
* XSD constraints the package schema does not state: non-empty strings where
  the XSD has ``nonemptycontentStringType``; ``lang`` is an ``xs:language``
  (or ``""``); ``language`` is an ``xs:language``; a polygon has at least
  four ``polygonPoint``; related items' creators/contributors have only name
  parts (no identifiers, no affiliations), as in the XSD; ``funderIdentifier``
  and ``funderIdentifierType`` come together; ``awardUri`` needs
  ``awardNumber``; ``numberType`` needs ``number``.
* ``schemaVersion`` is optional (when present it must be
  ``http://datacite.org/schema/kernel-4``); ``doi`` is optional (a record
  may be stored before its DOI is minted).
* ``event`` (a REST API action) and ``container`` (derived by DataCite) are
  not part of the model.

Rules that JSON Schema cannot state (``inPolygonPoint`` last, identifier
checksums, XML characters) live in :mod:`.validation`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .vocabularies import vocabulary

__all__ = ["LANGUAGE_PATTERN", "SCHEMA_VERSION", "metadata_schema"]

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"

#: ``xs:language`` (RFC 3066 shape), anchored.
LANGUAGE_PATTERN = r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"

_STR: dict[str, Any] = {"type": "string"}
_NONEMPTY: dict[str, Any] = {"type": "string", "minLength": 1}
_URI: dict[str, Any] = {"type": "string", "format": "uri"}
_LANG: dict[str, Any] = {"type": "string", "pattern": r"^$|" + LANGUAGE_PATTERN}
_YEAR: dict[str, Any] = {"type": "string", "pattern": "^[0-9]{4}$"}


def _enum(name: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(vocabulary(name))}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


@cache
def metadata_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``Record.metadata``. Do not mutate the result."""
    name_identifier = _obj(
        {"nameIdentifier": _NONEMPTY, "nameIdentifierScheme": _STR, "schemeUri": _URI},
        ["nameIdentifier", "nameIdentifierScheme"],
    )
    affiliation = _obj(
        {
            "name": _NONEMPTY,
            "affiliationIdentifier": _STR,
            "affiliationIdentifierScheme": _STR,
            "schemeUri": _URI,
        },
        ["name"],
    )
    name_parts = {
        "name": _NONEMPTY,
        "nameType": {"$ref": "#/$defs/nameType"},
        "givenName": _STR,
        "familyName": _STR,
        "lang": _LANG,
    }
    person = {
        **name_parts,
        "nameIdentifiers": _array({"$ref": "#/$defs/nameIdentifier"}, uniqueItems=True),
        "affiliation": _array({"$ref": "#/$defs/affiliation"}, uniqueItems=True),
    }
    contributor_type = {"contributorType": {"$ref": "#/$defs/contributorType"}}
    title = _obj(
        {"title": _STR, "titleType": {"$ref": "#/$defs/titleType"}, "lang": _LANG}, ["title"]
    )
    point = _obj(
        {"pointLongitude": {"$ref": "#/$defs/longitude"}, "pointLatitude": {"$ref": "#/$defs/latitude"}},
        ["pointLongitude", "pointLatitude"],
    )
    related_metadata = {
        "relatedMetadataScheme": _STR,
        "schemeUri": _URI,
        "schemeType": _STR,
    }
    related_identifier = _obj(
        {
            "relatedIdentifier": _STR,
            "relatedIdentifierType": {"$ref": "#/$defs/relatedIdentifierType"},
            "relationType": {"$ref": "#/$defs/relationType"},
            "relationTypeInformation": _STR,
            "resourceTypeGeneral": {"$ref": "#/$defs/resourceTypeGeneral"},
            **related_metadata,
        },
        ["relatedIdentifier", "relatedIdentifierType", "relationType"],
    )
    related_item = _obj(
        {
            "relatedItemType": {"$ref": "#/$defs/resourceTypeGeneral"},
            "relationType": {"$ref": "#/$defs/relationType"},
            "relationTypeInformation": _STR,
            "relatedItemIdentifier": _obj(
                {
                    "relatedItemIdentifier": _STR,
                    "relatedItemIdentifierType": {"$ref": "#/$defs/relatedIdentifierType"},
                },
                ["relatedItemIdentifier", "relatedItemIdentifierType"],
            ),
            # As in the package schema, these sit on the item and are written as
            # attributes of <relatedItemIdentifier>, so they need one.
            **related_metadata,
            "creators": _array(_obj(dict(name_parts), ["name"])),
            "titles": _array(title, minItems=1, uniqueItems=True),
            "publicationYear": _YEAR,
            "volume": _STR,
            "issue": _STR,
            "number": _STR,
            "numberType": {"$ref": "#/$defs/numberType"},
            "firstPage": _STR,
            "lastPage": _STR,
            "publisher": _STR,
            "edition": _STR,
            "contributors": _array(
                _obj({**name_parts, **contributor_type}, ["name", "contributorType"])
            ),
        },
        ["titles", "relatedItemType", "relationType"],
        dependentRequired={
            "numberType": ["number"],
            "relatedMetadataScheme": ["relatedItemIdentifier"],
            "schemeUri": ["relatedItemIdentifier"],
            "schemeType": ["relatedItemIdentifier"],
        },
    )
    funding_reference = _obj(
        {
            "funderName": _NONEMPTY,
            "funderIdentifier": _STR,
            "funderIdentifierType": {"$ref": "#/$defs/funderIdentifierType"},
            "schemeUri": _URI,
            "awardNumber": _STR,
            "awardUri": _URI,
            "awardTitle": _STR,
        },
        ["funderName"],
        dependentRequired={
            "funderIdentifier": ["funderIdentifierType"],
            "funderIdentifierType": ["funderIdentifier"],
            "schemeUri": ["funderIdentifier"],
            "awardUri": ["awardNumber"],
        },
    )
    geo_location = _obj(
        {
            "geoLocationPlace": _STR,
            "geoLocationPoint": {"$ref": "#/$defs/point"},
            "geoLocationBox": _obj(
                {
                    "westBoundLongitude": {"$ref": "#/$defs/longitude"},
                    "eastBoundLongitude": {"$ref": "#/$defs/longitude"},
                    "southBoundLatitude": {"$ref": "#/$defs/latitude"},
                    "northBoundLatitude": {"$ref": "#/$defs/latitude"},
                },
                ["westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude"],
            ),
            "geoLocationPolygon": _array(
                _obj(
                    {"polygonPoint": {"$ref": "#/$defs/point"}, "inPolygonPoint": {"$ref": "#/$defs/point"}},
                    minProperties=1,
                    maxProperties=1,
                ),
                contains={"required": ["polygonPoint"]},
                minContains=4,
            ),
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://oaiserver.example.org/schemas/datacite-v4.7.json",
        "title": "DataCite v4.7 (JSON, datacite-v4.5.json shape)",
        "$defs": {
            "nameType": _enum("nameType"),
            "contributorType": _enum("contributorType"),
            "titleType": _enum("titleType"),
            "dateType": _enum("dateType"),
            "resourceTypeGeneral": _enum("resourceType"),
            "relatedIdentifierType": _enum("relatedIdentifierType"),
            "relationType": _enum("relationType"),
            "descriptionType": _enum("descriptionType"),
            "funderIdentifierType": _enum("funderIdentifierType"),
            "numberType": _enum("numberType"),
            "nameIdentifier": name_identifier,
            "affiliation": affiliation,
            "point": point,
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        },
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "doi": {"type": "string", "pattern": r"^10[.][0-9]{4,9}/\S+$"},
            "prefix": {"type": "string", "pattern": r"^10[.][0-9]{4,9}$"},
            "suffix": {"type": "string", "pattern": r"^\S+$"},
            "url": _URI,
            "types": _obj(
                {"resourceType": _STR, "resourceTypeGeneral": {"$ref": "#/$defs/resourceTypeGeneral"}},
                ["resourceTypeGeneral"],
            ),
            "creators": _array(_obj(dict(person), ["name"]), minItems=1),
            "titles": _array(title, minItems=1, uniqueItems=True),
            "publisher": _obj(
                {
                    "name": _NONEMPTY,
                    "publisherIdentifier": _STR,
                    "publisherIdentifierScheme": _STR,
                    "schemeUri": _URI,
                    "lang": _LANG,
                },
                ["name"],
            ),
            "publicationYear": _YEAR,
            "subjects": _array(
                _obj(
                    {
                        "subject": _STR,
                        "subjectScheme": _STR,
                        "schemeUri": _URI,
                        "valueUri": _URI,
                        "classificationCode": _STR,
                        "lang": _LANG,
                    },
                    ["subject"],
                ),
                uniqueItems=True,
            ),
            "contributors": _array(
                _obj({**person, **contributor_type}, ["name", "contributorType"])
            ),
            "dates": _array(
                _obj(
                    {"date": _STR, "dateType": {"$ref": "#/$defs/dateType"}, "dateInformation": _STR},
                    ["date", "dateType"],
                ),
                uniqueItems=True,
            ),
            "language": {"type": "string", "pattern": LANGUAGE_PATTERN},
            "alternateIdentifiers": _array(
                _obj(
                    {"alternateIdentifier": _STR, "alternateIdentifierType": _STR},
                    ["alternateIdentifier", "alternateIdentifierType"],
                ),
                uniqueItems=True,
            ),
            "relatedIdentifiers": _array(related_identifier),
            "relatedItems": _array(related_item, uniqueItems=True),
            "sizes": _array(_STR, uniqueItems=True),
            "formats": _array(_STR, uniqueItems=True),
            "version": _STR,
            "rightsList": _array(
                _obj(
                    {
                        "rights": _STR,
                        "rightsUri": _URI,
                        "rightsIdentifier": _STR,
                        "rightsIdentifierScheme": _STR,
                        "schemeUri": _URI,
                        "lang": _LANG,
                    }
                ),
                uniqueItems=True,
            ),
            "descriptions": _array(
                _obj(
                    {
                        "description": _STR,
                        "descriptionType": {"$ref": "#/$defs/descriptionType"},
                        "lang": _LANG,
                    },
                    ["description", "descriptionType"],
                ),
                uniqueItems=True,
            ),
            "geoLocations": _array(geo_location, uniqueItems=True),
            "fundingReferences": _array(funding_reference, uniqueItems=True),
            "schemaVersion": {"type": "string", "const": SCHEMA_VERSION},
        },
        "required": ["creators", "titles", "publisher", "publicationYear", "types"],
    }
