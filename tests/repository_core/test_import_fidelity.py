"""Import fidelity: what DataCite publishes loads, and comes back out equivalent.

* DataCite XML of every kernel 4.x version (a small file for each version's
  additions, in tests/fixtures/datacite-kernels, plus DataCite's own 31
  examples) loads; a file DataCite's XSD rejects is refused with the XSD's
  reason; the DataCite XML we write is the input after canonicalisation
  (tests/xml_canonical.py), except attributes dropped with a warning.
* DataCite's JSON documents, in every shape its services have used
  (tests/fixtures/datacite-json, from bolognese's test fixtures), load.
* Relations that arrive with the metadata are stored exactly as they came.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from repository_core.errors import UnreadableInput
from repository_core.metadata import read_records, validate_metadata
from repository_core.metadata.kernel_xsd import KERNEL4_XSD
from repository_core.service import RecordService
from serializers.datacite_xml import metadata_to_xml, to_bytes
from serializers.xsd import SCHEMA_DIR, validate_xml
from tests.examples import EXAMPLES_DIR
from tests.xml_canonical import canonical

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KERNELS = sorted((FIXTURES / "datacite-kernels").glob("kernel-4.?.xml"))
JSON_EXAMPLES = FIXTURES / "datacite-json"


def one(data: bytes, source: str = "<test>", warnings: list[str] | None = None) -> dict[str, Any]:
    [record] = read_records(data, source=source, warnings=warnings)
    metadata: dict[str, Any] = record["metadata"]
    return metadata


def test_every_kernel_4_version_has_a_test_file() -> None:
    assert [p.stem for p in KERNELS] == [f"kernel-4.{n}" for n in range(7)]


@pytest.mark.parametrize("path", KERNELS, ids=lambda p: p.stem)
def test_each_older_kernel_loads_and_comes_back_equivalent(path: Path) -> None:
    data = path.read_bytes()
    metadata = one(data, path.name)
    assert validate_metadata(metadata) == []
    out = to_bytes(metadata_to_xml(metadata))
    assert validate_xml(out, "datacite") == []
    assert canonical(etree.fromstring(out)) == canonical(etree.fromstring(data))
    assert b"kernel-4.7/metadata.xsd" in out  # the documented upgrade: the 4.7 schema location


def test_whitespace_is_normalised_as_datacite_does() -> None:
    metadata = one((FIXTURES / "datacite-kernels" / "kernel-4.0.xml").read_bytes())
    assert metadata["titles"] == [{"title": "Full DataCite XML Example", "lang": "en-US"}]
    assert metadata["descriptions"][0]["description"] == (
        "XML example of all DataCite Metadata Schema v4.0 properties.")


def test_a_file_the_xsd_rejects_is_refused_with_the_xsd_reason() -> None:
    path = FIXTURES / "datacite-kernels" / "kernel-4.0-rejected.xml"
    with pytest.raises(UnreadableInput) as info:
        read_records(path.read_bytes(), source=path.name)
    assert info.value.line == 4
    assert str(info.value).startswith(
        "kernel-4.0-rejected.xml:4: rejected by the DataCite kernel-4 XSD: Element 'resource': "
        "Missing child element(s). Expected is one of ( resourceType,")


def test_the_misspelled_official_example_comes_back_without_the_dropped_attributes() -> None:
    data = (EXAMPLES_DIR / "all-fields-v4.4.xml").read_bytes()
    warnings: list[str] = []
    metadata = one(data, "all-fields-v4.4.xml", warnings)
    assert len(warnings) == 2
    out = to_bytes(metadata_to_xml(metadata))
    assert validate_xml(out, "datacite") == []
    dropped = {("affiliation", "affilicationIdentifierScheme"), ("affiliation", "schemeURL")}
    assert canonical(etree.fromstring(out)) == canonical(etree.fromstring(data), dropped)
    assert canonical(etree.fromstring(out)) != canonical(etree.fromstring(data))


def test_the_importers_schema_is_the_serializers_schema() -> None:
    """The importer keeps its own copy (repository_core imports no serializer): kept identical."""
    ours = sorted(p.relative_to(KERNEL4_XSD.parent) for p in KERNEL4_XSD.parent.rglob("*.xsd"))
    theirs_dir = SCHEMA_DIR / "datacite-kernel-4"
    assert ours == sorted(p.relative_to(theirs_dir) for p in theirs_dir.rglob("*.xsd"))
    for relative in ours:
        assert (KERNEL4_XSD.parent / relative).read_bytes() == (theirs_dir / relative).read_bytes()


# -- DataCite's JSON ---------------------------------------------------------------------------

JSON_FILES = sorted(JSON_EXAMPLES.glob("*.json"))


def test_there_are_six_json_examples() -> None:
    assert len(JSON_FILES) == 6


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.stem)
def test_every_datacite_json_example_loads_and_is_valid_kernel_47(path: Path) -> None:
    metadata = one(path.read_bytes(), path.name)
    assert validate_metadata(metadata) == []
    assert metadata["schemaVersion"] == "http://datacite.org/schema/kernel-4"
    out = to_bytes(metadata_to_xml(metadata))
    assert validate_xml(out, "datacite") == []


def test_crosscite_json_is_read_into_the_model() -> None:
    metadata = one((JSON_EXAMPLES / "crosscite.json").read_bytes())
    assert metadata["doi"] == "10.5281/zenodo.48440"
    assert metadata["publicationYear"] == "2016"  # publication_year
    assert metadata["publisher"] == {"name": "Zenodo"}
    assert metadata["dates"] == [{"date": "2016-03-27", "dateType": "Issued"}]  # one object
    assert metadata["alternateIdentifiers"] == [  # "Identifier", capitalised
        {"alternateIdentifier": "http://zenodo.org/record/48440", "alternateIdentifierType": "URL"}]
    assert metadata["rightsList"][1] == {  # rights_list
        "rightsUri": "https://creativecommons.org/licenses/by-nc-sa/4.0",
        "rights": "Creative Commons Attribution-NonCommercial-ShareAlike"}
    assert metadata["types"] == {"resourceTypeGeneral": "Software", "resourceType": "Software"}
    assert metadata["creators"] == [{"name": "Kristian Garza", "givenName": "Kristian",
                                     "familyName": "Garza", "nameType": "Personal"}]


def test_kebab_case_and_kernel_3_json_is_read_into_the_model() -> None:
    metadata = one((JSON_EXAMPLES / "datacite_software.json").read_bytes())
    assert metadata["doi"] == "10.5063/F1M61H5X"  # "id" differs in case only: the same DOI
    assert metadata["types"] == {"resourceTypeGeneral": "Software", "resourceType": "Software"}
    assert metadata["publicationYear"] == "2016"


def test_a_creator_id_becomes_a_name_identifier() -> None:
    metadata = one((JSON_EXAMPLES / "datacite.json").read_bytes())
    assert metadata["creators"][0]["nameIdentifiers"] == [{
        "nameIdentifier": "http://orcid.org/0000-0003-1419-2405", "nameIdentifierScheme": "ORCID",
        "schemeUri": "https://orcid.org"}]


def test_empty_rest_lists_and_a_numeric_year_are_normalised() -> None:
    metadata = one((JSON_EXAMPLES / "datacite_software_version.json").read_bytes())
    assert "contributors" not in metadata and "affiliation" not in metadata["creators"][0]
    assert metadata["publicationYear"] == "2019"
    assert metadata["url"] == "https://zenodo.org/record/2598836"
    assert {r["relationType"] for r in metadata["relatedIdentifiers"]} == {"IsSupplementTo", "IsVersionOf"}


def test_a_container_not_named_elsewhere_becomes_a_related_identifier() -> None:
    metadata = one((JSON_EXAMPLES / "datacite_with_container.json").read_bytes())
    assert metadata["relatedIdentifiers"][-1] == {
        "relatedIdentifier": "10.17605/OSF.IO/CEA94", "relatedIdentifierType": "DOI", "relationType": "IsPartOf"}


def test_a_container_named_by_a_related_identifier_adds_nothing() -> None:
    document = json.loads((JSON_EXAMPLES / "datacite_with_container.json").read_bytes())
    document["container"] = {"type": "Series", "identifier": "10.5438/0000-00SS", "identifierType": "DOI"}
    metadata = one(json.dumps(document).encode())
    assert [r["relatedIdentifier"] for r in metadata["relatedIdentifiers"]] == [
        "10.5438/0000-00ss", "10.5438/0012", "10.5438/55e5-t5c0"]


def test_a_container_that_cannot_be_kept_is_a_warning() -> None:
    document = json.loads((JSON_EXAMPLES / "datacite.json").read_bytes())
    document["container"] = {"type": "Journal", "title": "Some Journal", "volume": "3"}
    warnings: list[str] = []
    one(json.dumps(document).encode(), "c.json", warnings)
    assert warnings == [('c.json: /container: {"title": "Some Journal", "volume": "3"} has no identifier '
                        "and no related item names it; not kept")]


def test_the_rest_envelope_of_datacite_json_loads() -> None:
    attributes = json.loads((JSON_EXAMPLES / "datacite.json").read_bytes())
    envelope = {"data": {"id": "10.5438/4k3m-nyvg", "type": "dois", "attributes": attributes}}
    assert one(json.dumps(envelope).encode()) == one(json.dumps(attributes).encode())


@pytest.mark.parametrize("resource_id, message", [
    ("https://doi.org/10.5438/other", "'https://doi.org/10.5438/other' contradicts doi '10.5438/4k3m-nyvg'"),
    ("https://example.org/record/1", "'https://example.org/record/1' is not a DOI URL"),
])
def test_an_id_that_is_not_the_doi_is_refused(resource_id: str, message: str) -> None:
    document = json.loads((JSON_EXAMPLES / "datacite.json").read_bytes())
    document["id"] = resource_id
    with pytest.raises(UnreadableInput, match="d.json: /id: " + message.replace(".", r"\.")):
        read_records(json.dumps(document).encode(), source="d.json")


def test_an_id_alone_gives_the_doi() -> None:
    document = json.loads((JSON_EXAMPLES / "datacite.json").read_bytes())
    del document["doi"]
    assert one(json.dumps(document).encode())["doi"] == "10.5438/4k3m-nyvg"


def test_both_spellings_of_one_attribute_are_refused() -> None:
    document = json.loads((JSON_EXAMPLES / "datacite.json").read_bytes())
    document["publication_year"] = "2017"
    with pytest.raises(UnreadableInput, match="both 'publication_year' and 'publicationYear'"):
        read_records(json.dumps(document).encode())


def test_json_whitespace_is_normalised_and_description_line_breaks_kept() -> None:
    document = json.loads((JSON_EXAMPLES / "datacite.json").read_bytes())
    document["titles"] = [{"title": "\n        Eating   your own\tDog Food\n    "}]
    document["descriptions"] = [{"descriptionType": "Abstract", "description": "  One.  \n\n  Two  "}]
    metadata = one(json.dumps(document).encode())
    assert metadata["titles"] == [{"title": "Eating your own Dog Food"}]
    assert metadata["descriptions"] == [{"descriptionType": "Abstract", "description": "One.\n\nTwo"}]


# -- relations that came with the metadata are kept exactly ------------------------------------

def test_imported_version_relations_are_stored_exactly(engine: Any) -> None:
    """HasVersion, IsVersionOf, IsNewVersionOf, IsPreviousVersionOf to identifiers elsewhere."""
    data = (EXAMPLES_DIR / "datacite-example-full-v4.xml").read_bytes()
    metadata = one(data)
    relations = {r["relationType"] for r in metadata["relatedIdentifiers"]}
    assert {"HasVersion", "IsVersionOf", "IsNewVersionOf", "IsPreviousVersionOf"} <= relations
    service = RecordService(engine)
    record = service.create(metadata)
    assert service.get(record.id).metadata["relatedIdentifiers"] == metadata["relatedIdentifiers"]
    out = to_bytes(metadata_to_xml(service.get(record.id).metadata))
    assert canonical(etree.fromstring(out)) == canonical(etree.fromstring(data))


@pytest.mark.parametrize("path", [*sorted(EXAMPLES_DIR.glob("*.xml")), *KERNELS, *JSON_FILES],
                         ids=lambda p: p.name)
def test_the_normalisation_leaves_stored_metadata_unchanged(path: Path) -> None:
    """``load --update-existing`` and PUT of a GET document rely on it: normalising twice changes nothing."""
    from repository_core.metadata.importing import normalize_metadata

    metadata = one(path.read_bytes(), path.name, [])
    assert normalize_metadata(metadata) == metadata
