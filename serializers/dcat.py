"""DataCite metadata -> DCAT-AP 3.0.0 (the EU's profile for data portals), as an rdflib graph.

Every record is one ``dcat:Dataset`` (as Zenodo serves ``dcat``, whatever
the resource type; ``dct:type`` says what it is). The graph is built with
rdflib and written as RDF/XML (the OAI-PMH ``dcat`` payload and
``application/rdf+xml``) or Turtle (``text/turtle``). Its subject is the DOI
URL, else the landing page URL. The output conforms to the official DCAT-AP
3.0.0 constraint shapes (``shapes.ttl``; the tests run pySHACL on all 31
DataCite examples).

=========================  ==================================================
DataCite                   DCAT-AP
=========================  ==================================================
doi                        the dataset IRI (``https://doi.org/...``) and
                           dct:identifier (the same URL, a literal)
alternateIdentifiers       adms:identifier (adms:Identifier: skos:notation,
                           adms:schemeAgency the identifier type)
types                      dct:type: the DCMI Type of resourceTypeGeneral
                           (``resource_types.dcmi_type``; none for Award,
                           Project, Model, Other)
titles                     dct:title (no titleType, TranslatedTitle);
                           dct:alternative (Subtitle, AlternativeTitle,
                           Other); ``lang`` as the language tag
creators                   dct:creator: foaf:Agent (and foaf:Person or
                           foaf:Organization by nameType) with foaf:name,
                           givenName, familyName; the ORCID / ROR URL is its
                           IRI; affiliations org:memberOf foaf:Organization
contributors               dct:contributor (same agents); ContactPerson:
                           dcat:contactPoint, a vcard:Individual /
                           vcard:Organization / vcard:Kind with vcard:fn,
                           vcard:hasUID (ORCID), vcard:organization-name
descriptions               dct:description (Abstract, SeriesInformation,
                           TechnicalInfo, Other); Methods dct:provenance
                           (dct:ProvenanceStatement); TableOfContents
                           dct:tableOfContents. DCAT-AP requires a
                           description: without one, the main title serves
subjects                   dcat:keyword (with language); a subject with a
                           valueUri also dcat:theme <valueUri>
publisher                  dct:publisher: foaf:Agent with foaf:name (ROR
                           IRI when given); repository name if missing
publicationYear / Issued   dct:issued (xsd:date, gYearMonth, gYear or
                           dateTime, as precise as the value)
dates Updated / Created    dct:modified (one, the first) / dct:created
dates Coverage             dct:temporal: dct:PeriodOfTime with
                           dcat:startDate / dcat:endDate (each side of the
                           range that is a valid date); Collected is the
                           time of collection, not the period the data
                           cover, and is left out (as in schema.org)
language                   dct:language: the EU Languages authority IRI
                           (``.../authority/language/ENG``) via ISO 639-3
version                    dcat:version
rightsList                 info:eu-repo access terms: dct:accessRights (EU
                           access-right authority: PUBLIC, RESTRICTED,
                           NON_PUBLIC); the first rightsUri (or SPDX id):
                           dct:license on each distribution (a
                           dct:LicenseDocument labelled with the rights
                           text); every other rights text: a
                           dct:RightsStatement as dct:rights of each
                           distribution
formats                    one dcat:Distribution per format: a media type
                           (``text/csv``) as dcat:mediaType <IANA IRI>, any
                           other text as dct:format (dct:MediaTypeOrExtent
                           with rdfs:label); no format: one distribution.
                           dcat:accessURL is the landing page (DCAT-AP
                           requires one; the record has no file URLs)
sizes                      dcat:byteSize when there is one distribution and
                           one size in bytes (``42 MB`` = 42000000.0)
geoLocations               dct:spatial: dct:Location with
                           locn:geographicName (place), dcat:bbox (the box
                           as a gsp:wktLiteral POLYGON; across the
                           antimeridian a MULTIPOLYGON) and locn:geometry
                           (the point as WKT POINT, else the first
                           polygon); each further polygon its own
                           dct:Location. WKT in CRS84 (longitude first)
relatedIdentifiers /       dct:isPartOf, hasPart, isVersionOf, hasVersion,
relatedItems               references (References, Cites), isReferencedBy
                           (IsReferencedBy, IsCitedBy), requires,
                           isRequiredBy, replaces (Obsoletes),
                           isReplacedBy, source (IsDerivedFrom),
                           dcat:previousVersion (IsNewVersionOf),
                           foaf:page (IsDocumentedBy, IsDescribedBy), any
                           other relation dct:relation; only targets with
                           a URL (an identifier without one is left out)
fundingReferences          frapo:isFundedBy, as CiteDCAT-AP (the DataCite
                           profile of DCAT-AP) maps them: a foaf:Project
                           (the awardUri its IRI; dct:identifier the award
                           number, dct:title the award title) with
                           frapo:isAwardedBy the funder (foaf:Organization,
                           its Crossref Funder ID as DOI URL or ROR URL the
                           IRI); a funder without an award directly
(landing page)             dcat:landingPage
=========================  ==================================================

Not carried (DCAT-AP has no property for them): contributor roles other
than ContactPerson, dates other than Issued, Updated, Created and Coverage,
dateInformation, sizes other than bytes, related identifiers without a URL.

Blank nodes (agents without an ORCID/ROR, locations, periods,
distributions) are labelled in build order and the triples written in
sorted order, so the same record always gives the same bytes (golden files,
ETags); the labels show only where a node is used twice (Turtle and RDF/XML
nest the others). rdflib's ``to_canonical_graph`` would give the same
stability by hashing, at twice the cost of building the graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import date, datetime
from typing import Any

import pycountry
from lxml import etree
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from repository_core.records import Record
from serializers import resource_types
from serializers.context import ExportContext
from serializers.datacite_reading import (
    dates_of_type,
    doi_url,
    geo_polygons,
    identifier_url,
    issued_date,
    main_title,
    name_identifier_url,
    publisher_name,
    resource_type_general,
    ror_url,
    split_name,
    text,
)
from serializers.links import web_link
from serializers.namespaces import DCAT_OAI_NS, DCAT_OAI_SCHEMA_LOCATION

__all__ = [
    "ADMS",
    "DCAT",
    "DCAT_NS",
    "DCT",
    "FOAF",
    "FRAPO",
    "GSP",
    "LOCN",
    "OAI_NAMESPACE",
    "OAI_SCHEMA",
    "ORG",
    "RDF_NS",
    "VCARD",
    "date_literal",
    "dump_rdfxml",
    "dump_turtle",
    "graph_to_rdfxml",
    "iri",
    "language_iri",
    "metadata_to_graph",
    "oai_payload",
    "to_graph",
]

# rdflib's closed DCAT namespace predates DCAT 3 (no dcat:version): open namespaces here.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
ORG = Namespace("http://www.w3.org/ns/org#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

DCAT_NS = str(DCAT)
RDF_NS = str(RDF)
#: What ListMetadataFormats announces for ``dcat`` (see ``serializers.namespaces``).
OAI_NAMESPACE = DCAT_OAI_NS
OAI_SCHEMA = DCAT_OAI_SCHEMA_LOCATION

_PREFIXES = {
    "dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "locn": LOCN, "gsp": GSP,
    "adms": ADMS, "org": ORG, "frapo": FRAPO, "skos": SKOS, "rdfs": RDFS, "xsd": XSD,
}

_RELATIONS: dict[str, URIRef] = {
    "IsPartOf": DCT.isPartOf,
    "IsPublishedIn": DCT.isPartOf,
    "HasPart": DCT.hasPart,
    "IsVersionOf": DCT.isVersionOf,
    "HasVersion": DCT.hasVersion,
    "IsNewVersionOf": DCAT.previousVersion,
    "References": DCT.references,
    "Cites": DCT.references,
    "IsReferencedBy": DCT.isReferencedBy,
    "IsCitedBy": DCT.isReferencedBy,
    "Requires": DCT.requires,
    "IsRequiredBy": DCT.isRequiredBy,
    "Obsoletes": DCT.replaces,
    "IsObsoletedBy": DCT.isReplacedBy,
    "IsDerivedFrom": DCT.source,
    "IsDocumentedBy": FOAF.page,
    "IsDescribedBy": FOAF.page,
}
"""relationType -> property; every other relation is dct:relation."""

_ACCESS_RIGHTS = {
    "info:eu-repo/semantics/openAccess": "PUBLIC",
    "info:eu-repo/semantics/restrictedAccess": "RESTRICTED",
    "info:eu-repo/semantics/embargoedAccess": "NON_PUBLIC",
    "info:eu-repo/semantics/closedAccess": "NON_PUBLIC",
    "info:eu-repo/semantics/metadataOnlyAccess": "NON_PUBLIC",
}
"""COAR / info:eu-repo access terms -> the EU access-right authority's codes."""

