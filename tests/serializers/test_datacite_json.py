"""DataCite JSON (REST API attributes): out, back in, and the same XML."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from repository_core.metadata import read_records, validate_metadata
from repository_core.records import Record
from serializers.datacite_json import dump, metadata_to_attributes, request_document
from serializers.datacite_xml import metadata_to_xml, to_bytes
from tests.contexts import export_context
from tests.examples import EXAMPLES, example_metadata

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def record(metadata: dict[str, Any], record_id: str = "r1") -> Record:
    return Record(id=record_id, metadata=metadata, created=NOW, datestamp=NOW)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_json_round_trip_gives_the_same_xml(path: Path) -> None:
    metadata = example_metadata(path)
    xml_a = to_bytes(metadata_to_xml(metadata))

    body = dump(record(metadata), export_context(base_url="https://repo.example.org"))
    [imported] = read_records(body, source="export.json")
    assert to_bytes(metadata_to_xml(imported["metadata"])) == xml_a
    # the only addition is the landing page DataCite needs
    assert imported["metadata"] == {**metadata, "url": "https://repo.example.org/records/r1"}
    assert validate_metadata(imported["metadata"], check_identifiers=False) == []


def test_attributes_use_rest_api_names() -> None:
    metadata = {
        "doi": "10.1234/abc",
        "creators": [{"name": "Doe, Jane"}],
        "titles": [{"title": "T"}],
        "publisher": {"name": "P"},
        "publicationYear": "2024",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Survey"},
        "alternateIdentifiers": [{"alternateIdentifier": "local-1", "alternateIdentifierType": "Local"}],
    }
    attributes = json.loads(dump(record(metadata), export_context()))
    assert attributes["identifiers"] == [{"identifier": "local-1", "identifierType": "Local"}]
    assert "alternateIdentifiers" not in attributes
    assert attributes["types"] == {
        "resourceTypeGeneral": "Dataset", "resourceType": "Survey",
        "schemaOrg": "Dataset", "citeproc": "dataset", "bibtex": "misc", "ris": "DATA",
    }
    assert attributes["schemaVersion"] == "http://datacite.org/schema/kernel-4"
    assert attributes["url"] == "http://127.0.0.1:5000/records/r1"
    assert metadata_to_attributes(dict(metadata, url="https://elsewhere.org/x"), url="https://ignored")["url"] == (
        "https://elsewhere.org/x"
    )


def test_request_document_is_json_api() -> None:
    metadata = {"doi": "10.1234/abc", "creators": [{"name": "X"}], "titles": [{"title": "T"}],
                "publisher": {"name": "P"}, "publicationYear": "2024",
                "types": {"resourceTypeGeneral": "Dataset"}}
    document = request_document(record(metadata), export_context(), event="publish")
    assert document["data"]["type"] == "dois"
    assert document["data"]["id"] == "10.1234/abc"
    assert document["data"]["attributes"]["event"] == "publish"
    # the importer reads the whole request document back (event is an action, ignored)
    [back] = read_records(json.dumps(document).encode())
    assert back["metadata"]["doi"] == "10.1234/abc"
    assert "event" not in back["metadata"]


def test_line_separator_survives_json() -> None:
    metadata = {"creators": [{"name": "X"}], "titles": [{"title": "T"}], "publisher": {"name": "P"},
                "publicationYear": "2024", "types": {"resourceTypeGeneral": "Text"},
                "descriptions": [{"description": "a\u2028b", "descriptionType": "Abstract"}]}
    body = dump(record(metadata), export_context())
    [back] = read_records(body)
    assert back["metadata"]["descriptions"][0]["description"] == "a\u2028b"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_types_block_agrees_with_every_export(path: Path) -> None:
    """DataCite JSON's derived ``types`` (schemaOrg, citeproc, bibtex, ris, as bolognese
    shows them) say what our schema.org, CSL, BibTeX and RIS exports actually write."""
    from serializers import bibtex, csl, ris, schema_org

    metadata = example_metadata(path)
    rec = record(metadata, path.stem)
    ctx = export_context()
    types = json.loads(dump(rec, ctx))["types"]
    assert json.loads(schema_org.dump(rec, ctx))["@type"] == types["schemaOrg"]
    assert json.loads(csl.dump(rec, ctx))["type"] == types["citeproc"]
    assert bibtex.dump(rec, ctx).decode().startswith("@" + types["bibtex"] + "{")
    assert ris.dump(rec, ctx).decode().startswith("TY  - " + types["ris"] + "\r\n")


@pytest.mark.parametrize(("types", "expected"), [
    ({"resourceTypeGeneral": "Presentation"}, ("PresentationDigitalDocument", "speech", "misc", "SLIDE")),
    ({"resourceTypeGeneral": "Audiovisual"}, ("MediaObject", "motion_picture", "misc", "VIDEO")),
    ({"resourceTypeGeneral": "Preprint"}, ("ScholarlyArticle", "article", "misc", "GEN")),
    ({"resourceTypeGeneral": "Text", "resourceType": "Monograph"}, ("Book", "book", "book", "BOOK")),
    ({"resourceTypeGeneral": "Text", "resourceType": "report"}, ("Report", "report", "techreport", "RPRT")),
    ({"resourceTypeGeneral": "Collection", "resourceType": "Report"},
     ("Collection", "collection", "misc", "GEN")),
])
def test_one_type_table_with_the_free_text(types: dict[str, str], expected: tuple[str, ...]) -> None:
    """bolognese reads the free resourceType as a Crossref type (Monograph -> Book, Report ->
    report); we do so only for Text and Other, where the general type says little."""
    attributes = metadata_to_attributes({"types": types})
    derived = attributes["types"]
    assert (derived["schemaOrg"], derived["citeproc"], derived["bibtex"], derived["ris"]) == expected
