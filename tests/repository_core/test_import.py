"""read_records: every input shape, and clear errors for the rest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from repository_core.errors import UnreadableInput
from repository_core.metadata import IGNORED_REST_ATTRIBUTES, read_records, validate_metadata

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "datacite-examples"

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<resource xmlns="http://datacite.org/schema/kernel-4"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://datacite.org/schema/kernel-4 http://schema.datacite.org/meta/kernel-4.1/metadata.xsd">
  <identifier identifierType="DOI">10.1234/abc</identifier>
  <creators><creator><creatorName>Doe, Jane</creatorName>
    <affiliation>Plain affiliation (kernel 4.1)</affiliation></creator></creators>
  <titles><title xml:lang="en">Title</title></titles>
  <publisher>Publisher</publisher>
  <publicationYear> 2019 </publicationYear>
  <resourceType resourceTypeGeneral="Dataset"/>
</resource>
"""

PLAIN = {
    "doi": "10.1234/abc",
    "creators": [{"name": "Doe, Jane"}],
    "titles": [{"title": "Title"}],
    "publisher": {"name": "Publisher"},
    "publicationYear": "2019",
    "types": {"resourceTypeGeneral": "Dataset"},
}


def one(data: bytes | str, **kwargs: Any) -> dict[str, Any]:
    records = read_records(data.encode() if isinstance(data, str) else data, **kwargs)
    assert len(records) == 1
    return records[0]


def test_xml_of_an_older_kernel_4_version() -> None:
    record = one(XML)
    assert record["id"] is None and record["collections"] == []
    md = record["metadata"]
    assert md["doi"] == "10.1234/abc"
    assert md["publicationYear"] == "2019"
    assert md["creators"][0]["affiliation"] == [{"name": "Plain affiliation (kernel 4.1)"}]
    assert md["titles"] == [{"title": "Title", "lang": "en"}]
    assert md["types"] == {"resourceTypeGeneral": "Dataset", "resourceType": ""}
    assert validate_metadata(md) == []


def test_plain_datacite_json() -> None:
    assert one(json.dumps(PLAIN))["metadata"] == PLAIN


def test_rest_api_document_single_and_list() -> None:
    rest = {"data": {"id": "10.1234/abc", "type": "dois", "attributes": {**PLAIN, "state": "findable"}}}
    assert one(json.dumps(rest))["metadata"] == PLAIN
    many = {"data": [rest["data"], {"type": "dois", "attributes": dict(PLAIN, doi="10.1234/def")}]}
    assert [r["metadata"]["doi"] for r in read_records(json.dumps(many).encode())] == ["10.1234/abc", "10.1234/def"]


def test_doi_from_the_resource_id() -> None:
    rest = {"data": {"id": "10.1234/xyz", "type": "dois", "attributes": {k: v for k, v in PLAIN.items() if k != "doi"}}}
    assert one(json.dumps(rest))["metadata"]["doi"] == "10.1234/xyz"


def test_our_record_json_and_arrays_of_everything() -> None:
    ours = {"id": "rec-1", "metadata": PLAIN, "collections": ["physics", "physics:hep"], "revision": 3}
    record = one(json.dumps(ours))
    assert record == {"id": "rec-1", "metadata": PLAIN, "collections": ["physics", "physics:hep"]}
    mixed = [ours, PLAIN, {"data": {"type": "dois", "attributes": PLAIN}}]
    assert [r["id"] for r in read_records(json.dumps(mixed).encode())] == ["rec-1", None, None]