_TITLE_TYPES_AS_TITLE = frozenset({"", "TranslatedTitle"})
_DESCRIPTION_PROPERTY = {"Methods": DCT.provenance, "TableOfContents": DCT.tableOfContents}
_LANG_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_BYTE_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|bytes?|kB|KB|MB|GB|TB)\s*$")
_BYTE_UNITS = {"B": 1, "BYTE": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
# xsd:dateTime needs the seconds
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


# -- literals ------------------------------------------------------------------------
def _lang(value: Any) -> str | None:
    tag = text(value)
    return tag if tag and _LANG_TAG.match(tag) else None


def _text_literal(value: Any, lang: Any = None) -> Literal | None:
    value = text(value)
    return Literal(value, lang=_lang(lang)) if value else None


def date_literal(value: Any) -> Literal | None:
    """A DataCite date as a typed literal DCAT-AP accepts (date, dateTime, gYearMonth,
    gYear), or None when it is none of those (``321 BCE``, ``Yesterday``)."""
    value = text(value)
    try:
        if re.fullmatch(r"\d{4}", value):
            return Literal(value, datatype=XSD.gYear) if value != "0000" else None
        if re.fullmatch(r"\d{4}-\d{2}", value):
            date.fromisoformat(value + "-01")
            return Literal(value, datatype=XSD.gYearMonth)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            date.fromisoformat(value)
            return Literal(value, datatype=XSD.date)
        if _DATE_TIME.match(value):
            datetime.fromisoformat(value)
            return Literal(value, datatype=XSD.dateTime)
    except ValueError:
        return None
    return None


_NOT_IN_IRI = re.compile(r'[<>"{}|\\^`]')


def iri(value: Any) -> URIRef | None:
    """An http(s) link from the metadata as an IRI rdflib can write, else None.

    Only what ``links.web_link`` accepts becomes a node; the few ASCII
    characters an IRI cannot hold (``<>"{}|\\^```) are percent-encoded, so a
    hostile or sloppy URL can neither break the Turtle nor make the export fail.
    """
    link = web_link(value)
    if link is None:
        return None
    return URIRef(_NOT_IN_IRI.sub(lambda m: f"%{ord(m.group()):02X}", link))


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _wkt(value: str) -> Literal:
    return Literal(value, datatype=GSP.wktLiteral)


def _wkt_polygon(points: Iterable[tuple[Any, Any]]) -> Literal:
    """A WKT polygon from (longitude, latitude) pairs, closed if the ring is not."""
    ring = [f"{_number(lon)} {_number(lat)}" for lon, lat in points]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return _wkt(f"POLYGON(({', '.join(ring)}))")


def _wkt_box(west: Any, east: Any, south: Any, north: Any) -> Literal:
    """A bounding box as WKT; one that crosses the antimeridian (west > east, as
    DataCite writes it) is two polygons meeting at 180 degrees."""
    def ring(w: Any, e: Any) -> str:
        corners = [(w, south), (e, south), (e, north), (w, north), (w, south)]
        return f"(({', '.join(f'{_number(x)} {_number(y)}' for x, y in corners)}))"

    if float(west) > float(east):
        return _wkt(f"MULTIPOLYGON({ring(west, 180)}, {ring(-180, east)})")
    return _wkt(f"POLYGON{ring(west, east)}")


def language_iri(code: Any) -> URIRef | None:
    """The EU Languages authority IRI for a language tag (``en-US`` -> ``.../ENG``)."""
    primary = text(code).split("-")[0].lower()
    if len(primary) == 2:
        found = pycountry.languages.get(alpha_2=primary)
    elif len(primary) == 3:
        found = pycountry.languages.get(alpha_3=primary) or pycountry.languages.get(
            bibliographic=primary)
    else:
        found = None
    return URIRef(f"{EU_AUTHORITY}language/{found.alpha_3.upper()}") if found else None


# -- the graph -----------------------------------------------------------------------
class _Builder:
    """Adds one record's triples to a graph (one instance per record)."""

    def __init__(self, metadata: Mapping[str, Any], *, landing_url: str | None,
                 repository_name: str | None, doi: str | None) -> None:
        self.md = metadata
        self.graph = Graph()
        for prefix, namespace in _PREFIXES.items():
            self.graph.bind(prefix, namespace, override=True, replace=True)
        self.repository_name = repository_name
        self._blank_nodes = 0
        doi = text(doi) or text(metadata.get("doi"))
        self.identifier = doi_url(doi) if doi else landing_url
        self.dataset: Node = iri(self.identifier) or BNode("dataset")
        self.landing_page = iri(landing_url)

    def bnode(self) -> BNode:
        """A blank node labelled by build order: the same record, the same labels."""
        self._blank_nodes += 1
        return BNode(f"n{self._blank_nodes:04d}")  # sorts in build order

    def add(self, subject: Node, predicate: URIRef, value: Node | None) -> None:
        if value is None:
            return
        if predicate == FOAF.name and any(str(name) == str(value) for name in
                                           self.graph.objects(subject, FOAF.name)):
            return  # one agent met twice (creator and publisher): one name, not two
        self.graph.add((subject, predicate, value))

    def build(self) -> Graph:
        ds = self.dataset
        self.add(ds, RDF.type, DCAT.Dataset)
        if self.identifier:
            self.add(ds, DCT.identifier, Literal(self.identifier))
        self.add(ds, DCAT.landingPage, self.landing_page)
        self._titles()
        self._descriptions()
        self._identifiers()
        general = resource_type_general(self.md)
        if dcmi := resource_types.dcmi_type(general):
            self.add(ds, DCT.type, URIRef(dcmi))
        for creator in self.md.get("creators") or []:
            self.add(ds, DCT.creator, self._agent(creator))
        for contributor in self.md.get("contributors") or []:
            if contributor.get("contributorType") == "ContactPerson":
                self.add(ds, DCAT.contactPoint, self._contact(contributor))
            else:
                self.add(ds, DCT.contributor, self._agent(contributor))
        self.add(ds, DCT.publisher, self._publisher())
        self._subjects()
        self._dates()
        if language := language_iri(self.md.get("language")):
            self.add(ds, DCT.language, language)
        self.add(ds, DCAT.version, _text_literal(self.md.get("version")))
        for geo in self.md.get("geoLocations") or []:
            for location in self._locations(geo):
                self.add(ds, DCT.spatial, location)
        self._relations()
        self._funding()
        self._rights_and_distributions()
        return self.graph

    # -- parts ---------------------------------------------------------------------
    def _titles(self) -> None:
        titles = [t for t in self.md.get("titles") or [] if text(t.get("title"))]
        for title in titles:
            kind = text(title.get("titleType"))
            prop = DCT.title if kind in _TITLE_TYPES_AS_TITLE else DCT.alternative
            self.add(self.dataset, prop, _text_literal(title["title"], title.get("lang")))
        if not titles:  # DCAT-AP requires a title; DataCite does too, drafts may lack one
            self.add(self.dataset, DCT.title, Literal(self.identifier or "Untitled"))

    def _descriptions(self) -> None:
        described = False
        for description in self.md.get("descriptions") or []:
            # the model's line break (U+2028, DataCite XML's <br/>) is a newline in RDF
            value = _text_literal(text(description.get("description")).replace("\u2028", "\n"),
                                  description.get("lang"))
            if value is None:
                continue
            prop = _DESCRIPTION_PROPERTY.get(text(description.get("descriptionType")))
            if prop is None:
                self.add(self.dataset, DCT.description, value)
                described = True
            elif prop == DCT.provenance:
                statement = self.bnode()
                self.add(statement, RDF.type, DCT.ProvenanceStatement)
                self.add(statement, RDFS.label, value)
                self.add(self.dataset, prop, statement)
            else:
                self.add(self.dataset, prop, value)
        if not described:  # mandatory in DCAT-AP, optional in DataCite
            title = next((t for t in self.md.get("titles") or []
                          if text(t.get("title")) and not t.get("titleType")), None)
            self.add(self.dataset, DCT.description,
                     _text_literal(title["title"], title.get("lang")) if title
                     else Literal(main_title(self.md) or self.identifier or "Untitled"))

    def _identifiers(self) -> None:
        for alternate in self.md.get("alternateIdentifiers") or []:
            value = text(alternate.get("alternateIdentifier"))
            if not value:
                continue
            node = self.bnode()
            self.add(node, RDF.type, ADMS.Identifier)
            self.add(node, SKOS.notation, Literal(value))
            self.add(node, ADMS.schemeAgency, _text_literal(alternate.get("alternateIdentifierType")))
            self.add(self.dataset, ADMS.identifier, node)

    def _agent(self, person: Mapping[str, Any]) -> Node:
        family, given, display = split_name(person)
        ids = [u for u in (iri(name_identifier_url(i)) for i in person.get("nameIdentifiers") or [])
               if u is not None]
        preferred = next((u for u in ids if str(u).startswith(("https://orcid.org/", "https://ror.org/"))),
                         ids[0] if ids else None)
        node: Node = preferred or self.bnode()
        self.add(node, RDF.type, FOAF.Agent)
        name_type = person.get("nameType")
        if name_type == "Organizational":
            self.add(node, RDF.type, FOAF.Organization)
        elif name_type == "Personal" or family:
            self.add(node, RDF.type, FOAF.Person)
        self.add(node, FOAF.name, Literal(display or "Unknown"))
        self.add(node, FOAF.givenName, _text_literal(given))
        self.add(node, FOAF.familyName, _text_literal(family))
        for other in ids:
            if other != preferred:
                self.add(node, RDFS.seeAlso, other)
        for affiliation in person.get("affiliation") or []:
            self.add(node, ORG.memberOf, self._organization(affiliation))
        return node

    def _organization(self, affiliation: Mapping[str, Any] | str) -> Node | None:
        if isinstance(affiliation, str):
            name, ident, scheme = affiliation, "", ""
        else:
            name = text(affiliation.get("name"))
            ident = text(affiliation.get("affiliationIdentifier"))
            scheme = text(affiliation.get("affiliationIdentifierScheme")).lower()
        if not text(name):
            return None
        node: Node = iri(ror_url(ident) if scheme == "ror" else ident) or self.bnode()
        self.add(node, RDF.type, FOAF.Organization)
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, FOAF.name, Literal(text(name)))
        return node

    def _contact(self, person: Mapping[str, Any]) -> Node:
        _, _, display = split_name(person)
        node = self.bnode()
        kind = {"Personal": VCARD.Individual, "Organizational": VCARD.Organization}.get(
            person.get("nameType") or "", VCARD.Kind)
        self.add(node, RDF.type, kind)
        self.add(node, VCARD.fn, Literal(display or "Contact"))
        for identifier in person.get("nameIdentifiers") or []:
            self.add(node, VCARD.hasUID, iri(name_identifier_url(identifier)))
        for affiliation in person.get("affiliation") or []:
            name = text(affiliation.get("name") if isinstance(affiliation, Mapping) else affiliation)
            self.add(node, VCARD["organization-name"], _text_literal(name))
        return node

    def _publisher(self) -> Node:
        publisher = self.md.get("publisher")
        name = publisher_name(self.md) or text(self.repository_name) or "Unknown"
        url = None
        lang = None
        if isinstance(publisher, Mapping):
            ident = text(publisher.get("publisherIdentifier"))
            scheme = text(publisher.get("publisherIdentifierScheme")).lower()
            url = iri(ror_url(ident) if scheme == "ror" else ident)
            lang = publisher.get("lang")
        node: Node = url or self.bnode()
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, FOAF.name, Literal(name, lang=_lang(lang)))
        return node

    def _subjects(self) -> None:
        for subject in self.md.get("subjects") or []:
            self.add(self.dataset, DCAT.keyword, _text_literal(subject.get("subject"),
                                                               subject.get("lang")))
            self.add(self.dataset, DCAT.theme, iri(subject.get("valueUri")))

    def _dates(self) -> None:
        self.add(self.dataset, DCT.issued, date_literal(issued_date(self.md)))
        updated = [d for d in (date_literal(v.split("/")[0]) for v in dates_of_type(self.md, "Updated"))
                   if d is not None]
        if updated:
            self.add(self.dataset, DCT.modified, updated[0])
        for value in dates_of_type(self.md, "Created"):
            self.add(self.dataset, DCT.created, date_literal(value.split("/")[0]))
        for value in dates_of_type(self.md, "Coverage"):
            start, _, end = value.partition("/")
            start_date, end_date = date_literal(start), date_literal(end)
            if start_date is None and end_date is None:
                continue
            period = self.bnode()
            self.add(period, RDF.type, DCT.PeriodOfTime)
            self.add(period, DCAT.startDate, start_date)
            # a single date (no range) is a period of that day, month or year
            self.add(period, DCAT.endDate, end_date if "/" in value else start_date)
            self.add(self.dataset, DCT.temporal, period)

    def _locations(self, geo: Mapping[str, Any]) -> list[Node]:
        geometries: list[Literal] = []
        bbox = None
        # a coordinate that is not a number (metadata written with validation off)
        # drops that one shape, never the export
        with suppress(TypeError, ValueError, KeyError):
            point = geo.get("geoLocationPoint") or {}
            if point.get("pointLatitude") is not None and point.get("pointLongitude") is not None:
                geometries.append(_wkt(f"POINT({_number(point['pointLongitude'])} "
                                       f"{_number(point['pointLatitude'])})"))
        for polygon in geo_polygons(geo):
            with suppress(TypeError, ValueError, KeyError):
                geometries.append(_wkt_polygon([(p["pointLongitude"], p["pointLatitude"])
                                                for p in polygon]))
        box = geo.get("geoLocationBox") or {}
        with suppress(TypeError, ValueError, KeyError):
            bbox = _wkt_box(box["westBoundLongitude"], box["eastBoundLongitude"],
                            box["southBoundLatitude"], box["northBoundLatitude"])
        place = _text_literal(geo.get("geoLocationPlace"))
        if place is None and bbox is None and not geometries:
            return []
        main = self.bnode()
        self.add(main, RDF.type, DCT.Location)
        self.add(main, LOCN.geographicName, place)
        self.add(main, DCAT.bbox, bbox)
        if geometries:
            self.add(main, LOCN.geometry, geometries[0])
        locations: list[Node] = [main]
        for geometry in geometries[1:]:  # DCAT-AP: one geometry a location
            extra = self.bnode()
            self.add(extra, RDF.type, DCT.Location)
            self.add(extra, LOCN.geometry, geometry)
            locations.append(extra)
        return locations

    def _relations(self) -> None:
        targets: list[tuple[str, str | None]] = []
        for related in self.md.get("relatedIdentifiers") or []:
            value = text(related.get("relatedIdentifier"))
            if value:
                targets.append((related.get("relationType", ""),
                                identifier_url(value, related.get("relatedIdentifierType"))))
        for item in self.md.get("relatedItems") or []:
            ident = item.get("relatedItemIdentifier") or {}
            value = text(ident.get("relatedItemIdentifier"))
            if value:
                targets.append((item.get("relationType", ""),
                                identifier_url(value, ident.get("relatedItemIdentifierType"))))
        for relation, url in targets:
            self.add(self.dataset, _RELATIONS.get(relation, DCT.relation), iri(url))

    def _funding(self) -> None:
        for reference in self.md.get("fundingReferences") or []:
            ident = text(reference.get("funderIdentifier"))
            kind = text(reference.get("funderIdentifierType"))
            url: str | None
            if kind == "Crossref Funder ID" and not web_link(ident) and ident:
                url = doi_url(ident if ident.startswith("10.") else "10.13039/" + ident)
            elif kind == "ROR":
                url = ror_url(ident)
            else:
                url = web_link(ident)
            funder: Node = iri(url) or self.bnode()
            self.add(funder, RDF.type, FOAF.Organization)
            self.add(funder, RDF.type, FOAF.Agent)
            self.add(funder, FOAF.name, Literal(text(reference.get("funderName")) or "Unknown"))
            number, title = text(reference.get("awardNumber")), reference.get("awardTitle")
            if not (number or text(title)):
                self.add(self.dataset, FRAPO.isFundedBy, funder)
                continue
            project: Node = iri(reference.get("awardUri")) or self.bnode()
            self.add(project, RDF.type, FOAF.Project)
            self.add(project, DCT.identifier, _text_literal(number))
            self.add(project, DCT.title, _text_literal(title))
            self.add(project, FRAPO.isAwardedBy, funder)
            self.add(self.dataset, FRAPO.isFundedBy, project)

    def _rights_and_distributions(self) -> None:
        license_iri: URIRef | None = None
        license_labels: list[Literal] = []
        statements: list[Literal] = []
        access: URIRef | None = None
        for rights in self.md.get("rightsList") or []:
            uri = text(rights.get("rightsUri"))
            label = _text_literal(rights.get("rights"), rights.get("lang"))
            if uri in _ACCESS_RIGHTS:
                access = access or URIRef(f"{EU_AUTHORITY}access-right/{_ACCESS_RIGHTS[uri]}")
                continue
            url = iri(uri)
            if not url and text(rights.get("rightsIdentifierScheme")).upper() == "SPDX" \
                    and text(rights.get("rightsIdentifier")):
                url = iri("https://spdx.org/licenses/" + text(rights["rightsIdentifier"]))
            if url and (license_iri is None or url == license_iri):
                license_iri = url
                if label is not None:
                    license_labels.append(label)
            elif label is not None:
                statements.append(label)
        self.add(self.dataset, DCT.accessRights, access)
        if license_iri is not None:
            self.add(license_iri, RDF.type, DCT.LicenseDocument)
            for label in license_labels:
                self.add(license_iri, RDFS.label, label)
        formats: list[str | None] = [text(f) for f in self.md.get("formats") or [] if text(f)]
        sizes = [m for m in (_BYTE_SIZE.match(text(s)) for s in self.md.get("sizes") or []) if m]
        for fmt in formats or [None]:
            distribution = self.bnode()
            self.add(distribution, RDF.type, DCAT.Distribution)
            self.add(distribution, DCAT.accessURL, self.landing_page)
            self.add(distribution, DCT.license, license_iri)
            if statements:
                # one statement per distribution: a blank node shared by two is lost
                # by rdflib's RDF/XML writer
                statement = self.bnode()
                self.add(statement, RDF.type, DCT.RightsStatement)
                for label in statements:
                    self.add(statement, RDFS.label, label)
                self.add(distribution, DCT.rights, statement)
            if fmt and _MEDIA_TYPE.match(fmt.lower()):
                self.add(distribution, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + fmt.lower()))
            elif fmt:
                extent = self.bnode()
                self.add(extent, RDF.type, DCT.MediaTypeOrExtent)
                self.add(extent, RDFS.label, Literal(fmt))
                self.add(distribution, DCT["format"], extent)
            if len(formats) <= 1 and len(sizes) == 1:
                amount, unit = sizes[0].groups()
                size = float(amount) * _BYTE_UNITS[unit.upper()]
                # the canonical xsd:decimal form ("42000000.0"), which Turtle also writes
                self.add(distribution, DCAT.byteSize,
                         Literal(f"{int(size)}.0", datatype=XSD.decimal))
            self.add(self.dataset, DCAT.distribution, distribution)


