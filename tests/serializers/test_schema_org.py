"""DataCite -> schema.org JSON-LD, read back as RDF with pyld and rdflib (local context only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from serializers.resource_types import GENERAL
from serializers.schema_org import document_loader, dump, metadata_to_jsonld, schema_type
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record

SDO = Namespace("http://schema.org/")
DOI = URIRef("https://doi.org/10.1234/full-2020")


def to_graph(document: dict[str, Any]) -> Graph:
    """JSON-LD -> N-Quads with pyld (context from the shipped file) -> rdflib graph."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads",
                                      "documentLoader": document_loader})
    graph = Graph()
    graph.parse(data=nquads, format="nt")  # default graph only: N-Triples
    return graph


@pytest.fixture(scope="module")
def graph() -> Graph:
    return to_graph(json.loads(dump(make_record(), CTX)))


def test_loader_never_uses_the_network() -> None:
    with pytest.raises(LookupError):
        document_loader("https://example.org/context.jsonld")


def _objects(graph: Graph, subject: Any, prop: str) -> set[Any]:
    return set(graph.objects(subject, SDO[prop]))


# (DataCite property, check on the RDF graph)
ROWS = [
    ("doi as @id and type", lambda g: (DOI, RDF.type, SDO.Dataset) in g),
    ("doi as identifier", lambda g: any(
        (v, SDO.value, Literal("https://doi.org/10.1234/full-2020")) in g
        for v in _objects(g, DOI, "identifier"))),
    ("landing page url", lambda g: URIRef("https://repo.example.org/records/rec-1") in _objects(g, DOI, "url")),
    ("title", lambda g: Literal("Deep water temperatures") in _objects(g, DOI, "name")),
    ("other titles", lambda g: Literal("A decade of profiles") in _objects(g, DOI, "alternateName")),
    ("creator ORCID", lambda g: (URIRef("https://orcid.org/0000-0002-1825-0097"), RDF.type, SDO.Person) in g
     and URIRef("https://orcid.org/0000-0002-1825-0097") in _objects(g, DOI, "author")),
    ("creator names", lambda g: (URIRef("https://orcid.org/0000-0002-1825-0097"), SDO.familyName,
                                 Literal("Smith")) in g),
    ("affiliation ROR", lambda g: (URIRef("https://orcid.org/0000-0002-1825-0097"), SDO.affiliation,
                                   URIRef("https://ror.org/04wxnsj81")) in g),
    ("organisational creator", lambda g: any((a, SDO.name, Literal("Deep Sea Consortium")) in g
                                             and (a, RDF.type, SDO.Organization) in g
                                             for a in _objects(g, DOI, "author"))),
    ("contributor", lambda g: any((c, SDO.name, Literal("Carl Curator")) in g
                                  for c in _objects(g, DOI, "contributor"))),
    ("contributor Editor", lambda g: any((c, SDO.name, Literal("Eddie Editor")) in g
                                         for c in _objects(g, DOI, "editor"))),
    ("contributor Translator", lambda g: any((c, SDO.name, Literal("Tina Traductrice")) in g
                                             for c in _objects(g, DOI, "translator"))),
    ("abstract", lambda g: Literal("Temperature profiles below 2000 m.") in _objects(g, DOI, "description")),
    ("subjects", lambda g: Literal("oceanography") in _objects(g, DOI, "keywords")),
    ("publisher ROR", lambda g: (URIRef("https://ror.org/03yrm5c26"), SDO.name,
                                 Literal("Marine Data Archive")) in g),
    ("date Issued", lambda g: Literal("2020-06-15") in _objects(g, DOI, "datePublished")),
    ("date Created", lambda g: Literal("2018-03-01") in _objects(g, DOI, "dateCreated")),
    ("date Updated", lambda g: Literal("2021-02-02") in _objects(g, DOI, "dateModified")),
    ("date Collected is not temporalCoverage", lambda g: not _objects(g, DOI, "temporalCoverage")),
    ("resourceType", lambda g: Literal("Ocean profiles") in _objects(g, DOI, "additionalType")),
    ("relatedItem pages", lambda g: Literal("100") in _objects(g, DOI, "pageStart")
     and Literal("120") in _objects(g, DOI, "pageEnd")),
    ("language", lambda g: Literal("en") in _objects(g, DOI, "inLanguage")),
    ("version", lambda g: Literal("2.1") in _objects(g, DOI, "version")),
    ("rightsURI", lambda g: URIRef("https://creativecommons.org/licenses/by/4.0/") in _objects(g, DOI, "license")),
    ("format", lambda g: Literal("text/csv") in _objects(g, DOI, "encodingFormat")),
    ("size", lambda g: Literal("42 MB") in _objects(g, DOI, "contentSize")),
    ("funder", lambda g: (URIRef("https://doi.org/10.13039/501100000780"), SDO.name,
                          Literal("European Commission")) in g),
    ("award", lambda g: (URIRef("https://cordis.europa.eu/project/id/654321"), SDO.identifier,
                         Literal("654321")) in g),
    ("geo point (lat/lon right way round)", lambda g: any(
        (geo, SDO.latitude, Literal(45.5)) in g and (geo, SDO.longitude, Literal(-30.25)) in g
        for place in _objects(g, DOI, "spatialCoverage") for geo in _objects(g, place, "geo"))),
    ("geo box", lambda g: any((geo, SDO.box, Literal("40 -40 50 -20")) in g
                              for place in _objects(g, DOI, "spatialCoverage")
                              for geo in _objects(g, place, "geo"))),
    ("geo place", lambda g: any((p, SDO.name, Literal("North Atlantic")) in g
                                for p in _objects(g, DOI, "spatialCoverage"))),
    ("IsPartOf", lambda g: URIRef("https://doi.org/10.5555/parent-collection") in _objects(g, DOI, "isPartOf")),
    ("HasPart", lambda g: URIRef("https://doi.org/10.5555/child-part") in _objects(g, DOI, "hasPart")),
    ("References", lambda g: URIRef("https://example.org/cited-paper") in _objects(g, DOI, "citation")),
    ("IsIdenticalTo", lambda g: URIRef("https://mirror.example.org/same") in _objects(g, DOI, "sameAs")),
    ("alternateIdentifier URL", lambda g: URIRef("https://archive.example.org/item/77") in _objects(g, DOI, "sameAs")),
    ("IsDerivedFrom", lambda g: URIRef("https://arxiv.org/abs/2001.00001") in _objects(g, DOI, "isBasedOn")),
    ("relatedItem IsPublishedIn", lambda g: any((j, SDO.name, Literal("Journal of Deep Water")) in g
                                                for j in _objects(g, DOI, "isPartOf"))),
    ("repository as DataCatalog", lambda g: any((c, RDF.type, SDO.DataCatalog) in g
                                                for c in _objects(g, DOI, "includedInDataCatalog"))),
]


