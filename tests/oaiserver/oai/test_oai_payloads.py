"""The payload store never hands a harvester a stale payload.

Every kind of write is made after a harvest has filled the store; the
harvest over HTTP that follows must equal, record by record (header,
sets, C14N of the payload), the same list rendered afresh by an endpoint
that keeps nothing. Before each write, one kept payload is altered by
hand: the harvest shows the altered bytes (so the pages really come from
the store), and after the write it must not.

Sets are in the header, not in any payload (no serializer reads a
record's sets or collections); a set change still re-stamps its records,
and MARC 21's field 005 shows the datestamp, so its payload must follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
from lxml import etree
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from oaiserver.oai.sql import SQLRepository, render_payloads
from oaiserver.oai.xml import render, render_tree
from oaiserver.services import Services
from repository_core.models import PayloadRow, RecordRow
from repository_core.outbox import DOIRegistrationRow
from repository_core.sets import create_set

from .oai_support import check_response, make_app, make_services, oai_id, populate, serve

OAI = "{http://www.openarchives.org/OAI/2.0/}"
PREFIXES = ("oai_dc", "oai_datacite", "datacite", "marc21")
Page = dict[str, tuple[str | None, str, tuple[str, ...], bytes | None]]


def _records(body: bytes) -> Page:
    doc = etree.fromstring(body)
    found: Page = {}
    for record in doc.iter(f"{OAI}record"):
        header = record.find(f"{OAI}header")
        assert header is not None
        metadata = record.find(f"{OAI}metadata")
        found[header.findtext(f"{OAI}identifier") or ""] = (
            header.get("status"),
            header.findtext(f"{OAI}datestamp") or "",
            tuple(s.text or "" for s in header.findall(f"{OAI}setSpec")),
            None if metadata is None else etree.tostring(metadata[0], method="c14n"),
        )
    return found


def _token(body: bytes) -> str | None:
    token = etree.fromstring(body).find(f".//{OAI}resumptionToken")
    return token.text if token is not None and token.text else None


def harvest_http(url: str, prefix: str) -> Page:
    found: Page = {}
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    while True:
        response = requests.get(url, params=params, timeout=30)
        assert response.status_code == 200
        check_response(response.content)
        found.update(_records(response.content))
        token = _token(response.content)
        if token is None:
            return found
        params = {"verb": "ListRecords", "resumptionToken": token}


def harvest_fresh(services: Services, prefix: str) -> Page:
    """The list rendered by an endpoint that keeps no payload."""
    endpoint = replace(services.oai, payloads=None, repo=SQLRepository(services.engine))
    found: Page = {}
    params = {"verb": ["ListRecords"], "metadataPrefix": [prefix]}
    while True:
        body = endpoint.respond(params)
        found.update(_records(body))
        token = _token(body)
        if token is None:
            return found
        params = {"verb": ["ListRecords"], "resumptionToken": [token]}


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[Services, str]]:
    services = make_services(engine, oai_page_size=4)
    populate(services, 10, doi_every=1)
    with serve(make_app(services, validate=True)) as url:
        yield services, url


def assert_fresh(services: Services, url: str) -> None:
    for prefix in PREFIXES:
        assert harvest_http(url, prefix) == harvest_fresh(services, prefix), prefix


def tamper(services: Services, record_id: str, prefix: str = "oai_dc") -> bytes:
    """Alter one kept payload by hand (still valid XML); the altered bytes."""
    with Session(services.engine) as s, s.begin():
        row = s.get(PayloadRow, (record_id, prefix))
        assert row is not None, "the harvest kept no payload"
        row.payload = row.payload.replace(b"Record number", b"Altered record")
        assert b"Altered record" in row.payload
        return row.payload


def shows_altered(url: str, record_id: str) -> bool:
    page = harvest_http(url, "oai_dc")
    payload = page[oai_id(record_id)][3]
    return payload is not None and b"Altered record" in payload


def test_pages_come_from_the_store_and_every_write_replaces_them(
    served: tuple[Services, str],
) -> None:
    services, url = served
    assert_fresh(services, url)  # fills the store

    # record update
    tamper(services, "r0001")
    assert shows_altered(url, "r0001")
    record = services.records.get("r0001")
    assert record is not None
    services.records.update("r0001", {**record.metadata, "titles": [{"title": "New title"}]})
    assert not shows_altered(url, "r0001")
    assert_fresh(services, url)
    assert b"New title" in (harvest_http(url, "oai_dc")[oai_id("r0001")][3] or b"")

    # delete: a tombstone has no payload, and keeps none
    tamper(services, "r0002")
    services.records.delete("r0002")
    status, _, _, payload = harvest_http(url, "oai_dc")[oai_id("r0002")]
    assert status == "deleted" and payload is None
    with Session(services.engine) as s:
        assert s.scalars(select(PayloadRow).where(PayloadRow.record_id == "r0002")).all() == []
    assert_fresh(services, url)

    # restore
    services.records.restore("r0002")
    assert not shows_altered(url, "r0002")
    assert_fresh(services, url)

    # a set change: the header's sets and the datestamp move (MARC 21's 005 with it)
    tamper(services, "r0005")  # collections physics and quantum
    assert shows_altered(url, "r0005")
    marc_before = harvest_http(url, "marc21")[oai_id("r0005")][3]
    with services.records.transaction() as s:
        create_set(s, "quantum", name="Quantum", query="collections:quantum")
    page = harvest_http(url, "oai_dc")
    assert page[oai_id("r0005")][2] == ("quantum",)
    assert not shows_altered(url, "r0005")
    assert harvest_http(url, "marc21")[oai_id("r0005")][3] != marc_before
    assert_fresh(services, url)


def test_a_draft_doi_becoming_findable_is_shown(served: tuple[Services, str]) -> None:
    services, url = served
    now = datetime.now(UTC)
    with Session(services.engine) as s, s.begin():
        s.add(DOIRegistrationRow(doi="10.5072/test.4", record_id="r0004", intended_state="draft",
                                 confirmed_state="draft", confirmed_at=now, created=now,
                                 updated=now))
    assert_fresh(services, url)
    dc = harvest_http(url, "oai_dc")[oai_id("r0004")][3] or b""
    assert b"10.5072/test.4" not in dc
    assert oai_id("r0004") not in harvest_http(url, "datacite")  # no public DOI: not available
    # DataCite confirms the DOI findable: no record write, no datestamp moved
    with Session(services.engine) as s, s.begin():
        s.execute(update(DOIRegistrationRow).where(DOIRegistrationRow.doi == "10.5072/test.4")
                  .values(intended_state="findable", confirmed_state="findable"))
    assert b"10.5072/test.4" in (harvest_http(url, "oai_dc")[oai_id("r0004")][3] or b"")
    assert oai_id("r0004") in harvest_http(url, "datacite")
    assert_fresh(services, url)


def test_a_new_base_url_renders_every_payload_again(engine: Engine) -> None:
    services = make_services(engine, oai_page_size=4)
    populate(services, 6)  # r0001, r0003, r0005 without a DOI: their landing page is shown
    assert render_payloads(services.engine, services.export_context) == 6 + 3 + 3
    assert render_payloads(services.engine, services.export_context) == 0  # all kept, valid
    moved = make_services(engine, oai_page_size=4, base_url="https://repo.example.org")
    with serve(make_app(moved, validate=True)) as url:
        with Session(engine) as s:
            kept = s.execute(text("SELECT count(*) FROM record_payloads")).scalar_one()
        page = harvest_http(url, "oai_dc")
        for rid in ("r0001", "r0003", "r0005"):
            assert b"https://repo.example.org/records/" + rid.encode() in (page[oai_id(rid)][3] or b"")
        assert_fresh(moved, url)
    with Session(engine) as s:  # the old configuration's rows were replaced, not added to
        rows = s.execute(select(PayloadRow.format, PayloadRow.fingerprint)).all()
        assert len([f for f, _ in rows if f != "marc21"]) == kept
        assert {fp for _, fp in rows} == {moved.oai.payloads.fingerprint}  # type: ignore[union-attr]


def test_record_replies_written_as_bytes_equal_the_tree(sqlite_services: Services) -> None:
    """The byte writer and the lxml tree give the same document (C14N), errors aside."""
    populate(sqlite_services, 5)
    sqlite_services.records.delete("r0001")
    endpoint = sqlite_services.oai
    for params in (
        {"verb": ["ListRecords"], "metadataPrefix": ["oai_dc"]},
        {"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"]},
        {"verb": ["GetRecord"], "metadataPrefix": ["oai_datacite"],
         "identifier": [oai_id("r0002")]},
    ):
        for _ in range(2):  # rendered, then from the store
            reply = endpoint.reply(params)
            as_bytes = render(reply, base_url="http://x/oai?a=1&b=<2>", stylesheet="/s.xsl")
            as_tree = render_tree(reply, base_url="http://x/oai?a=1&b=<2>", stylesheet="/s.xsl")
            assert as_bytes.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<?xml-stylesheet")
            check_response(as_bytes)
            assert (etree.tostring(etree.fromstring(as_bytes), method="c14n")
                    == etree.tostring(etree.fromstring(as_tree), method="c14n"))


def _list_size(body: bytes) -> int | None:
    token = etree.fromstring(body).find(f".//{OAI}resumptionToken")
    return None if token is None else int(token.get("completeListSize") or 0)


def test_a_long_whole_repository_list_gets_an_estimated_size(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above ESTIMATE_ABOVE records the first page's completeListSize is the database's
    estimate (stale on purpose here); the harvest is still whole, and its last page
    says how many were sent. Filtered lists are counted exactly."""
    services = make_services(engine, oai_page_size=5)
    populate(services, 9)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("UPDATE records SET rowid = rowid + 100 WHERE id = 'r0008'"))
            estimate = 112  # the largest rowid once the three below are in
        else:
            conn.execute(text("ANALYZE records"))
            estimate = 9
    populate(services, 3, start=9)  # after the statistics: the exact count is 12
    monkeypatch.setattr("oaiserver.oai.sql.ESTIMATE_ABOVE", 5)
    endpoint = services.oai
    body = endpoint.respond({"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"]})
    assert _list_size(body) == estimate
    headers = len(etree.fromstring(body).findall(f".//{OAI}header"))
    token = _token(body)
    while token is not None:
        body = endpoint.respond({"verb": ["ListIdentifiers"], "resumptionToken": [token]})
        headers += len(etree.fromstring(body).findall(f".//{OAI}header"))
        token = _token(body)
    assert headers == 12 and _list_size(body) == 12
    # a list by set or by date is counted exactly
    record = services.records.get("r0002")
    assert record is not None
    since = record.datestamp.replace(microsecond=0)
    with Session(engine) as s:
        exact = s.execute(select(func.count()).select_from(RecordRow)
                          .where(RecordRow.datestamp >= since)).scalar_one()
    body = endpoint.respond({"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_datacite"]})
    assert _list_size(body) == 6  # every other record has a DOI: the DOI filter counts
    body = endpoint.respond({"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"],
                             "from": [since.strftime("%Y-%m-%dT%H:%M:%SZ")]})
    assert _list_size(body) == (exact if exact > 5 else None)  # one page: no token


def test_kept_payloads_replace_older_ones(engine: Engine) -> None:
    from repository_core import payloads

    services = make_services(engine)
    try:
        ids = populate(services, 5)
        records = [services.records.get(rid) for rid in ids]
        assert payloads.keep_payloads(engine, "oai_dc", "f1", [(r, b"<old/>") for r in records])
        # a record given twice keeps the last; kept rows are replaced, others added
        again = [(records[0], b"<first/>"), (records[0], b"<last/>"), (records[4], b"<new/>")]
        assert payloads.keep_payloads(engine, "oai_dc", "f2", again)
        with Session(engine) as s:
            kept = {(row.record_id, row.fingerprint): row.payload
                    for row in s.execute(select(PayloadRow)).scalars()}
    finally:
        services.close()
    assert kept == {(ids[0], "f2"): b"<last/>", (ids[1], "f1"): b"<old/>",
                    (ids[2], "f1"): b"<old/>", (ids[3], "f1"): b"<old/>",
                    (ids[4], "f2"): b"<new/>"}
