"""A list page whose records all have valid kept payloads is written from them alone.

``Repository.list_page`` then gives :class:`KeptEntry` values and the reply
one :class:`KeptRecords` item, which the byte writer writes without a
``Record``, ``Header`` or ``RecordItem`` per record. Such a page must be the
same document, byte for byte, as the one written from entries (the general
path, ``list_records``): headers, set specs with their defined ancestors, a
harvested record's ``<about>``, the resumption token. A page with a record
that needs more (deleted, not rendered yet) is written from entries, read by
the same one statement.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from oaiserver.oai.endpoint import OAIEndpoint
from oaiserver.oai.sql import render_payloads
from oaiserver.oai.verbs import KeptRecords
from oaiserver.oai.xml import render, render_tree
from oaiserver.services import Services
from repository_core.harvest.tables import HarvestedRecordRow
from repository_core.models import RecordRow
from repository_core.sets import create_set

from .oai_support import check_response, define_sets, make_services, oai_id, populate

OAI = "{http://www.openarchives.org/OAI/2.0/}"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


class EntriesOnly:
    """The repository with ``list_page`` answered by ``list_records``: the general path."""

    def __init__(self, real: Any):
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def list_page(self, **kwargs: Any) -> Any:
        return self.real.list_records(**kwargs)


def harvest(endpoint: OAIEndpoint, params: dict[str, list[str]]) -> list[tuple[bytes, bool]]:
    """Every page of a list: (the document, whether it was written from kept payloads)."""
    pages = []
    while True:
        reply = endpoint.reply(params)
        body = render(reply, base_url=endpoint.identity.base_url)
        pages.append((body, any(isinstance(item, KeptRecords) for item in reply.items)))
        token = etree.fromstring(body).find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            return pages
        params = {"verb": params["verb"], "resumptionToken": [token.text]}


@pytest.fixture
def services(engine: Engine) -> Services:
    services = make_services(engine, oai_page_size=3)
    define_sets(services)
    with services.records.transaction() as s:  # below a parent that is not defined
        create_set(s, "topics:bio", name="Biology, by topic", query="collections:bio")
    populate(services, 9)
    with Session(engine) as s, s.begin():  # r0004 came from another repository
        s.execute(update(RecordRow).where(RecordRow.id == "r0004")
                  .values(harvest_source="peer"))
        s.add(HarvestedRecordRow(
            record_id="r0004", source="peer", source_identifier="oai:peer.example.org:7",
            source_datestamp="2024-05-06", metadata_namespace="http://www.openarchives.org/OAI/2.0/oai_dc/",
            base_url="https://peer.example.org/oai", harvested_at=NOW))
    render_payloads(engine, services.export_context)
    services.oai = replace(services.oai, clock=lambda: NOW)
    return services


LISTS = [
    {"metadataPrefix": [prefix], **({"set": [spec]} if spec else {})}
    for prefix in ("oai_dc", "oai_datacite", "datacite", "marc21")
    for spec in (None, "physics", "physics:quantum", "topics")
]


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_pages_of_kept_payloads_are_the_documents_written_from_entries(
    services: Services, verb: str,
) -> None:
    endpoint = services.oai
    general = replace(endpoint, repo=EntriesOnly(endpoint.repo))
    for arguments in LISTS:
        params = {"verb": [verb], **arguments}
        # a ListRecords renders and keeps what ingest did not (MARC 21)
        harvest(endpoint, {**params, "verb": ["ListRecords"]})
        kept = harvest(endpoint, params)
        # (no record of physics:quantum has a DOI: those lists are an error, noRecordsMatch)
        assert all(from_kept or b'code="noRecordsMatch"' in body for body, from_kept in kept), \
            arguments
        assert [body for body, _ in kept] == [body for body, _ in harvest(general, params)]
        for body, _ in kept:
            check_response(body)
    # sets with their defined ancestors, the harvested record's provenance
    doc = etree.fromstring(harvest(endpoint, {"verb": [verb], "metadataPrefix": ["oai_dc"]})[1][0])
    headers = {h.findtext(f"{OAI}identifier"): h for h in doc.iter(f"{OAI}header")}
    assert [s.text for s in headers[oai_id("r0005")].iter(f"{OAI}setSpec")] == [
        "physics", "physics:quantum"]
    about = doc.findall(f".//{OAI}about")
    assert len(about) == (1 if verb == "ListRecords" else 0)


def test_a_page_written_from_kept_payloads_is_the_tree_written_by_lxml(
    services: Services,
) -> None:
    for verb in ("ListRecords", "ListIdentifiers"):
        reply = services.oai.reply({"verb": [verb], "metadataPrefix": ["oai_dc"]})
        assert isinstance(reply.items[0], KeptRecords)
        as_bytes = render(reply, base_url="http://x/oai?a=1&b=<2>", stylesheet="/s.xsl")
        as_tree = render_tree(reply, base_url="http://x/oai?a=1&b=<2>", stylesheet="/s.xsl")
        assert (etree.tostring(etree.fromstring(as_bytes), method="c14n")
                == etree.tostring(etree.fromstring(as_tree), method="c14n"))


def test_on_postgresql_the_page_statement_reads_binary_rows_and_writes_the_same_pages(
    services: Services, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """psycopg returns a list page's rows in binary (kept payloads as bytes, not
    hexadecimal text), and every list reads as it does from text rows."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the binary form is psycopg's")
    import oaiserver.oai.sql

    services.records.delete("r0001")  # a page written from entries too
    formats: list[set[int]] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "ORDER BY" in statement and "record_payloads" in statement:
            result = cursor.pgresult
            formats.append({result.fformat(i) for i in range(result.nfields)})

    lists = [{"verb": [verb], **arguments} for verb in ("ListRecords", "ListIdentifiers")
             for arguments in LISTS]
    for params in lists:  # a ListRecords renders and keeps what ingest did not (MARC 21)
        harvest(services.oai, params)
    event.listen(engine, "after_cursor_execute", seen)
    try:
        as_binary = [harvest(services.oai, params) for params in lists]
        assert formats and all(found == {1} for found in formats), formats
        formats.clear()
        monkeypatch.setattr(oaiserver.oai.sql, "BINARY_ROWS", "not_an_option")
        as_text = [harvest(services.oai, params) for params in lists]
        assert formats and all(found == {0} for found in formats), formats
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    assert as_binary == as_text


