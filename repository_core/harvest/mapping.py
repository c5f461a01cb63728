"""From a harvested OAI-PMH record to DataCite metadata, or a refusal with its reason.

* ``datacite`` (the kernel-4 ``<resource>`` itself) and ``oai_datacite``
  (the ``<resource>`` inside ``<payload>``) go through the same reader as
  ``oaiserver load`` (``metadata.importing.read_records``): any kernel 4.x,
  checked against the kernel-4 XSD.
* ``oai_dc`` is mapped to DataCite's mandatory properties where Dublin Core
  carries them: ``dc:title`` -> titles, ``dc:creator`` -> creators,
  ``dc:publisher`` -> publisher, the first year of a ``dc:date`` ->
  publicationYear, ``dc:type`` (the DCMI Type Vocabulary, or a
  resourceTypeGeneral spelled as such) -> types; a DOI among the
  ``dc:identifier`` values -> doi, web addresses -> URL alternate
  identifiers. Subjects, descriptions, language and rights come along. A
  record that lacks a mandatory property is refused (:class:`Refused`),
  never given a made-up value.

The source's landing page (the landing page's ``rel="canonical"``) is the
first URL alternate identifier the metadata names, else its DOI's resolver
address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..dois import DOI_RESOLVER, bare_doi
from ..errors import UnreadableInput
from ..metadata.importing import read_records
from ..metadata.vocabularies import vocabulary

__all__ = ["METADATA_NAMESPACES", "PREFIXES", "Mapped", "Refused", "landing_url", "map_record"]

DATACITE_NS = "http://datacite.org/schema/kernel-4"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"

#: the metadataPrefixes a source can be harvested in, and the namespace each is in
METADATA_NAMESPACES: Mapping[str, str] = {
    "datacite": DATACITE_NS,
    "oai_datacite": OAI_DATACITE_NS,
    "oai_dc": OAI_DC_NS,
}
PREFIXES = tuple(METADATA_NAMESPACES)

#: DCMI Type Vocabulary -> DataCite resourceTypeGeneral
DCMI_TYPES: Mapping[str, str] = {
    "collection": "Collection",
    "dataset": "Dataset",
    "event": "Event",
    "image": "Image",
    "interactiveresource": "InteractiveResource",
    "movingimage": "Audiovisual",
    "physicalobject": "PhysicalObject",
    "service": "Service",
    "software": "Software",
    "sound": "Sound",
    "stillimage": "Image",
    "text": "Text",
}
_YEAR = re.compile(r"^\s*(\d{4})(?:$|[-/T\s])")
_DOI = re.compile(r"^(?:doi:|info:doi/|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


class Refused(Exception):
    """The record cannot become DataCite metadata here; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Mapped:
    metadata: dict[str, Any]
    landing_url: str | None


def map_record(prefix: str, payload: etree._Element, *, source: str) -> Mapped:
    """The metadata of one record's ``<metadata>`` child, in ``prefix``; raises Refused."""
    if prefix == "oai_dc":
        metadata = _from_dc(payload)
    else:
        resource = payload
        if prefix == "oai_datacite":
            found = payload.find(f"{{{OAI_DATACITE_NS}}}payload")
            if found is None or len(found) == 0:
                raise Refused("oai_datacite record without a <payload> element")
            resource = found[0]
        try:
            (record,) = read_records(etree.tostring(resource), source=source, warnings=[])
        except UnreadableInput as exc:
            raise Refused(str(exc)) from None
        metadata = record["metadata"]
    return Mapped(metadata, landing_url(metadata))


def landing_url(metadata: Mapping[str, Any]) -> str | None:
    """The first URL alternate identifier, else the DOI's resolver address, else None."""
    for alternate in metadata.get("alternateIdentifiers") or ():
        value = str(alternate.get("alternateIdentifier", ""))
        if alternate.get("alternateIdentifierType", "").lower() == "url" and _is_web(value):
            return value
    doi = metadata.get("doi")
    return DOI_RESOLVER + bare_doi(str(doi)) if doi else None


def _is_web(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def _dc_values(payload: etree._Element, name: str) -> list[str]:
    values = (" ".join((el.text or "").split()) for el in payload.iter(f"{{{DC_NS}}}{name}"))
    return [v for v in values if v]


def _from_dc(payload: etree._Element) -> dict[str, Any]:
    if etree.QName(payload).namespace != OAI_DC_NS:
        raise Refused(f"not oai_dc: root element {payload.tag}")
    titles = _dc_values(payload, "title")
    creators = _dc_values(payload, "creator")
    publishers = _dc_values(payload, "publisher")
    years = [m.group(1) for d in _dc_values(payload, "date") if (m := _YEAR.match(d))]
    kinds = _dc_values(payload, "type")
    general = next((g for k in kinds if (g := _resource_type_general(k))), None)
    missing = [
        why for why, ok in (
            ("no dc:title (DataCite titles)", titles),
            ("no dc:creator (DataCite creators)", creators),
            ("no dc:publisher (DataCite publisher)", publishers),
            ("no dc:date with a year (DataCite publicationYear)", years),
            ((f"dc:type {', '.join(repr(k) for k in kinds)} names no DataCite resourceTypeGeneral"
              if kinds else "no dc:type (DataCite resourceTypeGeneral)"), general),
        ) if not ok
    ]
    if missing:
        raise Refused("oai_dc lacks DataCite's mandatory properties: " + "; ".join(missing))
    assert general is not None
    metadata: dict[str, Any] = {
        "titles": [{"title": t} for t in titles],
        "creators": [_creator(c) for c in creators],
        "publisher": {"name": publishers[0]},
        "publicationYear": years[0],
        "types": {"resourceTypeGeneral": general, "resourceType": kinds[0]},
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    _identifiers(metadata, _dc_values(payload, "identifier"))
    if subjects := _dc_values(payload, "subject"):
        metadata["subjects"] = [{"subject": s} for s in subjects]
    if descriptions := _dc_values(payload, "description"):
        metadata["descriptions"] = [{"description": d, "descriptionType": "Abstract"}
                                    for d in descriptions]
    if languages := _dc_values(payload, "language"):
        metadata["language"] = languages[0]
    if rights := _dc_values(payload, "rights"):
        metadata["rightsList"] = [
            {"rights": r, "rightsUri": r} if _is_web(r) else {"rights": r} for r in rights
        ]
    return metadata


def _resource_type_general(kind: str) -> str | None:
    key = kind.strip().lower().replace(" ", "")
    if key in DCMI_TYPES:
        return DCMI_TYPES[key]
    for general in vocabulary("resourceType"):
        if general.lower() == key:
            return general
    return None


def _creator(name: str) -> dict[str, Any]:
    """``Family, Given`` is a person; any other name is kept as written."""
    family, comma, given = name.partition(",")
    if comma and family.strip() and given.strip():
        return {"name": name, "nameType": "Personal",
                "familyName": family.strip(), "givenName": given.strip()}
    return {"name": name}


def _identifiers(metadata: dict[str, Any], identifiers: Sequence[str]) -> None:
    alternates = []
    for value in identifiers:
        match = _DOI.match(value)
        if match and "doi" not in metadata:
            metadata["doi"] = match.group(1)
        elif _is_web(value):
            alternates.append({"alternateIdentifier": value, "alternateIdentifierType": "URL"})
    if alternates:
        metadata["alternateIdentifiers"] = alternates
