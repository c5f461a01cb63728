"""DataCite metadata -> simple Dublin Core (``oai_dc``), the OAI-PMH baseline format.

Follows DataCite's own DataCite-to-Dublin-Core mapping (Metadata Schema
documentation, appendix "DataCite Metadata Schema to Dublin Core", and the
``oai_dc`` DataCite's OAI-PMH provider serves):

=======================  ==============================================
DataCite                 oai_dc
=======================  ==============================================
identifier (DOI)         dc:identifier ``https://doi.org/<doi>``
alternateIdentifier      dc:identifier (as a URL where the type has one)
creator / contributor    dc:creator / dc:contributor (the name)
affiliation              dc:contributor (each organisation once)
title (every one)        dc:title (with xml:lang)
publisher                dc:publisher
publicationYear          dc:date (plain, first: harvesters take the first)
date + dateType          dc:date ``Issued: 2020-01-01`` (the meaning kept);
                         a Coverage date is dc:coverage, not dc:date
dateInformation          dc:description
resourceTypeGeneral      dc:type; resourceType a second dc:type
subject                  dc:subject; its classificationCode another one
description              dc:description
format, size             dc:format
language                 dc:language
relatedIdentifier        dc:relation (as a URL where the type has one);
                         IsDerivedFrom is dc:source
relatedItem              dc:relation (its identifier, else its title)
fundingReference         funderName dc:contributor; awardNumber,
                         awardTitle, awardURI dc:relation
rights / rightsURI       dc:rights, one element each
geoLocation              dc:coverage: the place name; a point as DCMI Point
                         ``east=<lon>; north=<lat>``; a box as DCMI Box;
                         a polygon as the DCMI Box around it (lossy; one
                         that crosses the antimeridian gets the box across
                         it, westlimit > eastlimit)
=======================  ==============================================

No value is written twice in one element (three language versions of a
license share one rightsURI; a polygon's box may equal the explicit box).
Not carried (simple DC has no place for them): version, name identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    doi_url,
    geo_polygons,
    identifier_url,
    publisher_name,
    text,
)
from serializers.namespaces import (
    DC_NS,
    OAI_DC_NS,
    OAI_DC_SCHEMA_LOCATION,
    XML_LANG,
    XSI,
    XSI_NS,
    schema_location,
)

__all__ = [
    "dump",
    "metadata_to_dc",
    "oai_payload",
]


_NSMAP = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}


def _fmt_number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _box(north: Any, east: Any, south: Any, west: Any) -> str:
    return (f"northlimit={_fmt_number(north)}; eastlimit={_fmt_number(east)}; "
            f"southlimit={_fmt_number(south)}; westlimit={_fmt_number(west)}")


def _crosses_antimeridian(lons: list[float]) -> bool:
    """Whether a polygon's edge is read as crossing the antimeridian.

    DataCite (like GeoJSON) draws edges straight in longitude and latitude,
    so an edge from -100 to 100 runs over Greenwich. Only an edge whose way
    across 180 is less than half its way through 0 (a jump of more than 240
    degrees, 170 to -170) is taken as a wrap: nobody draws a 340-degree edge.
    """
    return any(abs(b - a) > 240 for a, b in zip(lons, lons[1:] + lons[:1], strict=True))


def _polygon_box(polygon: list[Mapping[str, Any]]) -> str:
    lats = [float(p["pointLatitude"]) for p in polygon]
    lons = [float(p["pointLongitude"]) for p in polygon]
    east, west = max(lons), min(lons)
    if _crosses_antimeridian(lons):
        # the box runs from the westmost positive longitude east, across 180,
        # to the eastmost negative one (a DCMI Box may have westlimit > eastlimit)
        west = min(lon for lon in lons if lon >= 0)
        east = max(lon for lon in lons if lon < 0)
    return _box(max(lats), east, min(lats), west)


def _coverages(geo: Mapping[str, Any]) -> list[str]:
    values = []
    if text(geo.get("geoLocationPlace")):
        values.append(text(geo["geoLocationPlace"]))
    point = geo.get("geoLocationPoint")
    if point and point.get("pointLatitude") is not None and point.get("pointLongitude") is not None:
        values.append(f"east={_fmt_number(point['pointLongitude'])}; "
                      f"north={_fmt_number(point['pointLatitude'])}")
    box = geo.get("geoLocationBox")
    if box and all(box.get(k) is not None for k in (
            "northBoundLatitude", "eastBoundLongitude", "southBoundLatitude", "westBoundLongitude")):
        values.append(_box(box["northBoundLatitude"], box["eastBoundLongitude"],
                           box["southBoundLatitude"], box["westBoundLongitude"]))
    for polygon in geo_polygons(geo):
        values.append(_polygon_box(polygon))
    return values


def metadata_to_dc(metadata: Mapping[str, Any], *, landing_url: str | None = None) -> etree._Element:
    """The ``<oai_dc:dc>`` element for DataCite JSON metadata.

    ``landing_url`` becomes a dc:identifier when the record has no DOI, so a
    harvester always has a link to follow.
    """
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=_NSMAP)
    root.set(XSI, schema_location(OAI_DC_NS, OAI_DC_SCHEMA_LOCATION))

    written: set[tuple[str, str]] = set()

    def add(name: str, value: Any, lang: str | None = None) -> None:
        value = text(value)
        if value and (name, value) not in written:
            written.add((name, value))
            element = etree.SubElement(root, f"{{{DC_NS}}}{name}")
            element.text = value
            if lang:
                element.set(XML_LANG, lang)

    def affiliations(people: list[Mapping[str, Any]]) -> list[str]:
        return [text(a.get("name") if isinstance(a, Mapping) else a)
                for person in people for a in person.get("affiliation") or []]

    creators = metadata.get("creators") or []
    contributors = metadata.get("contributors") or []
    funding = metadata.get("fundingReferences") or []
    for title in metadata.get("titles") or []:
        add("title", title.get("title"), title.get("lang"))
    for creator in creators:
        add("creator", creator.get("name"))
    for contributor in contributors:
        add("contributor", contributor.get("name"))
    for name in affiliations(creators) + affiliations(contributors):
        add("contributor", name)
    for reference in funding:
        add("contributor", reference.get("funderName"))
    for subject in metadata.get("subjects") or []:
        add("subject", subject.get("subject"), subject.get("lang"))
        add("subject", subject.get("classificationCode"))
    for description in metadata.get("descriptions") or []:
        add("description", description.get("description"), description.get("lang"))
    for date in metadata.get("dates") or []:
        add("description", date.get("dateInformation"))
    publisher = metadata.get("publisher")
    add("publisher", publisher_name(metadata),
        publisher.get("lang") if isinstance(publisher, Mapping) else None)
    add("date", metadata.get("publicationYear"))
    for date in metadata.get("dates") or []:
        if text(date.get("date")) and date.get("dateType") != "Coverage":
            add("date", f"{date.get('dateType') or 'Other'}: {text(date['date'])}")
    types = metadata.get("types") or {}
    add("type", types.get("resourceTypeGeneral"))
    if text(types.get("resourceType")) and types.get("resourceType") != types.get("resourceTypeGeneral"):
        add("type", types.get("resourceType"))
    for value in metadata.get("formats") or []:
        add("format", value)
    for value in metadata.get("sizes") or []:
        add("format", value)
    if text(metadata.get("doi")):
        add("identifier", doi_url(metadata["doi"]))
    elif landing_url:
        add("identifier", landing_url)
    for alternate in metadata.get("alternateIdentifiers") or []:
        value = text(alternate.get("alternateIdentifier"))
        add("identifier", identifier_url(value, alternate.get("alternateIdentifierType")) or value)
    for related in metadata.get("relatedIdentifiers") or []:
        value = text(related.get("relatedIdentifier"))
        url = identifier_url(value, related.get("relatedIdentifierType")) or value
        add("source" if related.get("relationType") == "IsDerivedFrom" else "relation", url)
    for item in metadata.get("relatedItems") or []:
        ident = item.get("relatedItemIdentifier") or {}
        value = text(ident.get("relatedItemIdentifier"))
        if value:
            url = identifier_url(value, ident.get("relatedItemIdentifierType")) or value
            add("source" if item.get("relationType") == "IsDerivedFrom" else "relation", url)
        else:
            titles = item.get("titles") or []
            add("relation", titles[0].get("title") if titles else None)
    for reference in funding:
        for key in ("awardNumber", "awardTitle", "awardUri"):
            add("relation", reference.get(key))
    add("language", metadata.get("language"))
    for date in metadata.get("dates") or []:
        if date.get("dateType") == "Coverage":
            add("coverage", date.get("date"))
    for geo in metadata.get("geoLocations") or []:
        for coverage in _coverages(geo):
            add("coverage", coverage)
    for rights in metadata.get("rightsList") or []:
        add("rights", rights.get("rights"), rights.get("lang"))
        add("rights", rights.get("rightsUri"))
    return root


def oai_payload(record: Record, ctx: ExportContext) -> etree._Element:
    return metadata_to_dc(record.metadata, landing_url=ctx.landing_url(record.id))


def dump(record: Record, ctx: ExportContext) -> bytes:
    return etree.tostring(oai_payload(record, ctx), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
