"""The OpenAIRE sets over HTTP: switched on by configuration, harvested with sickle.

The server is the one ``oaiserver serve`` runs (waitress on 127.0.0.1), the
sets are made by the start-up step ``serve`` runs (``prepare``), and the
records are DataCite's official examples plus a few that the free-text
resource type moves between OpenAIRE types. Half of them are written before
the sets exist (the set is filled in SQL), half after (each write places its
record in memory): both must give what the COAR table says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sqlalchemy import Engine

from oaiserver.cli.serve import prepare
from oaiserver.openaire_sets import OPENAIRE_SETS, ensure_openaire_sets
from oaiserver.services import Services
from serializers.namespaces import DATACITE_NS, OAI_DATACITE_NS, OPENAIRE_NS
from serializers.resource_types import coar_for_metadata
from serializers.xsd import validate_xml
from tests.examples import EXAMPLES, example_metadata
from tests.oaiserver.oai.oai_support import (
    check_response,
    make_services,
    oai_id,
    serve_production,
)
from tests.sample_metadata import minimal

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
SPECS = {"openaire", "openaire_data"}


def _records() -> dict[str, dict[str, Any]]:
    """id -> metadata: the official examples (every third without its DOI, and the
    workflow example, whose DOI the dissertation example holds), plus free-text cases."""
    records = {}
    for index, path in enumerate(EXAMPLES):
        metadata = example_metadata(path)
        if index % 3 == 0 or path.stem == "datacite-example-workflow-v4":
            metadata.pop("doi", None)
        records[path.stem] = metadata
    records["other-report"] = minimal(types={"resourceTypeGeneral": "Other",
                                             "resourceType": "Technical report"})
    records["text-website"] = minimal(types={"resourceTypeGeneral": "Text",
                                             "resourceType": "Website"}, doi="10.5072/website")
    records["plain-dataset"] = minimal(doi="10.5072/plain-dataset")
    return records


RECORDS = _records()


def members(openaire_type: str, *, doi_only: bool = False) -> set[str]:
    return {oai_id(rid) for rid, md in RECORDS.items()
            if coar_for_metadata(md).openaire == openaire_type and (md.get("doi") or not doi_only)}


@dataclass
class Server:
    services: Services
    url: str


@pytest.fixture
def openaire_server(engine: Engine) -> Iterator[Server]:
    services = make_services(engine, openaire_sets=True, oai_page_size=7)
    items = list(RECORDS.items())
    for rid, metadata in items[: len(items) // 2]:
        services.records.create(metadata, record_id=rid)
    prepare(services)                                  # what `oaiserver serve` does first
    for rid, metadata in items[len(items) // 2:]:
        services.records.create(metadata, record_id=rid)
    with serve_production(services) as url:
        yield Server(services, url)


def _payload_errors(record: Any, prefix: str) -> list[str]:
    (payload,) = record.xml.find(f"{OAI}metadata")
    if prefix == "oai_openaire":
        assert etree.QName(payload).namespace == OPENAIRE_NS
        return validate_xml(payload, "oai_openaire")
    assert etree.QName(payload).namespace == OAI_DATACITE_NS
    (resource,) = payload.find(f"{{{OAI_DATACITE_NS}}}payload")
    assert etree.QName(resource).namespace == DATACITE_NS
    return validate_xml(payload, "oai_datacite") + validate_xml(resource, "datacite")


@pytest.mark.parametrize(("spec", "openaire_type"), [("openaire", "literature"),
                                                      ("openaire_data", "dataset")])
def test_the_sets_harvest_completely_and_every_record_validates(
        openaire_server: Server, spec: str, openaire_type: str) -> None:
    sickle = Sickle(openaire_server.url, max_retries=0, timeout=30)
    for prefix, doi_only in (("oai_openaire", False), ("oai_datacite", True)):
        harvested = []
        for record in sickle.ListRecords(metadataPrefix=prefix, set=spec):
            assert spec in record.header.setSpecs
            assert _payload_errors(record, prefix) == [], record.header.identifier
            harvested.append(record.header.identifier)
        assert len(harvested) == len(set(harvested))
        assert set(harvested) == members(openaire_type, doi_only=doi_only), prefix
    # the data set's records without a DOI are there in oai_openaire, not in oai_datacite
    if spec == "openaire_data":
        assert members("dataset") - members("dataset", doi_only=True)
    else:
        assert oai_id("other-report") in members("literature")
        assert oai_id("text-website") not in members("literature")


def test_list_sets_shows_them_with_their_descriptions(openaire_server: Server) -> None:
    response = requests.get(openaire_server.url, params={"verb": "ListSets"}, timeout=30)
    doc = check_response(response.content)
    shown = {s.findtext(f"{OAI}setSpec"): (s.findtext(f"{OAI}setName"),
                                           s.findtext(f".//{DC}description"))
             for s in doc.iter(f"{OAI}set")}
    assert shown == {s.spec: (s.name, s.description) for s in OPENAIRE_SETS}
    assert "oai_datacite" in shown["openaire_data"][1]


def test_starting_again_changes_nothing(openaire_server: Server) -> None:
    services = openaire_server.services
    before = {s.spec: (s.updated, services.sets.get(s.spec)[1]) for s in services.sets.list()}
    stamps = _datestamps(openaire_server.url)
    assert ensure_openaire_sets(services.sets, enabled=True) == []
    prepare(services)
    assert {s.spec: (s.updated, services.sets.get(s.spec)[1]) for s in services.sets.list()} == before
    assert _datestamps(openaire_server.url) == stamps


def _datestamps(url: str) -> dict[str, str]:
    return {h.identifier: h.datestamp
            for h in Sickle(url, max_retries=0).ListIdentifiers(metadataPrefix="oai_openaire")}


def test_switched_off_the_sets_are_removed_and_a_changed_one_is_kept(
        openaire_server: Server) -> None:
    engine = openaire_server.services.engine
    openaire_server.services.sets.update("openaire_data", query="types.resourceTypeGeneral:Dataset")
    off = make_services(engine, openaire_sets=False)
    assert ensure_openaire_sets(off.sets, enabled=False) == [
        "removed set openaire (openaire_sets is off)",
        "kept set openaire_data: its query was changed here, not removed"]
    assert [s.spec for s in off.sets.list()] == ["openaire_data"]
    sets = {s.setSpec for s in Sickle(openaire_server.url, max_retries=0).ListSets()}
    assert sets == {"openaire_data"}
    # switched on again, the changed set is still left as the operator made it
    assert ensure_openaire_sets(off.sets, enabled=True) == [
        "created set openaire",
        "kept set openaire_data: its query was changed here, not overwritten"]


def test_switched_off_from_the_start_there_are_no_sets(sqlite_engine: Engine) -> None:
    services = make_services(sqlite_engine)           # the default: openaire_sets = False
    assert services.config.openaire_sets is False
    services.records.create(minimal(), record_id="a")
    prepare(services)
    assert services.sets.list() == []
    with serve_production(services) as url:
        doc = check_response(requests.get(url, params={"verb": "ListSets"}, timeout=30).content)
        assert [e.get("code") for e in doc.iter(f"{OAI}error")] == ["noSetHierarchy"]
        doc = check_response(requests.get(url, params={
            "verb": "ListRecords", "metadataPrefix": "oai_openaire", "set": "openaire"},
            timeout=30).content)
        assert [e.get("code") for e in doc.iter(f"{OAI}error")] == ["noSetHierarchy"]


def test_the_switch_is_one_setting() -> None:
    from oaiserver.config import load_config

    assert load_config(environ={}).openaire_sets is False
    assert load_config(environ={"OAISERVER_OPENAIRE_SETS": "true"}).openaire_sets is True
    assert {s.spec for s in OPENAIRE_SETS} == SPECS
