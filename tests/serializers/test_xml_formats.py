"""Every XML format is valid against its XSD for all 31 official DataCite examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from serializers.namespaces import XSI
from serializers.registry import FORMATS, Format
from serializers.xsd import validate_xml
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record

XML_FORMATS = [f for f in FORMATS if f.xsd]


def test_there_are_31_examples_and_four_xml_formats() -> None:
    assert len(EXAMPLES) == 31
    assert {f.name for f in XML_FORMATS} == {"datacite", "dc", "oai_datacite", "oai_openaire",
                                             "marc21"}


def _metadata(path: Path) -> dict:
    return example_metadata(path)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", XML_FORMATS, ids=lambda f: f.name)
def test_valid_against_xsd(fmt: Format, path: Path) -> None:
    record = make_record(_metadata(path), id=path.stem)
    body = fmt.dump(record, CTX)
    assert validate_xml(body, fmt.xsd) == []
    root = etree.fromstring(body)
    assert etree.QName(root).namespace == fmt.namespace
    assert root.get(XSI, "").split() == [fmt.namespace, fmt.schema]
    # the OAI payload is the same document (dump only adds pretty-printing whitespace)
    payload = fmt.oai_payload(record, CTX)
    unpretty = etree.fromstring(body, etree.XMLParser(remove_blank_text=True))
    assert etree.tostring(payload, method="c14n") == etree.tostring(unpretty, method="c14n")
    if fmt.name == "oai_datacite":   # the wrapper's payload is laxly typed: check it strictly
        (resource,) = root.find(f"{{{fmt.namespace}}}payload")
        assert validate_xml(resource, "datacite") == []


def test_oai_datacite_wrapper_fields() -> None:
    root = FORMATS["oai_datacite"].oai_payload(make_record(), CTX)
    ns = {"o": FORMATS["oai_datacite"].namespace}
    assert root.findtext("o:schemaVersion", namespaces=ns) == "4.7"
    assert root.findtext("o:datacentreSymbol", namespaces=ns) == "EXAMPLE.REPO"
    resource = root.find("o:payload", ns)[0]
    assert resource.findtext("{http://datacite.org/schema/kernel-4}identifier") == "10.1234/full-2020"


def test_dublin_core_without_doi_is_still_valid_and_links_the_landing_page() -> None:
    body = FORMATS["dc"].dump(make_record(doi=None), CTX)
    assert validate_xml(body, "oai_dc") == []
    assert b"<dc:identifier>https://repo.example.org/records/rec-1</dc:identifier>" in body


def test_oai_datacite_moving_the_resource_writes_the_bytes_a_copy_writes() -> None:
    """``wrap(copy=False)`` (what the payload uses) against the copy through text, on
    every official example and 300 synthetic records (empty elements included)."""
    from lxml import etree

    from fixtures.synthetic import generate
    from serializers.datacite_xml import metadata_to_xml
    from serializers.oai_datacite import wrap
    from tests.examples import EXAMPLES, example_metadata

    documents = [example_metadata(p) for p in EXAMPLES]
    documents += [d["metadata"] for d in generate(300, seed=21)]
    empty = 0
    for metadata in documents:
        copied = etree.tostring(wrap(metadata_to_xml(metadata), datacentre_symbol="X.Y"))
        moved_resource = metadata_to_xml(metadata)
        empty += any(e.text == "" for e in moved_resource.iter())
        moved = etree.tostring(wrap(moved_resource, datacentre_symbol="X.Y", copy=False))
        assert moved == copied
    assert empty  # the case that differs unless handled
