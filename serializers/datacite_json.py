"""DataCite JSON: the record as the ``attributes`` DataCite's REST API accepts.

The model *is* DataCite JSON, so this is nearly the identity. Differences,
all of which ``repository_core.metadata.importing`` reads back:

* alternate identifiers are written as ``identifiers``
  (``[{"identifier", "identifierType"}]``), the REST API's name for them;
* ``types`` gains the derived ``schemaOrg``, ``citeproc``, ``bibtex`` and
  ``ris`` values DataCite itself shows, read from the one table
  (``serializers.resource_types``) the other exports use, so they always
  agree with them (the importer drops them again);
* ``schemaVersion`` is ``http://datacite.org/schema/kernel-4``;
* ``url`` (the landing page DataCite redirects to) is the metadata's own
  ``url`` if it has one, else the repository's landing page for the record.

Descriptions keep U+2028 where the XML has ``<br/>``.

:func:`dump` gives the attributes object (the body of
``application/vnd.datacite.datacite+json``); :func:`request_document`
wraps it as the JSON:API document the REST API's POST/PUT expect.

Not for: talking to DataCite (``datacite_client``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from repository_core.metadata.schema import SCHEMA_VERSION
from repository_core.records import Record

from . import resource_types
from .context import ExportContext

__all__ = ["MEDIA_TYPE", "derived_types", "dump", "metadata_to_attributes", "request_document"]

MEDIA_TYPE = "application/vnd.datacite.datacite+json"

def derived_types(resource_type_general: str, resource_type: str | None = None) -> dict[str, str]:
    """``schemaOrg``/``citeproc``/``bibtex``/``ris`` for a resourceTypeGeneral (and free text)."""
    return resource_types.lookup(resource_type_general, resource_type).as_datacite_types()


def metadata_to_attributes(metadata: Mapping[str, Any], *, url: str | None = None) -> dict[str, Any]:
    """REST API attributes for (valid) metadata; ``url`` is used if the metadata has none."""
    attributes: dict[str, Any] = {}
    for key, value in metadata.items():
        if key == "alternateIdentifiers":
            attributes["identifiers"] = [
                {"identifier": a.get("alternateIdentifier"), "identifierType": a.get("alternateIdentifierType")}
                for a in value
            ]
        elif key == "types":
            types = dict(value)
            if isinstance(types.get("resourceTypeGeneral"), str):
                types.update(resource_types.for_metadata(metadata).as_datacite_types())
            attributes["types"] = types
        else:
            attributes[key] = copy.deepcopy(value)
    if url and "url" not in attributes:
        attributes["url"] = url
    attributes["schemaVersion"] = SCHEMA_VERSION
    return attributes


def dump(record: Record, ctx: ExportContext) -> bytes:
    """The record's DataCite JSON attributes, UTF-8, pretty-printed."""
    metadata = dict(record.metadata)
    if not metadata.get("doi") and record.doi:
        metadata["doi"] = record.doi
    attributes = metadata_to_attributes(metadata, url=ctx.landing_url(record.id))
    return json.dumps(attributes, ensure_ascii=False, indent=2).encode("utf-8")


def request_document(record: Record, ctx: ExportContext, *, event: str | None = None) -> dict[str, Any]:
    """The JSON:API body for DataCite's ``POST /dois`` / ``PUT /dois/{doi}``.

    ``event`` is one of ``publish``, ``register``, ``hide`` (or None: draft / no change).
    """
    attributes = json.loads(dump(record, ctx))
    if event is not None:
        attributes["event"] = event
    data: dict[str, Any] = {"type": "dois", "attributes": attributes}
    if attributes.get("doi"):
        data["id"] = attributes["doi"]
    return {"data": data}