def _stable(graph: Graph) -> Graph:
    """The same graph with its triples added in sorted order: rdflib's RDF/XML writer
    follows insertion order (blank nodes already have stable labels)."""
    result = Graph()
    for prefix, namespace in _PREFIXES.items():
        result.bind(prefix, namespace, override=True, replace=True)
    for triple in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
        result.add(triple)
    return result


def metadata_to_graph(metadata: Mapping[str, Any], *, landing_url: str | None = None,
                      repository_name: str | None = None, doi: str | None = None) -> Graph:
    """The DCAT-AP graph of one record's DataCite metadata (stable blank-node labels)."""
    builder = _Builder(metadata, landing_url=landing_url, repository_name=repository_name, doi=doi)
    return _stable(builder.build())


def to_graph(record: Record, ctx: ExportContext) -> Graph:
    return metadata_to_graph(record.metadata or {}, landing_url=ctx.landing_url(record.id),
                             repository_name=ctx.repository_name, doi=record.doi)


def dump_turtle(record: Record, ctx: ExportContext) -> bytes:
    return to_graph(record, ctx).serialize(format="turtle", encoding="utf-8")


def dump_rdfxml(record: Record, ctx: ExportContext) -> bytes:
    return etree.tostring(oai_payload(record, ctx), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def graph_to_rdfxml(graph: Graph) -> etree._Element:
    """rdflib's RDF/XML as an ``rdf:RDF`` element, made stable and plain.

    rdflib declares the namespaces in set order (it varies between runs) and
    labels every blank node with ``rdf:nodeID``, even one written once, nested
    where it is used. Here the namespaces are declared in prefix order and the
    labels of blank nodes used once are dropped (a nested node element without
    a label is the same blank node); the top-level node elements are sorted.
    """
    parser = etree.XMLParser(no_network=True, resolve_entities=False, remove_blank_text=True)
    written = etree.fromstring(graph.serialize(format="pretty-xml", encoding="utf-8"), parser)
    node_id = f"{{{RDF_NS}}}nodeID"
    uses: dict[str, int] = {}
    for element in written.iter():
        if label := element.get(node_id):
            uses[label] = uses.get(label, 0) + 1
    for element in written.iter():
        if uses.get(element.get(node_id) or "", 0) == 1:
            del element.attrib[node_id]
    nsmap = {prefix: str(ns) for prefix, ns in graph.namespaces()
             if any(prefix == p for p in written.nsmap)}
    root = etree.Element(written.tag, nsmap=dict(sorted(nsmap.items())))
    about = f"{{{RDF_NS}}}about"
    # the dataset first, then the nodes it points to in IRI order (rdflib's order varies)
    dataset_tag = f"{{{DCAT_NS}}}Dataset"
    root.extend(sorted(written, key=lambda e: (e.tag != dataset_tag,
                                               e.get(about) or e.get(node_id) or "", e.tag)))
    return root


def oai_payload(record: Record, ctx: ExportContext) -> etree._Element:
    """The ``rdf:RDF`` element for OAI-PMH's ``<metadata>``."""
    return graph_to_rdfxml(to_graph(record, ctx))
