"""``marc21`` over OAI-PMH: the envelope and payload validate, pymarc reads the payload."""

from __future__ import annotations

import io

import pymarc
from lxml import etree

from .oai_support import NS, OAI, check_response, make_app, oai_id, populate


def test_get_record_in_marc21_reads_back_with_pymarc(sqlite_services) -> None:
    populate(sqlite_services, 2)        # r0000 has a DOI, r0001 has none
    client = make_app(sqlite_services).test_client()
    for local, link in [("r0000", "https://doi.org/10.5072/test.0"),
                        ("r0001", "/records/r0001")]:
        response = client.get("/oai", query_string={
            "verb": "GetRecord", "identifier": oai_id(local), "metadataPrefix": "marc21"})
        doc = check_response(response.data)          # OAI-PMH.xsd + MARC21slim.xsd
        (payload,) = doc.find(f".//{OAI}metadata")
        [record] = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(payload)), strict=True)
        assert record["001"].data == local
        assert record["245"]["a"] == f"Record number {int(local[1:])}"
        assert record["856"]["u"].endswith(link)
        assert str(record.leader)[5:8] == "nmm"  # new; the sample records are datasets


def test_list_metadata_formats_names_marc21(sqlite_services) -> None:
    client = make_app(sqlite_services).test_client()
    doc = check_response(client.get("/oai?verb=ListMetadataFormats").data)
    formats = {f.findtext("oai:metadataPrefix", namespaces=NS):
               (f.findtext("oai:schema", namespaces=NS), f.findtext("oai:metadataNamespace", namespaces=NS))
               for f in doc.iter(f"{OAI}metadataFormat")}
    assert formats["marc21"] == ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                                 "http://www.loc.gov/MARC21/slim")
