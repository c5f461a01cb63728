"""DataCite XML: reader + writer round trips on all of DataCite's kernel-4 examples."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from repository_core.metadata import read_records, validate_metadata, xml_to_metadata
from repository_core.metadata.importing import normalize_whitespace
from repository_core.records import Record
from serializers.datacite_xml import MissingDOI, dump, has_doi, metadata_to_xml, to_bytes
from serializers.namespaces import DATACITE_NS, DATACITE_SCHEMA_LOCATION, XSI
from serializers.xsd import validate_xml
from tests.contexts import export_context
from tests.examples import EXAMPLES, example_bytes
from tests.xml_canonical import NUMERIC, TOKEN, canonical, squish


def test_there_are_31_examples() -> None:
    assert len(EXAMPLES) == 31


# -- canonical form: what "equivalent" means --------------------------------------------------

NS = f"{{{DATACITE_NS}}}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_xml_round_trip_is_lossless_and_valid(path: Path) -> None:
    data = example_bytes(path)
    original = etree.fromstring(data)
    assert validate_xml(original, "datacite") == []  # the example itself is valid

    [record] = read_records(data, source=path.name)
    metadata = record["metadata"]
    assert validate_metadata(metadata, check_identifiers=False) == []

    out = to_bytes(metadata_to_xml(metadata))
    assert validate_xml(out, "datacite") == []
    assert canonical(etree.fromstring(out)) == canonical(original)

    # and the output reads back to the same metadata (a fixed point)
    [again] = read_records(out)
    assert again["metadata"] == metadata


def _xml_leaves(root: etree._Element) -> Counter[str]:
    """Every text and attribute value of the document, as the model spells it."""
    leaves: Counter[str] = Counter()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        for key, value in el.attrib.items():
            if key != XSI and not (name == "identifier" and key == "identifierType"):
                leaves[squish(value)] += 1
        if name == "br":
            continue
        if name == "description":
            text = (el.text or "") + "".join("\u2028" + (c.tail or "") for c in el if isinstance(c.tag, str))
            leaves[squish(text)] += 1
        elif len([c for c in el if isinstance(c.tag, str)]) == 0:
            text = el.text or ""
            if name in NUMERIC:
                leaves[repr(float(text))] += 1
            elif name in TOKEN:
                leaves[text.strip()] += 1
            else:
                leaves[squish(text)] += 1
    return leaves


def _json_leaves(value: Any, key: str = "") -> Counter[str]:
    leaves: Counter[str] = Counter()
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "schemaVersion":
                leaves += _json_leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            leaves += _json_leaves(v, key)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        leaves[repr(float(value))] += 1
    else:
        leaves[value] += 1
    return leaves


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_leaf_of_the_xml_is_in_the_metadata(path: Path) -> None:
    root = etree.fromstring(example_bytes(path))
    metadata = normalize_whitespace(xml_to_metadata(root))
    assert _json_leaves(metadata) == _xml_leaves(root)


MINIMAL = {
    "doi": "10.1234/abc",
    "creators": [{"name": "Doe, Jane"}],
    "titles": [{"title": "T"}],
    "publisher": {"name": "P"},
    "publicationYear": "2024",
    "types": {"resourceTypeGeneral": "Dataset"},
}


def _record(metadata: dict[str, Any]) -> Record:
    from datetime import datetime

    now = datetime(2024, 1, 1, tzinfo=UTC)
    return Record(id="r1", metadata=metadata, created=now, datestamp=now)


def test_dump_minimal_record_is_valid_kernel_47() -> None:
    out = dump(_record(MINIMAL), export_context())
    assert validate_xml(out, "datacite") == []
    root = etree.fromstring(out)
    assert root.tag == f"{NS}resource"
    assert root.get(XSI) == f"{DATACITE_NS} {DATACITE_SCHEMA_LOCATION}"
    assert root.findtext(f"{NS}identifier") == "10.1234/abc"
    assert out.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_record_without_doi_has_no_datacite_xml() -> None:
    metadata = {k: v for k, v in MINIMAL.items() if k != "doi"}
    assert validate_metadata(metadata) == []  # valid as a record
    assert not has_doi(metadata) and has_doi(MINIMAL)
    with pytest.raises(MissingDOI):
        dump(_record(metadata), export_context())
    preview = metadata_to_xml(metadata, require_doi=False)
    assert preview.find(f"{NS}identifier") is None
    assert validate_xml(preview, "datacite")  # documented: not XSD-valid


def test_line_breaks_in_descriptions_become_br() -> None:
    metadata = dict(MINIMAL, descriptions=[{"description": "one\u2028two", "descriptionType": "Abstract"}])
    out = to_bytes(metadata_to_xml(metadata), pretty=False)
    assert b'<description descriptionType="Abstract">one<br/>two</description>' in out
    assert validate_xml(out, "datacite") == []


def test_element_order_follows_the_xsd_sequences() -> None:
    metadata = dict(MINIMAL, creators=[{
        "affiliation": [{"name": "A"}], "nameIdentifiers": [{"nameIdentifier": "0000-0002-1825-0097",
                                                            "nameIdentifierScheme": "ORCID"}],
        "familyName": "Doe", "givenName": "Jane", "name": "Doe, Jane",
    }])
    creator = metadata_to_xml(metadata).find(f"{NS}creators/{NS}creator")
    assert [etree.QName(c).localname for c in creator] == [
        "creatorName", "givenName", "familyName", "nameIdentifier", "affiliation"]