def test_on_postgresql_a_list_page_reads_outside_a_transaction(
    services: Services, engine: Engine,
) -> None:
    """Under read committed each statement has its own snapshot: a page's
    ``BEGIN`` and ``COMMIT`` would be two round trips for nothing."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite holds the page's statements in one snapshot")
    from psycopg.pq import TransactionStatus

    services.records.delete("r0001")  # a page written from entries too
    states: list[TransactionStatus] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "ORDER BY" in statement and "record_payloads" in statement:  # a page's statement
            states.append(cursor.connection.info.transaction_status)

    event.listen(engine, "after_cursor_execute", seen)
    try:
        pages = harvest(services.oai, {"verb": ["ListRecords"], "metadataPrefix": ["oai_dc"]})
        sets = harvest(services.oai, {"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"],
                                      "set": ["topics"]})
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    assert [kept for _, kept in pages] == [True, True, False]  # both kinds of page
    assert states == [TransactionStatus.IDLE] * (len(pages) + len(sets))


def test_a_page_with_a_record_that_needs_more_is_written_from_entries_in_one_statement(
    services: Services, engine: Engine,
) -> None:
    services.records.delete("r0001")  # now the last record: on the last page
    record = services.records.get("r0005")
    assert record is not None  # a new revision after the payloads were kept: not valid
    with Session(engine) as s, s.begin():
        s.execute(update(RecordRow).where(RecordRow.id == "r0005")
                  .values(revision=record.revision + 1))
    endpoint = services.oai
    general = replace(endpoint, repo=EntriesOnly(endpoint.repo))
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "ORDER BY" in statement and "record_payloads" in statement:
            statements.append(statement)

    params = {"verb": ["ListRecords"], "metadataPrefix": ["oai_dc"]}
    event.listen(engine, "before_cursor_execute", count)
    try:
        pages = harvest(endpoint, params)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == len(pages) == 3  # one page statement each
    assert [from_kept for _, from_kept in pages] == [True, False, False]
    assert [body for body, _ in pages] == [body for body, _ in harvest(general, params)]
    last = etree.fromstring(pages[-1][0])
    deleted = [h for h in last.iter(f"{OAI}header") if h.get("status") == "deleted"]
    assert [h.findtext(f"{OAI}identifier") for h in deleted] == [oai_id("r0001")]