def test_rest_api_attributes_are_normalised() -> None:
    attributes = {
        **{k: v for k, v in PLAIN.items() if k != "publisher"},
        "publisher": "Publisher",
        "creators": [{"name": "Doe, Jane", "affiliation": ["Uni A"], "nameIdentifiers": []}],
        "identifiers": [{"identifier": "https://doi.org/10.1234/ABC", "identifierType": "DOI"},
                        {"identifier": "local-7", "identifierType": "Local"}],
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "", "schemaOrg": "Dataset",
                  "bibtex": "misc", "citeproc": "dataset", "ris": "DATA"},
        "geoLocations": [{"geoLocationPoint": {"pointLatitude": "49.5", "pointLongitude": "-123"}}],
        "language": None,
        "relatedItems": [{"relationType": "IsPublishedIn", "relatedItemType": "Journal", "titles": [{"title": "J"}],
                          "relatedItemIdentifier": {"relatedItemIdentifier": "1234-5678",
                                                    "relatedItemIdentifierType": "ISSN",
                                                    "relatedMetadataScheme": "x", "schemeURI": "https://s"}}],
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        **{name: "whatever" for name in ("xml", "state", "created", "updated", "viewCount", "contentUrl")},
    }
    md = one(json.dumps(attributes))["metadata"]
    assert md["publisher"] == {"name": "Publisher"}
    assert md["creators"] == [{"name": "Doe, Jane", "affiliation": [{"name": "Uni A"}]}]
    assert md["alternateIdentifiers"] == [{"alternateIdentifier": "local-7", "alternateIdentifierType": "Local"}]
    assert md["types"] == {"resourceTypeGeneral": "Dataset", "resourceType": ""}
    assert md["geoLocations"][0]["geoLocationPoint"] == {"pointLatitude": 49.5, "pointLongitude": -123}
    assert "language" not in md
    assert md["relatedItems"][0]["relatedMetadataScheme"] == "x"
    assert md["relatedItems"][0]["schemeUri"] == "https://s"
    assert not set(md) & IGNORED_REST_ATTRIBUTES
    assert validate_metadata(md) == []


def test_unknown_rest_attribute_raises() -> None:
    with pytest.raises(UnreadableInput, match="unknown DataCite attribute.*colour"):
        read_records(json.dumps(dict(PLAIN, colour="blue")).encode(), source="in.json")


def test_malformed_json_names_source_and_line() -> None:
    with pytest.raises(UnreadableInput) as excinfo:
        read_records(b'[\n  {"doi": "10.1/x",\n   "titles": ]\n]', source="batch.json")
    assert excinfo.value.source == "batch.json" and excinfo.value.line == 3
    assert str(excinfo.value).startswith("batch.json:3: malformed JSON")


def test_malformed_xml_names_source_and_line() -> None:
    broken = XML.replace(b"</titles>", b"</title>")
    with pytest.raises(UnreadableInput) as excinfo:
        read_records(broken, source="rec.xml")
    assert excinfo.value.source == "rec.xml" and excinfo.value.line == 8


def test_unknown_element_is_refused_with_the_xsd_reason() -> None:
    data = XML.replace(b"<publisher>", b"<colour>blue</colour><publisher>")
    with pytest.raises(UnreadableInput, match="rejected by the DataCite kernel-4 XSD: Element 'colour': "
                                              "This element is not expected") as excinfo:
        read_records(data, source="rec.xml")
    assert excinfo.value.line == 9


def test_attributes_the_xsd_lets_through_are_dropped_with_a_warning() -> None:
    """all-fields-v4.4.xml misspells two affiliation attributes; DataCite's XSD accepts them."""
    warnings: list[str] = []
    [record] = read_records((EXAMPLES_DIR / "all-fields-v4.4.xml").read_bytes(), source="all-fields.xml",
                            warnings=warnings)
    assert warnings == [
        ("all-fields.xml:23: attribute 'affilicationIdentifierScheme' on <affiliation> is not in the "
        "DataCite schema; dropped"),
        "all-fields.xml:23: attribute 'schemeURL' on <affiliation> is not in the DataCite schema; dropped",
    ]
    affiliation = record["metadata"]["creators"][0]["affiliation"]
    assert affiliation == [{"name": "University of Maryland, College Park", "affiliationIdentifier": "UMCP"}]
    assert validate_metadata(record["metadata"]) == []


def test_unknown_attribute_the_xsd_refuses_is_refused() -> None:
    data = XML.replace(b"<publisher>", b'<publisher colour="blue">')
    with pytest.raises(UnreadableInput, match="rec.xml:9: rejected by the DataCite kernel-4 XSD: "
                                              "Element 'publisher', attribute 'colour'"):
        read_records(data, source="rec.xml")