@pytest.mark.parametrize(("prop", "check"), ROWS, ids=[r[0] for r in ROWS])
def test_property_is_carried(graph: Graph, prop: str, check: Any) -> None:
    assert check(graph)


@pytest.mark.parametrize(("general", "expected"), [
    ("Dataset", "Dataset"), ("Software", "SoftwareSourceCode"), ("JournalArticle", "ScholarlyArticle"),
    ("Dissertation", "Thesis"), ("Book", "Book"), ("Image", "ImageObject"), ("Collection", "Collection"),
    ("Preprint", "ScholarlyArticle"), ("Sound", "AudioObject"), ("Unknown", "CreativeWork"),
])
def test_type_per_resource_type_general(general: str, expected: str) -> None:
    assert schema_type(general) == expected


def test_every_kernel_type_has_a_schema_org_type() -> None:
    from repository_core.metadata.vocabularies import vocabulary

    assert set(vocabulary("resourceType")) <= set(GENERAL)


def test_without_doi_the_landing_page_is_the_id() -> None:
    data = json.loads(dump(make_record(doi=None), CTX))
    assert data["@id"] == "https://repo.example.org/records/rec-1"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_valid_json_ld(path: Path) -> None:
    metadata = example_metadata(path)
    data = json.loads(dump(make_record(metadata, id=path.stem), CTX))
    graph = to_graph(data)
    subject = URIRef(data["@id"])
    assert (subject, RDF.type, SDO[data["@type"]]) in graph
    for author in data.get("author", []):   # every creator is in the graph
        assert any((a, SDO.name, Literal(author["name"])) in graph for a in _objects(graph, subject, "author"))


def _jsonld(**changes: Any) -> dict[str, Any]:
    from tests.serializers.samples import FULL

    return metadata_to_jsonld({**FULL, **changes}, landing_url="https://repo.example.org/records/x")


def test_temporal_coverage_is_the_coverage_date_only() -> None:
    """schema.org temporalCoverage: "the time period that the content applies to"
    (Google's Dataset guidance: the period the data describe); Collected is when they were taken."""
    dates = [{"date": "2019-01-01/2019-12-31", "dateType": "Collected"},
             {"date": "1900/1950", "dateType": "Coverage"}]
    assert _jsonld(dates=dates)["temporalCoverage"] == "1900/1950"


