"""DataCite -> oai_openaire: the COAR tables, the access-right rules, the lists OpenAIRE
still has from kernel 4.1, and validity against the official 4.0 schema.

Validity of all 31 official examples is in ``test_xml_formats.py``, their
bytes in ``golden/<example>/oai_openaire.xml``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from repository_core.query.fields import extract
from repository_core.query.memory import matches, prepare
from repository_core.sets import set_query_tree
from serializers.namespaces import DATACITE_NS, DC_NS, OPENAIRE_NS
from serializers.openaire import ACCESS_RIGHTS, access_right, metadata_to_openaire
from serializers.registry import FORMATS
from serializers.resource_types import (
    COAR_GENERAL,
    COAR_REFINEMENTS,
    coar_for_metadata,
    coar_lookup,
    openaire_type_query,
)
from serializers.xsd import SCHEMA_DIR, schema_path, validate_xml
from tests.serializers.samples import CTX, EXAMPLES, FULL, example_metadata, make_record

OAIRE = SCHEMA_DIR / "openaire-lit-4" / "4.0"
KERNEL_TYPES = SCHEMA_DIR / "datacite-kernel-4" / "include" / "datacite-resourceType-v4.xsd"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "openaire-samples"
NS = {"oaire": OPENAIRE_NS, "datacite": DATACITE_NS, "dc": DC_NS}
LANDING = "https://repo.example.org/records/rec-1"


def enumeration(path: Path) -> dict[str, str]:
    """value -> the label in the comment after it (OpenAIRE's lists carry one)."""
    found = re.findall(r'<xs:enumeration value="([^"]+)"\s*/>\s*(?:<!--\s*([^-]*?)\s*-->)?',
                       path.read_text())
    return dict(found)


def openaire(metadata: dict[str, Any]) -> etree._Element:
    root = metadata_to_openaire(metadata, landing_url=LANDING)
    assert validate_xml(root, "oai_openaire") == []
    return root


# -- the schema, offline ------------------------------------------------------------

def test_official_samples_validate_and_the_invalid_one_does_not() -> None:
    assert validate_xml((SAMPLES / "sample_journalarticle1.xml").read_bytes(), "oai_openaire") == []
    assert validate_xml((SAMPLES / "sample_minimal.xml").read_bytes(), "oai_openaire") == []
    errors = validate_xml((SAMPLES / "mocksample.xml").read_bytes(), "oai_openaire")
    assert len(errors) == 1 and "'publication' is not an element of the set" in errors[0]


def test_the_schema_needs_the_offline_resolver_for_xml_xsd() -> None:
    """The official files import xml.xsd from w3.org: without the resolver there is no schema."""
    with pytest.raises(etree.XMLSchemaParseError, match="XML/1998/namespace"):
        etree.XMLSchema(etree.parse(str(schema_path("oai_openaire")),
                                    etree.XMLParser(no_network=True)))


# -- the COAR tables ------------------------------------------------------------------

def test_every_coar_type_is_one_the_schema_lists_with_its_label() -> None:
    allowed = enumeration(OAIRE / "oaire-resourceType-v4.xsd")
    for coar in [*COAR_GENERAL.values(), *COAR_REFINEMENTS.values()]:
        assert allowed.get(coar.uri) == coar.label, coar
        assert coar.openaire in {"literature", "dataset", "software", "other research product"}


def test_every_kernel_resource_type_general_has_a_coar_type() -> None:
    assert set(enumeration(KERNEL_TYPES)) == set(COAR_GENERAL)


def test_the_access_rights_are_the_schemas() -> None:
    allowed = enumeration(OAIRE / "oaire-accessRight-v4.xsd")
    assert {uri: right.label for uri, right in ACCESS_RIGHTS.items()} == allowed


@pytest.mark.parametrize(("general", "free", "label"), [
    ("Text", "Monograph", "book"),
    ("Other", "Technical Report", "technical report"),
    ("Text", "website", "website"),
    ("Report", "technical report", "technical report"),
    ("Report", "book", "report"),              # a Report is never refined out of reports
    ("Dissertation", "PhD thesis", "doctoral thesis"),
    ("Dissertation", "Master thesis", "master thesis"),
    ("Dissertation", "report", "thesis"),
    ("Dataset", "report", "dataset"),          # a specific type is not overridden
    ("JournalArticle", None, "journal article"),
    ("Software", None, "software"),
    (None, None, "other"),
    ("NotAType", None, "other"),
])
def test_coar_lookup(general: str | None, free: str | None, label: str) -> None:
    assert coar_lookup(general, free).label == label


def _variants() -> list[dict[str, Any]]:
    """The official examples plus every general type with a refining and a neutral free text."""
    records = [example_metadata(p) for p in EXAMPLES]
    for general in COAR_GENERAL:
        for free in ("report", "website", "Technical Report", "Monograph", "survey", None):
            types: dict[str, Any] = {"resourceTypeGeneral": general}
            if free:
                types["resourceType"] = free
            records.append({**FULL, "types": types})
    return records


@pytest.mark.parametrize("openaire_type", ["literature", "dataset", "software",
                                           "other research product"])
def test_the_set_query_selects_what_the_table_says(openaire_type: str) -> None:
    tree = set_query_tree(openaire_type_query(openaire_type))
    for metadata in _variants():
        record = make_record(metadata)
        expected = coar_for_metadata(metadata).openaire == openaire_type
        assert matches(tree, prepare(extract(record))) == expected, metadata["types"]


# -- access rights and the licence --------------------------------------------------

@pytest.mark.parametrize(("rights", "label"), [
    ([{"rights": "Open Access", "rightsUri": "info:eu-repo/semantics/openAccess"}], "open access"),
    ([{"rightsUri": "info:eu-repo/semantics/embargoedAccess"}], "embargoed access"),
    ([{"rightsUri": "info:eu-repo/semantics/restrictedAccess"}], "restricted access"),
    ([{"rightsUri": "info:eu-repo/semantics/closedAccess"}], "metadata only access"),
    ([{"rightsUri": "https://purl.org/coar/access_right/c_16ec"}], "restricted access"),
    ([{"rightsUri": "http://purl.org/coar/access_right/c_f1cf/"}], "embargoed access"),
    ([{"rights": "Restricted access"}], "restricted access"),
    # an explicit statement wins over an open licence
    ([{"rightsUri": "https://creativecommons.org/licenses/by/4.0/"},
      {"rightsUri": "info:eu-repo/semantics/embargoedAccess"}], "embargoed access"),
    ([{"rightsUri": "https://creativecommons.org/licenses/by/4.0/"}], "open access"),
    ([{"rights": "MIT", "rightsIdentifier": "MIT", "rightsIdentifierScheme": "SPDX"}],
     "open access"),
    ([{"rights": "Copyright 2020 Someone, all rights reserved"}], "metadata only access"),
    ([], "metadata only access"),
])
def test_access_right(rights: list[dict[str, str]], label: str) -> None:
    assert access_right({"rightsList": rights}).label == label
    root = openaire({**FULL, "rightsList": rights})
    (element,) = root.findall("datacite:rights", NS)
    assert element.text == label and ACCESS_RIGHTS[element.get("rightsURI")].label == label


def test_the_licence_condition_is_the_first_licence_and_starts_when_the_embargo_ends() -> None:
    root = openaire({**FULL, "rightsList": [
        {"rights": "Embargoed", "rightsUri": "info:eu-repo/semantics/embargoedAccess"},
        {"rights": "CC BY 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/"},
        {"rights": "CC BY 4.0 (fr)", "rightsUri": "https://creativecommons.org/licenses/by/4.0/"},
    ], "dates": [{"date": "2020-06-15", "dateType": "Issued"},
                 {"date": "2020-06-15", "dateType": "Accepted"},
                 {"date": "2021-06-15", "dateType": "Available"}]})
    (licence,) = root.findall("oaire:licenseCondition", NS)
    assert (licence.text, licence.get("uri"), licence.get("startDate")) == (
        "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", "2021-06-15")
    dates = [(d.get("dateType"), d.text) for d in root.iterfind("datacite:dates/datacite:date", NS)]
    assert ("Accepted", "2020-06-15") in dates and ("Available", "2021-06-15") in dates


def test_no_licence_no_licence_condition() -> None:
    root = openaire({**FULL, "rightsList": [{"rightsUri": "info:eu-repo/semantics/openAccess"}]})
    assert root.find("oaire:licenseCondition", NS) is None


# -- identifiers, dates, people, relations ----------------------------------------------

def test_identifier_is_the_doi_url_else_the_landing_page() -> None:
    with_doi = openaire(FULL).find("datacite:identifier", NS)
    assert (with_doi.get("identifierType"), with_doi.text) == ("DOI", "https://doi.org/10.1234/full-2020")
    metadata = {k: v for k, v in FULL.items() if k != "doi"}
    without = openaire(metadata).find("datacite:identifier", NS)
    assert (without.get("identifierType"), without.text) == ("URL", LANDING)


def test_oai_payload_takes_the_doi_from_the_envelope() -> None:
    record = replace(make_record({k: v for k, v in FULL.items() if k != "doi"}),
                     doi="10.1234/envelope")
    root = FORMATS["oai_openaire"].oai_payload(record, CTX)
    assert root.findtext("datacite:identifier", namespaces=NS) == "https://doi.org/10.1234/envelope"


def test_dates_publication_date_is_mandatory_and_unknown_types_are_left_out() -> None:
    root = openaire({**FULL, "publicationYear": "2019", "dates": [
        {"date": "2020-01-01", "dateType": "Withdrawn"},
        {"date": "2020-02-02", "dateType": "Other", "dateInformation": "something"},
        {"date": "1990/2000", "dateType": "Coverage"},
        {"date": "2018-01-01", "dateType": "Created", "dateInformation": "first draft"},
    ]})
    dates = [(d.get("dateType"), d.text, d.get("dateInformation"))
             for d in root.iterfind("datacite:dates/datacite:date", NS)]
    assert dates == [("Issued", "2019", None), ("Created", "2018-01-01", "first draft")]
    assert root.findtext("dc:coverage", namespaces=NS) == "1990/2000"


def test_contributor_types_openaire_lacks_become_other() -> None:
    root = openaire(FULL)
    kinds = {c.findtext("datacite:contributorName", namespaces=NS): c.get("contributorType")
             for c in root.iterfind("datacite:contributors/datacite:contributor", NS)}
    assert kinds == {"Editor, Eddie": "Editor", "Traductrice, Tina": "Other",
                     "Curator, Carl": "DataCurator"}


def test_creator_identifiers_and_affiliations() -> None:
    creator = openaire(FULL).find("datacite:creators/datacite:creator", NS)
    ident = creator.find("datacite:nameIdentifier", NS)
    assert ident.get("nameIdentifierScheme") == "ORCID"
    affiliation = creator.find("datacite:affiliation", NS)
    assert affiliation.text == "Ocean University"
    assert affiliation.get("affiliationIdentifier") == "https://ror.org/04wxnsj81"


@pytest.mark.parametrize(("related", "expected"), [
    ({"relatedIdentifier": "10.1/x", "relatedIdentifierType": "DOI", "relationType": "HasTranslation"},
     ("10.1/x", "DOI", "IsOriginalFormOf")),
    ({"relatedIdentifier": "10.1/x", "relatedIdentifierType": "DOI", "relationType": "Obsoletes"},
     ("10.1/x", "DOI", "IsNewVersionOf")),
    ({"relatedIdentifier": "10.1/x", "relatedIdentifierType": "DOI", "relationType": "Other"}, None),
    ({"relatedIdentifier": "https://w3id.org/x", "relatedIdentifierType": "w3id",
      "relationType": "References"}, ("https://w3id.org/x", "URL", "References")),
    ({"relatedIdentifier": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
      "relatedIdentifierType": "SWHID", "relationType": "IsSupplementedBy"}, None),
])
def test_relations_in_openaires_older_lists(related: dict[str, str],
                                            expected: tuple[str, str, str] | None) -> None:
    root = openaire({**FULL, "relatedIdentifiers": [related], "relatedItems": []})
    found = [(r.text, r.get("relatedIdentifierType"), r.get("relationType"))
             for r in root.iterfind("datacite:relatedIdentifiers/datacite:relatedIdentifier", NS)]
    assert found == ([expected] if expected else [])


def test_citation_details_come_from_the_item_it_was_published_in() -> None:
    root = openaire(FULL)
    citation = {el.tag.split("}")[1]: el.text for el in root if el.tag.startswith(f"{{{OPENAIRE_NS}}}citation")}
    assert citation == {"citationTitle": "Journal of Deep Water", "citationVolume": "12",
                        "citationIssue": "3", "citationStartPage": "100", "citationEndPage": "120"}
    related = root.find("datacite:relatedIdentifiers/datacite:relatedIdentifier[last()]", NS)
    assert (related.text, related.get("relationType"), related.get("resourceTypeGeneral")) == (
        "1234-5678", "IsPartOf", "Text")


def test_resource_type_version_and_funding() -> None:
    root = openaire({**FULL, "types": {"resourceTypeGeneral": "Text", "resourceType": "Preprint"},
                     "fundingReferences": [{"funderName": "A funder", "funderIdentifier": "x1"}]})
    resource_type = root.find("oaire:resourceType", NS)
    assert (resource_type.text, resource_type.get("uri"), resource_type.get("resourceTypeGeneral")) == (
        "preprint", "http://purl.org/coar/resource_type/c_816b", "literature")
    assert root.findtext("oaire:version", namespaces=NS) == "2.1"
    funder = root.find("oaire:fundingReferences/oaire:fundingReference/oaire:funderIdentifier", NS)
    assert (funder.text, funder.get("funderIdentifierType")) == ("x1", "Other")


def test_the_format_is_everywhere_the_registry_reaches() -> None:
    fmt = FORMATS["oai_openaire"]
    assert fmt in FORMATS.negotiable() and fmt in FORMATS.oai_formats()
    assert FORMATS.by_oai_prefix("oai_openaire") is fmt
    assert FORMATS.by_media_type("application/x-oai-openaire+xml") is fmt
    assert fmt.available(make_record(doi=None))


def _has_part(value: str, kind: str = "URL", relation: str = "HasPart") -> dict[str, str]:
    return {"relatedIdentifier": value, "relatedIdentifierType": kind, "relationType": relation}


@pytest.mark.parametrize(("general", "object_type"), [
    ("Dataset", "dataset"), ("JournalArticle", "fulltext"), ("Software", "software"),
    ("Image", "other")])
def test_files_are_the_hasparts_that_name_a_file(general: str, object_type: str) -> None:
    root = openaire({**FULL, "types": {"resourceTypeGeneral": general}, "relatedIdentifiers": [
        _has_part("https://repo.example.org/files/table.csv"),
        _has_part("https://repo.example.org/files/paper.pdf?download=1"),
        _has_part("https://repo.example.org/records/part-2"),          # no file name: a page
        _has_part("10.5555/child-part", kind="DOI"),                 # a part with its own DOI
        _has_part("https://example.org/cited.pdf", relation="References"),
        _has_part("javascript:alert(1).pdf"),
    ]})
    found = [(f.text, f.get("mimeType"), f.get("objectType"), f.get("accessRightsURI"))
             for f in root.findall("oaire:file", NS)]
    open_access = "http://purl.org/coar/access_right/c_abf2"
    assert found == [
        ("https://repo.example.org/files/table.csv", "text/csv", object_type, open_access),
        ("https://repo.example.org/files/paper.pdf?download=1", "application/pdf", object_type,
         open_access)]
