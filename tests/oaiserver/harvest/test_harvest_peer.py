"""Harvesting a second instance of this server over HTTP: sets, deletions, a
record changed between two pages, incremental runs, provenance re-exposed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from lxml import etree
from sickle import Sickle

from oaiserver.cli import cli
from oaiserver.http.app import create_app
from repository_core.harvest.sources import source_status
from repository_core.sets import create_set
from tests.oaiserver.oai.oai_support import TEST_SCHEMAS, make_app, serve, with_base_url

from .harvest_support import (
    SOURCE_ID,
    harvested,
    harvester,
    sink_services,
    source_repository,
)

KERNEL4 = "http://datacite.org/schema/kernel-4"
PROVENANCE = "{http://www.openarchives.org/OAI/2.0/provenance}"


def oai(rid: str) -> str:
    return f"oai:{SOURCE_ID}:{rid}"


def _counts(report) -> tuple[int, int, int]:
    return report.created, report.updated, report.deleted


def test_incremental_runs_pick_up_exactly_the_changes(engine, tmp_path):
    with source_repository(tmp_path, page_size=4) as src:
        src.create(10)
        src.delete("s003")
        sink = sink_services(engine)
        added = CliRunner().invoke(cli, ["harvest", "add", "peer", src.url,
                                         "--prefix", "oai_datacite"], obj=sink)
        assert added.exit_code == 0, added.output
        run = harvester(sink)

        def change_between_pages(name, page_number, page):
            if page_number == 1:  # s009 is on a later page of this list
                src.retitle("s009", "Changed during the harvest")

        first = run.run("peer", progress=change_between_pages)
        assert first.complete and first.pages >= 2
        # s009 left the list (its new datestamp is past the list's bound); the
        # tombstone s003 names no record of ours
        assert _counts(first) == (8, 0, 0)
        assert oai("s009") not in harvested(sink, "peer")

        second = run.run("peer")  # from= the first run's responseDate
        assert _counts(second) == (1, 0, 0)
        assert harvested(sink, "peer")[oai("s009")][0] == "Changed during the harvest"

        src.retitle("s001", "Updated at the source")
        src.delete("s002")
        src.create(1, start=20)
        third = run.run("peer")
        assert _counts(third) == (1, 1, 1)
        state = harvested(sink, "peer")
        assert {k: title for k, (title, deleted, _) in state.items() if not deleted} \
            == src.live_titles()
        assert state[oai("s002")][1] is True  # a tombstone here too
        assert state[oai("s001")][2] == 2  # a new revision of the same record
        assert _counts(run.run("peer")) == (0, 0, 0)

        src.services.records.restore("s002")  # back at the source: back here
        assert _counts(run.run("peer")) == (0, 1, 0)
        assert harvested(sink, "peer")[oai("s002")][1] is False

        with sink.records.reading() as s:
            status = source_status(s, "peer")
        assert (status.records, status.tombstones) == (10, 0)
        assert (status.created, status.updated, status.deleted) == (10, 2, 1)
        assert status.harvested_until is not None and not status.in_progress


def test_harvested_records_in_sets_searchable_and_reexposed_with_provenance(engine, tmp_path):
    with source_repository(tmp_path, page_size=3) as src:
        src.create(8)
        src.delete("s004")  # in the physics set: a deleted record at the source
        sink = sink_services(engine)
        with sink.records.transaction() as s:
            create_set(s, "from-peer", name="Harvested physics", query="collections:peer-physics")
        runner = CliRunner()
        added = runner.invoke(cli, ["harvest", "add", "physics", src.url, "--prefix", "datacite",
                                    "--set", "physics", "--collection", "peer-physics"], obj=sink)
        assert added.exit_code == 0, added.output
        # s004 is harvested, then deleted at the source: a tombstone here
        src.services.records.restore("s004")
        ran = runner.invoke(cli, ["harvest", "run", "physics"], obj=sink)
        assert ran.exit_code == 0, ran.output
        assert "physics: page 1:" in ran.output  # progress, a line a page
        src.delete("s004")
        ran = runner.invoke(cli, ["harvest", "run"], obj=sink)
        assert ran.exit_code == 0, ran.output
        physics = {"s000", "s001", "s004", "s005"}  # collections physics / physics+quantum
        state = harvested(sink, "physics")
        assert set(state) == {oai(r) for r in physics}
        assert state[oai("s004")][1] is True

        # our own OAI endpoint, harvested by sickle; every response is checked
        # against OAI-PMH.xsd, the payload schemas and provenance.xsd
        app = make_app(sink, validate=True)
        with serve(app) as url:
            with_base_url(sink, url)
            harvester_client = Sickle(url)
            records = list(harvester_client.ListRecords(metadataPrefix="oai_dc", set="from-peer"))
            one = harvester_client.GetRecord(identifier=records[0].header.identifier,
                                             metadataPrefix="datacite")
            assert one.xml.find(".//{http://www.openarchives.org/OAI/2.0/}about") is not None
        live = [r for r in records if not r.deleted]
        assert len(live) == 3 and len(records) == 4
        provenance_schema = etree.XMLSchema(etree.parse(str(TEST_SCHEMAS / "provenance.xsd")))
        origins = {}
        for record in live:
            (element,) = record.xml.findall(".//{http://www.openarchives.org/OAI/2.0/}about/*")
            assert provenance_schema.validate(element), provenance_schema.error_log
            origin = element.find(f"{PROVENANCE}originDescription")
            assert origin.get("altered") == "true" and origin.get("harvestDate")
            assert origin.findtext(f"{PROVENANCE}baseURL") == src.url
            assert origin.findtext(f"{PROVENANCE}metadataNamespace") == KERNEL4
            origins[origin.findtext(f"{PROVENANCE}identifier")] = \
                origin.findtext(f"{PROVENANCE}datestamp")
        source_headers = {h.identifier: h.datestamp for h in
                          Sickle(src.url).ListIdentifiers(metadataPrefix="datacite", set="physics")}
        assert origins == {k: v for k, v in source_headers.items() if k != oai("s004")}

        client = create_app(services=sink).test_client()
        found = client.get('/api/records?q=titles.title:"Source record 5"').get_json()
        (hit,) = found["hits"]["hits"]
        record_id = hit["id"]
        page = client.get(f"/records/{record_id}", headers={"Accept": "text/html"})
        canonical = "https://source.example.org/r/s005"
        assert f'<link rel="canonical" href="{canonical}">' in page.get_data(as_text=True)
        assert f'<{canonical}> ; rel="canonical"' in page.headers["Link"]
        ours = sink.records.create(src.services.records.get("s006").metadata)
        own_page = client.get(f"/records/{ours.id}", headers={"Accept": "text/html"})
        assert 'rel="canonical"' not in own_page.get_data(as_text=True)


@pytest.mark.parametrize("delete_records", [False, True])
def test_remove_ends_a_source(sqlite_engine, tmp_path, delete_records):
    with source_repository(tmp_path) as src:
        src.create(3)
        sink = sink_services(sqlite_engine)
        runner = CliRunner()
        runner.invoke(cli, ["harvest", "add", "peer", src.url, "--prefix", "datacite"], obj=sink)
        assert runner.invoke(cli, ["harvest", "run", "-q"], obj=sink).exit_code == 0
        args = ["harvest", "remove", "peer"] + (["--delete-records"] if delete_records else [])
        removed = runner.invoke(cli, args, obj=sink)
        assert removed.exit_code == 0, removed.output
        state = harvested(sink, "peer")  # provenance stays either way
        assert len(state) == 3 and all(d is delete_records for _, d, _ in state.values())
        listed = runner.invoke(cli, ["harvest", "list"], obj=sink)
        assert "peer" not in listed.stdout
        again = runner.invoke(cli, ["harvest", "run", "peer"], obj=sink)
        assert again.exit_code == 1 and "no harvest source named 'peer'" in again.output


def test_bad_sources_are_refused_with_the_reason(sqlite_engine):
    sink = sink_services(sqlite_engine)
    runner = CliRunner()
    cases = [
        (["peer one", "https://x.example/oai"], "a source name is 1 to 64 letters"),
        (["peer", "ftp://x.example/oai"], "the base URL is an http:// or https:// address"),
    ]
    for args, message in cases:
        result = runner.invoke(cli, ["harvest", "add", *args, "--prefix", "oai_dc"], obj=sink)
        assert result.exit_code == 1 and message in result.output, result.output
    result = runner.invoke(cli, ["harvest", "add", "peer", "https://x.example/oai",
                                 "--prefix", "marc21"], obj=sink)
    assert result.exit_code == 2 and "'marc21' is not one of" in result.output
    assert runner.invoke(cli, ["harvest", "add", "peer", "https://x.example/oai", "--prefix",
                               "oai_dc"], obj=sink).exit_code == 0
    again = runner.invoke(cli, ["harvest", "add", "peer", "https://y.example/oai", "--prefix",
                                "oai_dc"], obj=sink)
    assert again.exit_code == 1 and "a harvest source named 'peer' exists" in again.output
    unknown = runner.invoke(cli, ["harvest", "status", "nope"], obj=sink)
    assert unknown.exit_code == 1 and "no harvest source named 'nope'" in unknown.output