def test_supplement_and_citations_point_the_right_way() -> None:
    """schema.org isBasedOn / citation are read from the work that is based on / cites;
    "A IsSupplementTo B" and "A IsCitedBy B" are therefore B's properties (JSON-LD @reverse)."""
    related = [
        {"relatedIdentifier": "10.5555/paper", "relatedIdentifierType": "DOI", "relationType": "IsSupplementTo"},
        {"relatedIdentifier": "10.5555/citer", "relatedIdentifierType": "DOI", "relationType": "IsCitedBy"},
        {"relatedIdentifier": "10.5555/refer", "relatedIdentifierType": "DOI", "relationType": "IsReferencedBy"},
        {"relatedIdentifier": "10.5555/docd", "relatedIdentifierType": "DOI", "relationType": "Documents"},
        {"relatedIdentifier": "10.5555/supp", "relatedIdentifierType": "DOI", "relationType": "IsSupplementedBy"},
    ]
    graph = to_graph(_jsonld(relatedIdentifiers=related, relatedItems=[]))
    paper = URIRef("https://doi.org/10.5555/paper")
    assert (paper, SDO.isBasedOn, DOI) in graph and (DOI, SDO.isBasedOn, paper) not in graph
    assert (URIRef("https://doi.org/10.5555/citer"), SDO.citation, DOI) in graph
    assert (URIRef("https://doi.org/10.5555/refer"), SDO.citation, DOI) in graph
    assert (DOI, SDO.citation, URIRef("https://doi.org/10.5555/docd")) in graph
    assert (DOI, SDO.isBasedOn, URIRef("https://doi.org/10.5555/supp")) in graph


def test_abstracts_in_several_languages_are_not_merged() -> None:
    """schema.org inLanguage applies to the whole description: one language's abstract
    (the record's language), never two languages joined in one string."""
    descriptions = [{"description": "Zusammenfassung.", "descriptionType": "Abstract", "lang": "de"},
                    {"description": "Summary.", "descriptionType": "Abstract", "lang": "en"}]
    data = _jsonld(descriptions=descriptions, language="en")
    assert data["description"] == "Summary." and data["inLanguage"] == "en"


def test_related_identifiers_without_a_url_are_identifiers_not_names() -> None:
    """schema.org: ``name`` is the item's name; an identifier is ``identifier``
    (PropertyValue with propertyID, as Google's Dataset guidance shows)."""
    related = [{"relatedIdentifier": "LOCAL-42", "relatedIdentifierType": "Local", "relationType": "HasPart"}]
    [part] = _jsonld(relatedIdentifiers=related, relatedItems=[])["hasPart"]
    assert part == {"identifier": {"@type": "PropertyValue", "propertyID": "Local", "value": "LOCAL-42"}}


def test_person_names_and_untyped_names() -> None:
    """schema.org Person ``name`` is the full name as written ("Given Family", as Google's
    guidance shows); a name without nameType is not guessed to be a Person."""
    creators = [{"name": "Smith, Jane", "nameType": "Personal", "givenName": "Jane", "familyName": "Smith"},
                {"name": "Data Station Admin"}]
    person, untyped = _jsonld(creators=creators)["author"]
    assert person["name"] == "Jane Smith" and person["@type"] == "Person"
    assert untyped == {"name": "Data Station Admin"}


def test_access_rights_are_not_licenses() -> None:
    """info:eu-repo/semantics access terms (OpenAIRE guidelines) state access, not a license:
    schema.org conditionsOfAccess / isAccessibleForFree."""
    rights = [{"rights": "Open Access", "rightsUri": "info:eu-repo/semantics/openAccess"},
              {"rights": "CC0", "rightsUri": "https://creativecommons.org/publicdomain/zero/1.0/"}]
    data = _jsonld(rightsList=rights)
    assert data["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert data["conditionsOfAccess"] == "Open Access" and data["isAccessibleForFree"] is True


def test_a_grant_sum_is_an_amount() -> None:
    """schema.org MonetaryGrant ``amount`` is a MonetaryAmount; contentSize is a file's size."""
    data = _jsonld(types={"resourceTypeGeneral": "Award"}, sizes=["900000 USD", "2 pages"])
    assert data["@type"] == "MonetaryGrant"
    assert data["amount"] == {"@type": "MonetaryAmount", "value": 900000, "currency": "USD"}
    assert data["contentSize"] == ["2 pages"]


def test_one_is_part_of_for_one_container() -> None:
    """The same container as relatedIdentifier and relatedItem is one isPartOf node."""
    related = [{"relatedIdentifier": "0-12-345678-1", "relatedIdentifierType": "ISBN",
                "relationType": "IsPublishedIn"}]
    items = [{"relationType": "IsPublishedIn", "relatedItemType": "Book", "titles": [{"title": "The Book"}],
              "relatedItemIdentifier": {"relatedItemIdentifier": "0-12-345678-1",
                                        "relatedItemIdentifierType": "ISBN"}}]
    data = _jsonld(relatedIdentifiers=related, relatedItems=items)
    assert data["isPartOf"] == [{"@id": "urn:isbn:0-12-345678-1", "@type": "Book", "name": "The Book",
                                 "isbn": "0-12-345678-1"}]
