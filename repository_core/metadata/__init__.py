"""The metadata model: DataCite JSON (kernel 4.7), its validation and its import.

Public API::

    validate_metadata(metadata, *, check_identifiers=True) -> list[Problem]
    check_metadata(metadata, *, check_identifiers=True) -> None   # raises InvalidRecord
    read_records(data: bytes, *, source="<stdin>", warnings=None) -> list[{"id", "metadata", "collections"}]
    xml_to_metadata(root_element, *, source="<input>", warnings=None) -> dict   # DataCite XML reader
    normalize_datacite_json(attributes, *, source=..., pointer=..., warnings=None) -> dict
    normalize_metadata(metadata) -> dict      # the same for the REST API (raises InvalidRecord)
    metadata_schema() -> dict                                    # the JSON Schema
    vocabularies() / vocabulary(name)                            # the XSD's controlled lists

Writing XML or JSON is the serializers' job (``serializers.datacite_xml``,
``serializers.datacite_json``).
"""

from .datacite_xml_reader import LINE_BREAK, xml_to_metadata
from .importing import (
    IGNORED_REST_ATTRIBUTES,
    normalize_datacite_json,
    normalize_metadata,
    read_records,
)
from .schema import SCHEMA_VERSION, metadata_schema
from .validation import check_metadata, json_pointer, validate_metadata
from .vocabularies import vocabularies, vocabulary

__all__ = [
    "IGNORED_REST_ATTRIBUTES",
    "LINE_BREAK",
    "SCHEMA_VERSION",
    "check_metadata",
    "json_pointer",
    "metadata_schema",
    "normalize_datacite_json",
    "normalize_metadata",
    "read_records",
    "validate_metadata",
    "vocabularies",
    "vocabulary",
    "xml_to_metadata",
]
