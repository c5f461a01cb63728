"""Mapping harvested payloads to DataCite metadata: oai_dc's mandatory
properties (or the reason it cannot), DataCite XML through the loader's reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from repository_core.harvest.mapping import Refused, landing_url, map_record
from repository_core.metadata.validation import validate_metadata

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "datacite-kernels"


def dc(**values: str | list[str]) -> etree._Element:
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC})
    for name, value in values.items():
        for text in [value] if isinstance(value, str) else value:
            etree.SubElement(root, f"{{{DC}}}{name}").text = text
    return root


COMPLETE = {"title": "Soil samples", "creator": ["Roe, Richard", "Example Lab"],
            "publisher": "Archive", "date": "2018-07-01", "type": "Dataset"}


def test_oai_dc_with_every_mandatory_property_is_valid_datacite():
    mapped = map_record("oai_dc", dc(**COMPLETE, identifier=["https://doi.org/10.4242/SOIL",
                                                             "https://archive.example/1"],
                                     rights="https://creativecommons.org/licenses/by/4.0/"),
                        source="t")
    md = mapped.metadata
    assert validate_metadata(md) == []
    assert md["doi"] == "10.4242/SOIL"
    assert md["creators"][1] == {"name": "Example Lab"}
    assert md["rightsList"][0]["rightsUri"].startswith("https://creativecommons.org/")
    assert mapped.landing_url == "https://archive.example/1"


@pytest.mark.parametrize(("drop", "reason"), [
    ("title", "no dc:title"), ("creator", "no dc:creator"), ("publisher", "no dc:publisher"),
    ("date", "no dc:date with a year"), ("type", "no dc:type"),
])
def test_oai_dc_without_a_mandatory_property_is_refused_with_the_reason(drop, reason):
    values = {k: v for k, v in COMPLETE.items() if k != drop}
    with pytest.raises(Refused, match=reason):
        map_record("oai_dc", dc(**values), source="t")


@pytest.mark.parametrize(("kind", "general"), [
    ("StillImage", "Image"), ("MovingImage", "Audiovisual"), ("text", "Text"),
    ("JournalArticle", "JournalArticle"), ("Physical Object", "PhysicalObject"),
])
def test_dc_type_vocabulary(kind, general):
    mapped = map_record("oai_dc", dc(**{**COMPLETE, "type": kind}), source="t")
    assert mapped.metadata["types"] == {"resourceTypeGeneral": general, "resourceType": kind}


KERNELS = sorted(p for p in EXAMPLES.glob("kernel-4.*.xml") if "rejected" not in p.name)


@pytest.mark.parametrize("path", KERNELS, ids=[p.stem for p in KERNELS])
def test_datacite_and_oai_datacite_payloads_of_any_kernel_4(path):
    resource = etree.parse(str(path)).getroot()
    direct = map_record("datacite", resource, source="t").metadata
    assert direct["titles"] and direct["creators"]
    wrapper = etree.Element("{http://schema.datacite.org/oai/oai-1.1/}oai_datacite")
    etree.SubElement(wrapper, "{http://schema.datacite.org/oai/oai-1.1/}payload").append(
        etree.fromstring(etree.tostring(resource)))
    assert map_record("oai_datacite", wrapper, source="t").metadata == direct
    broken = etree.fromstring(b'<resource xmlns="http://datacite.org/schema/kernel-4"/>')
    with pytest.raises(Refused, match="kernel-4 XSD"):
        map_record("datacite", broken, source="t")
    with pytest.raises(Refused, match="without a <payload>"):
        map_record("oai_datacite", etree.Element("{http://schema.datacite.org/oai/oai-1.1/}x"),
                   source="t")


def test_landing_url_prefers_a_url_then_the_doi():
    assert landing_url({"doi": "10.1/X"}) == "https://doi.org/10.1/X"
    assert landing_url({"doi": "10.1/X", "alternateIdentifiers": [
        {"alternateIdentifier": "https://a.example/x", "alternateIdentifierType": "URL"}]}) \
        == "https://a.example/x"
    assert landing_url({}) is None