def test_xml_reader_without_a_warnings_list_stays_strict() -> None:
    from lxml import etree

    from repository_core.metadata import xml_to_metadata

    root = etree.fromstring((EXAMPLES_DIR / "all-fields-v4.4.xml").read_bytes())
    with pytest.raises(UnreadableInput, match="affilicationIdentifierScheme"):
        xml_to_metadata(root)


def test_foreign_namespace_element_raises() -> None:
    data = XML.replace(b"<publisher>", b'<x:note xmlns:x="urn:x">n</x:note><publisher>')
    with pytest.raises(UnreadableInput, match="XSD: Element '{urn:x}note': This element is not expected"):
        read_records(data)


def test_repeated_single_element_raises() -> None:
    with pytest.raises(UnreadableInput, match="XSD: Element 'publisher': This element is not expected"):
        read_records(XML.replace(b"<publisher>Publisher</publisher>", b"<publisher>A</publisher><publisher>B</publisher>"))


def test_description_line_breaks_are_kept() -> None:
    data = XML.replace(b"<publisher>", b'<descriptions><description descriptionType="Abstract">a<br/>b'
                                        b"</description></descriptions><publisher>")
    assert one(data)["metadata"]["descriptions"] == [{"description": "a\u2028b", "descriptionType": "Abstract"}]


def test_non_doi_identifier_becomes_an_alternate_identifier() -> None:
    data = XML.replace(b'identifierType="DOI">10.1234/abc', b'identifierType="ARK">ark:/1234/x')
    md = one(data)["metadata"]
    assert "doi" not in md
    assert md["alternateIdentifiers"] == [{"alternateIdentifier": "ark:/1234/x", "alternateIdentifierType": "ARK"}]


KERNEL3 = b"""<resource xmlns="http://datacite.org/schema/kernel-3">
  <identifier identifierType="DOI">10.1234/k3</identifier>
  <creators><creator><creatorName>Doe, Jane</creatorName></creator></creators>
  <titles><title>Old</title></titles>
  <publisher>P</publisher><publicationYear>2014</publicationYear>
  <resourceType resourceTypeGeneral="Text">Report</resourceType>
  <geoLocations><geoLocation><geoLocationPoint>31.233 -67.302</geoLocationPoint>
    <geoLocationBox>41.090 -71.032 42.893 -68.211</geoLocationBox></geoLocation></geoLocations>
</resource>"""


def test_kernel_3_is_read_into_kernel_4() -> None:
    md = one(KERNEL3)["metadata"]
    assert md["geoLocations"] == [{
        "geoLocationPoint": {"pointLongitude": -67.302, "pointLatitude": 31.233},
        "geoLocationBox": {"westBoundLongitude": -71.032, "eastBoundLongitude": -68.211,
                           "southBoundLatitude": 41.09, "northBoundLatitude": 42.893},
    }]
    assert validate_metadata(md) == []


def test_kernel_3_has_no_local_xsd_so_unknown_attributes_still_raise() -> None:
    with pytest.raises(UnreadableInput, match="unknown attribute 'colour' on <publisher>"):
        read_records(KERNEL3.replace(b"<publisher>", b'<publisher colour="blue">'), warnings=[])


def test_other_inputs_raise_clearly() -> None:
    with pytest.raises(UnreadableInput, match="kernel-2.2 is not supported"):
        read_records(b'<resource xmlns="http://datacite.org/schema/kernel-2.2"/>')
    with pytest.raises(UnreadableInput, match="not DataCite XML"):
        read_records(b"<html/>")
    with pytest.raises(UnreadableInput, match="neither XML nor JSON"):
        read_records(b"doi: 10.1/x")
    with pytest.raises(UnreadableInput, match="empty input"):
        read_records(b"  \n")
    with pytest.raises(UnreadableInput, match="expected a JSON object"):
        read_records(b"[1]")


def test_entities_are_not_expanded_and_network_is_not_used() -> None:
    evil = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<resource xmlns="http://datacite.org/schema/kernel-4"><publisher>&e;</publisher></resource>"""
    with pytest.raises(UnreadableInput, match="entity reference &e; is not supported"):
        read_records(evil)
