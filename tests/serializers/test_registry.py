"""The format registry: lookups, the preference order, availability, every format runs."""

from __future__ import annotations

import pytest
from lxml import etree

from serializers.export_errors import ExportError, UnknownFormat
from serializers.registry import FORMATS, Format, Registry
from tests.serializers.samples import CTX, make_record

EXPECTED = {
    # name: (media type, aliases that must resolve to it, OAI prefix)
    "datacite": ("application/vnd.datacite.datacite+xml", ["application/x-datacite+xml"], "datacite"),
    "datacite-json": ("application/vnd.datacite.datacite+json", [], None),
    "oai_datacite": (None, [], "oai_datacite"),
    "dc": ("application/x-dc+xml", [], "oai_dc"),
    "json-ld": ("application/ld+json", ["application/vnd.schemaorg.ld+json"], None),
    "csl": ("application/vnd.citationstyles.csl+json", ["application/citeproc+json"], None),
    "bibtex": ("application/x-bibtex", [], None),
    "ris": ("application/x-research-info-systems", [], None),
    "citation": ("text/x-bibliography", [], None),
    "oai_openaire": ("application/x-oai-openaire+xml", [], "oai_openaire"),
    "dcat": ("application/rdf+xml", [], "dcat"),
    "dcat-turtle": ("text/turtle", [], None),
    "marc21": ("application/marcxml+xml", [], "marc21"),
    "codemeta": ("application/vnd.codemeta.ld+json", [], None),
    "cff": ("application/x-cff", ["application/vnd.cff+yaml"], None),
}


@pytest.mark.parametrize("name", EXPECTED)
def test_lookup_by_name_media_type_alias_and_prefix(name: str) -> None:
    media_type, aliases, prefix = EXPECTED[name]
    fmt = FORMATS[name]
    assert fmt.name == name and fmt.media_type == media_type
    for value in ([media_type] if media_type else []) + aliases:
        assert FORMATS.by_media_type(value) is fmt
        assert FORMATS.by_media_type(value.upper() + "; charset=utf-8") is fmt
    if prefix:
        assert FORMATS.by_oai_prefix(prefix) is fmt
    assert fmt.extension


def test_registry_holds_exactly_the_expected_formats_in_preference_order() -> None:
    assert set(FORMATS.names()) == set(EXPECTED)
    assert [f.name for f in FORMATS][:2] == ["datacite", "datacite-json"]


def test_unknown_lookups() -> None:
    assert FORMATS.get("mods") is None
    assert FORMATS.by_media_type("application/pdf") is None
    assert FORMATS.by_oai_prefix("mods") is None
    with pytest.raises(UnknownFormat) as info:
        FORMATS["mods"]
    assert isinstance(info.value, ExportError) and isinstance(info.value, LookupError)
    assert "bibtex" in info.value.available


def test_oai_formats_carry_schema_namespace_xsd_and_payload() -> None:
    prefixes = {f.oai_prefix for f in FORMATS.oai_formats()}
    assert prefixes == {"datacite", "oai_datacite", "oai_dc", "oai_openaire", "dcat", "marc21"}
    for fmt in FORMATS.oai_formats():
        assert fmt.schema and fmt.schema.startswith("http") and fmt.schema.endswith(".xsd")
        assert fmt.namespace and fmt.oai_payload is not None
        element = fmt.oai_payload(make_record(), CTX)
        if fmt.name == "dcat":   # RDF/XML: no XSD (SHACL checks it), Zenodo's announced names
            assert fmt.xsd is None
            assert element.tag == "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
            continue
        assert fmt.xsd
        assert etree.QName(element).namespace == fmt.namespace


def test_duplicate_registrations_are_refused() -> None:
    fmt = FORMATS["bibtex"]
    with pytest.raises(ValueError, match="registered twice"):
        Registry([fmt, Format("other", "application/x-bibtex", dump=fmt.dump, extension="bib")])


def test_a_record_without_doi_cannot_be_datacite_xml() -> None:
    record = make_record(doi=None)
    assert not FORMATS["datacite"].available(record)
    assert not FORMATS["oai_datacite"].available(record)
    assert [f.oai_prefix for f in FORMATS.oai_formats(record)] == [
        "oai_dc", "oai_openaire", "dcat", "marc21"]
    assert FORMATS["datacite"] not in FORMATS.negotiable(record)
    for fmt in FORMATS.negotiable(record):   # everything else still works without a DOI
        assert fmt.dump(record, CTX)


@pytest.mark.parametrize("fmt", list(FORMATS), ids=lambda f: f.name)
def test_every_format_dumps_bytes(fmt: Format) -> None:
    body = fmt.dump(make_record(), CTX)
    assert isinstance(body, bytes) and body.decode("utf-8")


def test_software_formats_are_available_for_software_records_only() -> None:
    dataset = make_record()
    software = make_record(types={"resourceTypeGeneral": "Software"})
    for name in ("codemeta", "cff"):
        fmt = FORMATS[name]
        assert fmt.oai_prefix is None              # not OAI formats: JSON-LD and YAML
        assert not fmt.available(dataset) and fmt not in FORMATS.negotiable(dataset)
        assert fmt.available(software) and fmt in FORMATS.negotiable(software)
        assert "software" in fmt.unavailable_reason
    assert (FORMATS["cff"].filename, FORMATS["codemeta"].filename) == ("CITATION.cff", "codemeta.json")
    assert FORMATS["datacite"].unavailable_reason == "DataCite XML needs a DOI"
    assert FORMATS["bibtex"].unavailable_reason == ""


def test_content_type_adds_charset_only_to_plain_text() -> None:
    assert FORMATS["bibtex"].content_type == "application/x-bibtex; charset=utf-8"
    assert FORMATS["json-ld"].content_type == "application/ld+json"
    assert FORMATS["oai_datacite"].content_type is None
