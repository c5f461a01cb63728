"""DCAT-AP: every official example conforms to the DCAT-AP 3.0.0 shapes; the mapping, field by field.

SHACL validation uses pySHACL with the official constraint shapes
(``dcat-ap-3.0.0/shapes.ttl``), parsed once per session. The mapping tests
read the graph of the hand-written ``FULL`` record, whose every value is
unique, so each assertion shows where one DataCite field went.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from lxml import etree
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from serializers import dcat
from serializers.dcat import (
    ADMS,
    DCAT,
    DCT,
    FOAF,
    FRAPO,
    GSP,
    LOCN,
    ORG,
    VCARD,
    date_literal,
    language_iri,
)
from serializers.registry import FORMATS
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record
from tests.serializers.shacl import shapes, violations

DOI = URIRef("https://doi.org/10.1234/full-2020")
LANDING = URIRef("https://repo.example.org/records/rec-1")


@pytest.fixture(scope="module", autouse=True)
def shapes_graph() -> Graph:
    """The DCAT-AP shapes, parsed once (``shacl.shapes`` caches them for the session)."""
    return shapes()


def turtle_graph(body: bytes) -> Graph:
    return Graph().parse(data=body, format="turtle")


def rdfxml_graph(body: bytes) -> Graph:
    return Graph().parse(data=body, format="xml")


@pytest.fixture(scope="module")
def full() -> Graph:
    return turtle_graph(dcat.dump_turtle(make_record(), CTX))


def one(graph: Graph, subject: Any, predicate: URIRef) -> Any:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (predicate, values)
    return values[0]


# -- every official example ----------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_conforms_to_dcat_ap(path: Path) -> None:
    record = make_record(example_metadata(path), id=path.stem)
    turtle = turtle_graph(FORMATS["dcat-turtle"].dump(record, CTX))
    assert violations(turtle) == []
    # one graph, two syntaxes: the RDF/XML export and the OAI payload say the same
    assert isomorphic(turtle, rdfxml_graph(FORMATS["dcat"].dump(record, CTX)))
    payload = FORMATS["dcat"].oai_payload(record, CTX)
    assert etree.QName(payload).localname == "RDF" and etree.QName(payload).namespace == dcat.RDF_NS
    assert isomorphic(turtle, rdfxml_graph(etree.tostring(payload)))
    # the export is the OAI payload, pretty-printed (what `oaiserver export --format dcat` prints)
    unpretty = etree.fromstring(FORMATS["dcat"].dump(record, CTX),
                                etree.XMLParser(remove_blank_text=True))
    assert etree.tostring(payload, method="c14n") == etree.tostring(unpretty, method="c14n")
    [dataset] = turtle.subjects(RDF.type, DCAT.Dataset)
    for literal in turtle.objects():
        if isinstance(literal, Literal):
            assert not literal.ill_typed, literal
    assert one(turtle, dataset, DCT.publisher) is not None
    assert list(turtle.objects(dataset, DCAT.distribution))


def test_shacl_catches_a_missing_mandatory_property(full: Graph) -> None:
    """The validator is live: without dct:description the dataset does not conform."""
    broken = Graph()
    for triple in full:
        if triple[1] != DCT.description:
            broken.add(triple)
    [message] = violations(broken)
    assert "description" in message


def test_shacl_catches_a_distribution_without_access_url(full: Graph) -> None:
    broken = Graph()
    for triple in full:
        if triple[1] != DCAT.accessURL:
            broken.add(triple)
    assert violations(broken)


# -- the mapping, on FULL ------------------------------------------------------------
def test_dataset_identity(full: Graph) -> None:
    assert set(full.subjects(RDF.type, DCAT.Dataset)) == {DOI}
    assert one(full, DOI, DCT.identifier) == Literal(str(DOI))
    assert one(full, DOI, DCAT.landingPage) == LANDING
    assert one(full, DOI, DCT.type) == URIRef("http://purl.org/dc/dcmitype/Dataset")
    [alternate] = full.objects(DOI, ADMS.identifier)
    assert one(full, alternate, SKOS.notation) == Literal("https://archive.example.org/item/77")
    assert one(full, alternate, ADMS.schemeAgency) == Literal("URL")


def test_titles_descriptions_keywords(full: Graph) -> None:
    assert set(full.objects(DOI, DCT.title)) == {
        Literal("Deep water temperatures", lang="en"),
        Literal("Températures des eaux profondes", lang="fr")}
    assert set(full.objects(DOI, DCT.alternative)) == {Literal("A decade of profiles", lang="en")}
    assert set(full.objects(DOI, DCT.description)) == {
        Literal("Temperature profiles below 2000 m.", lang="en")}
    provenance = one(full, DOI, DCT.provenance)
    assert one(full, provenance, RDFS.label) == Literal("CTD casts from research vessels.")
    assert set(full.objects(DOI, DCAT.keyword)) == {Literal("oceanography"),
                                                    Literal("FOS: Earth sciences")}


def test_agents(full: Graph) -> None:
    jane = URIRef("https://orcid.org/0000-0002-1825-0097")
    assert jane in set(full.objects(DOI, DCT.creator))
    assert {FOAF.Agent, FOAF.Person} <= set(full.objects(jane, RDF.type))
    assert one(full, jane, FOAF.givenName) == Literal("Jane")
    assert one(full, jane, FOAF.familyName) == Literal("Smith")
    university = one(full, jane, ORG.memberOf)
    assert university == URIRef("https://ror.org/04wxnsj81")
    assert one(full, university, FOAF.name) == Literal("Ocean University")
    publisher = one(full, DOI, DCT.publisher)
    assert publisher == URIRef("https://ror.org/03yrm5c26")
    assert FOAF.Agent in set(full.objects(publisher, RDF.type))
    assert one(full, publisher, FOAF.name) == Literal("Marine Data Archive")
    contributors = {one(full, c, FOAF.name) for c in full.objects(DOI, DCT.contributor)}
    assert contributors == {Literal("Editor, Eddie"), Literal("Traductrice, Tina"),
                            Literal("Curator, Carl")}
    assert not list(full.objects(DOI, DCAT.contactPoint))   # FULL has no ContactPerson


def test_contact_point_from_a_contact_person() -> None:
    contact = {"name": "Helpdesk, Hanna", "nameType": "Personal", "contributorType": "ContactPerson",
               "nameIdentifiers": [{"nameIdentifier": "0000-0002-1694-233X",
                                    "nameIdentifierScheme": "ORCID"}],
               "affiliation": [{"name": "Marine Data Archive"}]}
    record = make_record(contributors=[contact])
    graph = turtle_graph(dcat.dump_turtle(record, CTX))
    point = one(graph, DOI, DCAT.contactPoint)
    assert one(graph, point, RDF.type) == VCARD.Individual
    assert one(graph, point, VCARD.fn) == Literal("Helpdesk, Hanna")
    assert one(graph, point, VCARD.hasUID) == URIRef("https://orcid.org/0000-0002-1694-233X")
    assert one(graph, point, VCARD["organization-name"]) == Literal("Marine Data Archive")
    assert violations(graph) == []


def test_dates_and_language(full: Graph) -> None:
    assert one(full, DOI, DCT.issued) == Literal("2020-06-15", datatype=XSD.date)
    assert one(full, DOI, DCT.modified) == Literal("2021-02-02", datatype=XSD.date)
    assert one(full, DOI, DCT.created) == Literal("2018-03-01", datatype=XSD.date)
    # FULL's only range is Collected: the time of collection, not a temporal coverage
    assert not list(full.objects(DOI, DCT.temporal))
    assert one(full, DOI, DCT.language) == URIRef(
        "http://publications.europa.eu/resource/authority/language/ENG")
    assert one(full, DOI, DCAT.version) == Literal("2.1")


def test_coverage_dates_are_the_temporal_extent() -> None:
    dates = [{"date": "1578-01/1810-12-31", "dateType": "Coverage"},
             {"date": "2001", "dateType": "Coverage"},
             {"date": "long ago", "dateType": "Coverage"}]
    graph = turtle_graph(dcat.dump_turtle(make_record(dates=dates), CTX))
    periods = {(one(graph, p, DCAT.startDate), one(graph, p, DCAT.endDate))
               for p in graph.objects(DOI, DCT.temporal)}
    assert periods == {
        (Literal("1578-01", datatype=XSD.gYearMonth), Literal("1810-12-31", datatype=XSD.date)),
        (Literal("2001", datatype=XSD.gYear), Literal("2001", datatype=XSD.gYear)),
    }
    assert violations(graph) == []


def test_spatial(full: Graph) -> None:
    location = one(full, DOI, DCT.spatial)
    assert one(full, location, RDF.type) == DCT.Location
    assert one(full, location, LOCN.geographicName) == Literal("North Atlantic")
    assert one(full, location, DCAT.bbox) == Literal(
        "POLYGON((-40 40, -20 40, -20 50, -40 50, -40 40))", datatype=GSP.wktLiteral)
    assert one(full, location, LOCN.geometry) == Literal("POINT(-30.25 45.5)",
                                                         datatype=GSP.wktLiteral)


def test_a_box_across_the_antimeridian_is_two_polygons() -> None:
    geo = [{"geoLocationBox": {"westBoundLongitude": 170, "eastBoundLongitude": -170,
                               "southBoundLatitude": -10, "northBoundLatitude": 10}}]
    graph = turtle_graph(dcat.dump_turtle(make_record(geoLocations=geo), CTX))
    assert one(graph, one(graph, DOI, DCT.spatial), DCAT.bbox) == Literal(
        "MULTIPOLYGON(((170 -10, 180 -10, 180 10, 170 10, 170 -10)), "
        "((-180 -10, -170 -10, -170 10, -180 10, -180 -10)))", datatype=GSP.wktLiteral)


def test_a_broken_coordinate_drops_that_shape_only() -> None:
    geo = [{"geoLocationPlace": "Somewhere", "geoLocationPoint": {"pointLongitude": "east",
                                                                 "pointLatitude": 5},
            "geoLocationBox": {"westBoundLongitude": 1, "eastBoundLongitude": 2,
                               "southBoundLatitude": 3}}]
    graph = turtle_graph(dcat.dump_turtle(make_record(geoLocations=geo), CTX))
    location = one(graph, DOI, DCT.spatial)
    assert one(graph, location, LOCN.geographicName) == Literal("Somewhere")
    assert not list(graph.objects(location, LOCN.geometry))
    assert not list(graph.objects(location, DCAT.bbox))


def test_polygons_get_a_location_each() -> None:
    polygon = [{"polygonPoint": {"pointLongitude": lon, "pointLatitude": lat}}
               for lon, lat in ((0, 0), (10, 0), (10, 10))]
    geo = [{"geoLocationPlace": "Square", "geoLocationPolygon": polygon,
            "geoLocationPoint": {"pointLongitude": 5, "pointLatitude": 5}}]
    graph = turtle_graph(dcat.dump_turtle(make_record(geoLocations=geo), CTX))
    geometries = {one(graph, loc, LOCN.geometry) for loc in graph.objects(DOI, DCT.spatial)}
    assert geometries == {Literal("POINT(5 5)", datatype=GSP.wktLiteral),
                          Literal("POLYGON((0 0, 10 0, 10 10, 0 0))", datatype=GSP.wktLiteral)}
    assert violations(graph) == []


def test_relations(full: Graph) -> None:
    assert one(full, DOI, DCT.isPartOf) == URIRef("https://doi.org/10.5555/parent-collection")
    assert one(full, DOI, DCT.hasPart) == URIRef("https://doi.org/10.5555/child-part")
    assert one(full, DOI, DCT.references) == URIRef("https://example.org/cited-paper")
    assert one(full, DOI, DCT.source) == URIRef("https://arxiv.org/abs/2001.00001")
    assert one(full, DOI, DCT.relation) == URIRef("https://mirror.example.org/same")


def test_funding_as_citedcat_ap_maps_it(full: Graph) -> None:
    project = one(full, DOI, FRAPO.isFundedBy)
    assert project == URIRef("https://cordis.europa.eu/project/id/654321")
    assert one(full, project, RDF.type) == FOAF.Project
    assert one(full, project, DCT.identifier) == Literal("654321")
    assert one(full, project, DCT.title) == Literal("Deep Ocean Observing")
    funder = one(full, project, FRAPO.isAwardedBy)
    assert funder == URIRef("https://doi.org/10.13039/501100000780")
    assert one(full, funder, FOAF.name) == Literal("European Commission")


def test_a_funder_without_award_funds_the_dataset_directly() -> None:
    funding = [{"funderName": "Wellcome", "funderIdentifier": "029chgv08",
                "funderIdentifierType": "ROR"}]
    graph = turtle_graph(dcat.dump_turtle(make_record(fundingReferences=funding), CTX))
    funder = one(graph, DOI, FRAPO.isFundedBy)
    assert funder == URIRef("https://ror.org/029chgv08")
    assert one(graph, funder, FOAF.name) == Literal("Wellcome")
    assert violations(graph) == []


def test_distribution_rights_and_access(full: Graph) -> None:
    distribution = one(full, DOI, DCAT.distribution)
    assert one(full, distribution, DCAT.accessURL) == LANDING
    assert one(full, distribution, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/csv")
    assert one(full, distribution, DCAT.byteSize) == Literal("42000000.0", datatype=XSD.decimal)
    licence = one(full, distribution, DCT.license)
    assert licence == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert one(full, licence, RDF.type) == DCT.LicenseDocument
    assert not list(full.objects(DOI, DCT.accessRights))


def test_access_rights_formats_and_other_rights() -> None:
    rights = [{"rights": "Open access", "rightsUri": "info:eu-repo/semantics/openAccess"},
              {"rights": "MIT License", "rightsIdentifier": "MIT", "rightsIdentifierScheme": "SPDX"},
              {"rights": "Ask the archive before reuse"}]
    record = make_record(rightsList=rights, formats=["text/csv", "NetCDF"], sizes=["3 files"])
    graph = turtle_graph(dcat.dump_turtle(record, CTX))
    assert one(graph, DOI, DCT.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC")
    distributions = list(graph.objects(DOI, DCAT.distribution))
    assert len(distributions) == 2
    for distribution in distributions:
        assert one(graph, distribution, DCT.license) == URIRef("https://spdx.org/licenses/MIT")
        statement = one(graph, distribution, DCT.rights)
        assert one(graph, statement, RDFS.label) == Literal("Ask the archive before reuse")
    formats = {one(graph, one(graph, d, DCT["format"]), RDFS.label)
               for d in distributions if list(graph.objects(d, DCT["format"]))}
    assert formats == {Literal("NetCDF")}
    assert violations(graph) == []


def test_a_record_without_doi_is_its_landing_page() -> None:
    graph = turtle_graph(dcat.dump_turtle(make_record(doi=None), CTX))
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {LANDING}
    assert one(graph, LANDING, DCT.identifier) == Literal(str(LANDING))


@pytest.mark.parametrize("url", ['https://example.org/a>b', 'https://example.org/"quoted"',
                                 "https://example.org/{x}|^`\\", "javascript:alert(1)",
                                 "https://exa mple.org/"])
def test_hostile_urls_cannot_break_the_graph(url: str) -> None:
    """Only http(s) links become IRIs, percent-encoded where an IRI cannot hold a character."""
    record = make_record(
        relatedIdentifiers=[{"relatedIdentifier": url, "relatedIdentifierType": "URL",
                             "relationType": "Cites"}],
        rightsList=[{"rights": "Licence", "rightsUri": url}],
        subjects=[{"subject": "s", "valueUri": url}])
    graph = turtle_graph(dcat.dump_turtle(record, CTX))
    assert isomorphic(graph, rdfxml_graph(dcat.dump_rdfxml(record, CTX)))
    cited = list(graph.objects(DOI, DCT.references))
    if url.startswith("https://example.org/"):
        [target] = cited
        assert unquote(str(target)) == url and not set(str(target)) & set('<>"{}|^`\\ ')
    else:
        assert cited == []
    assert violations(graph) == []


def test_mandatory_properties_have_fallbacks() -> None:
    """DCAT-AP requires a description and a publisher; DataCite drafts may lack them."""
    record = make_record({"titles": [{"title": "Bare", "lang": "en"}],
                          "types": {"resourceTypeGeneral": "Other"}})
    graph = turtle_graph(dcat.dump_turtle(record, CTX))
    [dataset] = graph.subjects(RDF.type, DCAT.Dataset)
    assert one(graph, dataset, DCT.description) == Literal("Bare", lang="en")
    assert one(graph, one(graph, dataset, DCT.publisher), FOAF.name) == Literal("Example Repository")
    assert not list(graph.objects(dataset, DCT.type))
    assert violations(graph) == []


@pytest.mark.parametrize(("value", "expected"), [
    ("2020", Literal("2020", datatype=XSD.gYear)),
    ("2020-06", Literal("2020-06", datatype=XSD.gYearMonth)),
    ("2020-06-15", Literal("2020-06-15", datatype=XSD.date)),
    ("2020-06-15T10:00:00Z", Literal("2020-06-15T10:00:00Z", datatype=XSD.dateTime)),
    ("2020-06-15T10:00", None),   # xsd:dateTime needs the seconds
    ("2020-02-30", None), ("2020-13", None), ("321 BCE", None), ("Yesterday", None),
    ("-0024", None), ("", None),
])
def test_date_literal(value: str, expected: Literal | None) -> None:
    assert date_literal(value) == expected


@pytest.mark.parametrize(("code", "expected"), [
    ("en", "ENG"), ("en-US", "ENG"), ("de", "DEU"), ("nl", "NLD"), ("mul", "MUL"), ("ger", "DEU"),
    ("xx", None), ("", None),
])
def test_language_iri(code: str, expected: str | None) -> None:
    iri = language_iri(code)
    assert (str(iri).rsplit("/", 1)[1] if iri else None) == expected


def test_the_same_record_gives_the_same_bytes_in_another_process() -> None:
    """Blank nodes are labelled in build order and nothing depends on hash order."""
    script = ("import sys; from serializers import dcat; "
              "from tests.serializers.samples import CTX, make_record; "
              "r = make_record(); "
              "sys.stdout.buffer.write(dcat.dump_rdfxml(r, CTX) + dcat.dump_turtle(r, CTX))")
    root = Path(__file__).resolve().parents[2]
    other = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)})
    record = make_record()
    assert other.stdout == dcat.dump_rdfxml(record, CTX) + dcat.dump_turtle(record, CTX)
