"""DataCite XML, kernel 4.7: the metadata dict as a ``<resource>`` document.

The mapping is the inverse of ``repository_core.metadata.datacite_xml_reader``
(the reader): names are the same, ``lang`` -> ``xml:lang``, ``*Uri`` ->
``*URI``, and U+2028 in a description -> ``<br/>``. Elements are written in
the order the kernel-4.7 XSD requires inside sequences, and in the customary
order at the top level (where the XSD's ``xs:all`` leaves it free).

A record without a DOI: the XSD requires ``<identifier>``, and DataCite
requires it to be a DOI, so there is no valid DataCite XML for such a record.
:func:`dump` then raises :class:`MissingDOI` (callers check :func:`has_doi`
first; the OAI-PMH endpoint answers ``cannotDisseminateFormat`` for
``oai_datacite`` on such a record). ``metadata_to_xml(md, require_doi=False)``
builds the document without ``<identifier>`` -- not XSD-valid, meant for
previews of drafts.

The output is valid against ``schemas/datacite-kernel-4/metadata.xsd`` for
every metadata dict that ``repository_core.metadata.validate_metadata``
accepts (the tests check this on all of DataCite's examples).

Not for: OAI-PMH envelopes (``oai_datacite`` wraps :func:`metadata_to_xml`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from repository_core.records import Record

from .context import ExportContext
from .namespaces import (
    DATACITE_NS,
    DATACITE_SCHEMA_LOCATION,
    XML_LANG,
    XSI,
    XSI_NS,
    schema_location,
)

__all__ = ["LINE_BREAK", "MEDIA_TYPE", "MissingDOI", "dump", "has_doi", "metadata_to_xml", "to_bytes"]

MEDIA_TYPE = "application/vnd.datacite.datacite+xml"
#: The JSON model's stand-in for ``<br/>`` in descriptions (see the reader).
LINE_BREAK = "\u2028"

_NSMAP = {None: DATACITE_NS, "xsi": XSI_NS}


class MissingDOI(ValueError):
    """The record has no DOI, so it has no valid DataCite XML (``<identifier>`` is required)."""


def has_doi(metadata: Mapping[str, Any]) -> bool:
    """True if the metadata carries a DOI, i.e. :func:`dump` can produce valid XML."""
    return bool(metadata.get("doi"))


def _q(tag: str) -> str:
    return f"{{{DATACITE_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: Any = None, attrs: Mapping[str, Any] | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(tag))
    if text is not None:
        el.text = _text(text)
    for name, value in (attrs or {}).items():
        if value is not None:
            el.set(name, str(value))
    return el


def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError(f"not a text value: {value!r}")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)  # "50.0"
    return str(value)


def _pick(source: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """XML attributes from JSON keys: ``mapping`` is JSON key -> XML attribute name."""
    return {xml: source[key] for key, xml in mapping.items() if key in source}


def metadata_to_xml(metadata: Mapping[str, Any], *, require_doi: bool = True) -> etree._Element:
    """The ``<resource>`` element for valid metadata (see the module docstring about DOIs)."""
    if require_doi and not has_doi(metadata):
        raise MissingDOI("a record without a DOI has no valid DataCite XML (no <identifier>)")
    md = metadata
    root = etree.Element(_q("resource"), nsmap=_NSMAP)
    root.set(XSI, schema_location(DATACITE_NS, DATACITE_SCHEMA_LOCATION))
    if md.get("doi"):
        _sub(root, "identifier", md["doi"], {"identifierType": "DOI"})
    if "creators" in md:
        wrapper = _sub(root, "creators")
        for person in md["creators"]:
            _person(wrapper, "creator", "creatorName", person, full=True)
    if "titles" in md:
        _titles(root, md["titles"])
    if "publisher" in md:
        publisher = md["publisher"]
        _sub(root, "publisher", publisher.get("name", ""), _pick(publisher, {
            "publisherIdentifier": "publisherIdentifier",
            "publisherIdentifierScheme": "publisherIdentifierScheme",
            "schemeUri": "schemeURI",
            "lang": XML_LANG,
        }))
    if "publicationYear" in md:
        _sub(root, "publicationYear", md["publicationYear"])
    if "types" in md:
        types = md["types"]
        _sub(root, "resourceType", types.get("resourceType", ""), {"resourceTypeGeneral": types.get("resourceTypeGeneral")})
    if "subjects" in md:
        wrapper = _sub(root, "subjects")
        for s in md["subjects"]:
            _sub(wrapper, "subject", s.get("subject", ""), _pick(s, {
                "subjectScheme": "subjectScheme", "schemeUri": "schemeURI", "valueUri": "valueURI",
                "classificationCode": "classificationCode", "lang": XML_LANG,
            }))
    if "contributors" in md:
        wrapper = _sub(root, "contributors")
        for person in md["contributors"]:
            _person(wrapper, "contributor", "contributorName", person, full=True)
    if "dates" in md:
        wrapper = _sub(root, "dates")
        for d in md["dates"]:
            _sub(wrapper, "date", d.get("date", ""), _pick(d, {"dateType": "dateType", "dateInformation": "dateInformation"}))
    if "language" in md:
        _sub(root, "language", md["language"])
    if "alternateIdentifiers" in md:
        wrapper = _sub(root, "alternateIdentifiers")
        for a in md["alternateIdentifiers"]:
            _sub(wrapper, "alternateIdentifier", a.get("alternateIdentifier", ""),
                 _pick(a, {"alternateIdentifierType": "alternateIdentifierType"}))
    if "relatedIdentifiers" in md:
        wrapper = _sub(root, "relatedIdentifiers")
        for r in md["relatedIdentifiers"]:
            _sub(wrapper, "relatedIdentifier", r.get("relatedIdentifier", ""), _pick(r, {
                "relatedIdentifierType": "relatedIdentifierType", "relationType": "relationType",
                "relationTypeInformation": "relationTypeInformation",
                "resourceTypeGeneral": "resourceTypeGeneral",
                "relatedMetadataScheme": "relatedMetadataScheme", "schemeUri": "schemeURI",
                "schemeType": "schemeType",
            }))
    for plural, singular in (("sizes", "size"), ("formats", "format")):
        if plural in md:
            wrapper = _sub(root, plural)
            for value in md[plural]:
                _sub(wrapper, singular, value)
    if "version" in md:
        _sub(root, "version", md["version"])
    if "rightsList" in md:
        wrapper = _sub(root, "rightsList")
        for r in md["rightsList"]:
            _sub(wrapper, "rights", r.get("rights"), _pick(r, {
                "rightsUri": "rightsURI", "rightsIdentifier": "rightsIdentifier",
                "rightsIdentifierScheme": "rightsIdentifierScheme", "schemeUri": "schemeURI",
                "lang": XML_LANG,
            }))
    if "descriptions" in md:
        wrapper = _sub(root, "descriptions")
        for d in md["descriptions"]:
            _description(wrapper, d)
    if "geoLocations" in md:
        wrapper = _sub(root, "geoLocations")
        for location in md["geoLocations"]:
            _geo_location(wrapper, location)
    if "fundingReferences" in md:
        wrapper = _sub(root, "fundingReferences")
        for f in md["fundingReferences"]:
            _funding_reference(wrapper, f)
    if "relatedItems" in md:
        wrapper = _sub(root, "relatedItems")
        for item in md["relatedItems"]:
            _related_item(wrapper, item)
    return root


def _person(parent: etree._Element, tag: str, name_tag: str, person: Mapping[str, Any], *, full: bool) -> None:
    el = _sub(parent, tag, None, _pick(person, {"contributorType": "contributorType"}))
    _sub(el, name_tag, person.get("name", ""), _pick(person, {"nameType": "nameType", "lang": XML_LANG}))
    for part in ("givenName", "familyName"):
        if part in person:
            _sub(el, part, person[part])
    if not full:
        return
    for ident in person.get("nameIdentifiers", ()):
        _sub(el, "nameIdentifier", ident.get("nameIdentifier", ""), _pick(ident, {
            "nameIdentifierScheme": "nameIdentifierScheme", "schemeUri": "schemeURI",
        }))
    for aff in person.get("affiliation", ()):
        _sub(el, "affiliation", aff.get("name", ""), _pick(aff, {
            "affiliationIdentifier": "affiliationIdentifier",
            "affiliationIdentifierScheme": "affiliationIdentifierScheme",
            "schemeUri": "schemeURI",
        }))


def _titles(parent: etree._Element, titles: Any) -> None:
    wrapper = _sub(parent, "titles")
    for t in titles:
        _sub(wrapper, "title", t.get("title", ""), _pick(t, {"titleType": "titleType", "lang": XML_LANG}))


def _description(parent: etree._Element, d: Mapping[str, Any]) -> None:
    el = _sub(parent, "description", None, _pick(d, {"descriptionType": "descriptionType", "lang": XML_LANG}))
    pieces = str(d.get("description", "")).split(LINE_BREAK)
    el.text = pieces[0]
    for piece in pieces[1:]:
        br = _sub(el, "br")
        br.tail = piece


def _point(parent: etree._Element, tag: str, point: Mapping[str, Any]) -> None:
    el = _sub(parent, tag)
    _sub(el, "pointLongitude", point["pointLongitude"])
    _sub(el, "pointLatitude", point["pointLatitude"])


_BOX = ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")


def _geo_location(parent: etree._Element, location: Mapping[str, Any]) -> None:
    el = _sub(parent, "geoLocation")
    if "geoLocationPlace" in location:
        _sub(el, "geoLocationPlace", location["geoLocationPlace"])
    if "geoLocationPoint" in location:
        _point(el, "geoLocationPoint", location["geoLocationPoint"])
    if "geoLocationBox" in location:
        box = _sub(el, "geoLocationBox")
        for key in _BOX:
            _sub(box, key, location["geoLocationBox"][key])
    if "geoLocationPolygon" in location:
        polygon = _sub(el, "geoLocationPolygon")
        for entry in location["geoLocationPolygon"]:
            for key in ("polygonPoint", "inPolygonPoint"):
                if key in entry:
                    _point(polygon, key, entry[key])


def _funding_reference(parent: etree._Element, f: Mapping[str, Any]) -> None:
    el = _sub(parent, "fundingReference")
    _sub(el, "funderName", f.get("funderName", ""))
    if "funderIdentifier" in f:
        _sub(el, "funderIdentifier", f["funderIdentifier"], _pick(f, {
            "funderIdentifierType": "funderIdentifierType", "schemeUri": "schemeURI",
        }))
    if "awardNumber" in f:
        _sub(el, "awardNumber", f["awardNumber"], _pick(f, {"awardUri": "awardURI"}))
    if "awardTitle" in f:
        _sub(el, "awardTitle", f["awardTitle"])


def _related_item(parent: etree._Element, item: Mapping[str, Any]) -> None:
    el = _sub(parent, "relatedItem", None, _pick(item, {
        "relatedItemType": "relatedItemType", "relationType": "relationType",
        "relationTypeInformation": "relationTypeInformation",
    }))
    if "relatedItemIdentifier" in item:
        ident = item["relatedItemIdentifier"]
        _sub(el, "relatedItemIdentifier", ident.get("relatedItemIdentifier", ""), {
            **_pick(ident, {"relatedItemIdentifierType": "relatedItemIdentifierType"}),
            **_pick(item, {"relatedMetadataScheme": "relatedMetadataScheme", "schemeUri": "schemeURI",
                           "schemeType": "schemeType"}),
        })
    if "creators" in item:
        wrapper = _sub(el, "creators")
        for person in item["creators"]:
            _person(wrapper, "creator", "creatorName", person, full=False)
    if "titles" in item:
        _titles(el, item["titles"])
    for key in ("publicationYear", "volume", "issue"):
        if key in item:
            _sub(el, key, item[key])
    if "number" in item:
        _sub(el, "number", item["number"], _pick(item, {"numberType": "numberType"}))
    for key in ("firstPage", "lastPage", "publisher", "edition"):
        if key in item:
            _sub(el, key, item[key])
    if "contributors" in item:
        wrapper = _sub(el, "contributors")
        for person in item["contributors"]:
            _person(wrapper, "contributor", "contributorName", person, full=False)


def to_bytes(element: etree._Element, *, pretty: bool = True, xml_declaration: bool = True) -> bytes:
    """UTF-8 bytes of an element. Pretty printing adds whitespace only between elements
    that have no text of their own, so it never changes a value."""
    return etree.tostring(element, encoding="UTF-8", xml_declaration=xml_declaration, pretty_print=pretty)


def dump(record: Record, ctx: ExportContext) -> bytes:
    """The record as a DataCite kernel-4.7 XML document (raises MissingDOI without a DOI)."""
    metadata = dict(record.metadata)
    if not metadata.get("doi") and record.doi:
        metadata["doi"] = record.doi
    return to_bytes(metadata_to_xml(metadata))
