"""The six verbs against a real store (SQLite and PostgreSQL), through the Flask app.

Every response is validated against OAI-PMH.xsd and each payload against its
own schema (``check_response``).
"""

from __future__ import annotations

import gzip
import os
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, text, update
from werkzeug.datastructures import MultiDict

from oaiserver.oai.dates import format_datestamp
from oaiserver.oai.verbs import Context, handle
from oaiserver.oai.xml import render
from repository_core.models import MembershipRow, RecordRow
from serializers.xsd import validate_xml

from .oai_support import (
    NS,
    OAI,
    check_response,
    define_sets,
    error_codes,
    make_app,
    make_services,
    oai_id,
    populate,
)

GOLDEN = Path(__file__).parent / "golden"
FIXED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def get(client, **args: str):
    response = client.get("/oai", query_string=args)
    assert response.status_code == 200
    return check_response(response.data)


def headers(doc) -> list[tuple[str, str, tuple[str, ...], bool]]:
    return [
        (
            h.findtext("oai:identifier", namespaces=NS),
            h.findtext("oai:datestamp", namespaces=NS),
            tuple(s.text for s in h.findall("oai:setSpec", NS)),
            h.get("status") == "deleted",
        )
        for h in doc.iter(f"{OAI}header")
    ]


def harvest(client, verb: str, **args: str) -> tuple[list, list]:
    """All headers of a list request sequence, and every resumptionToken element seen."""
    doc = get(client, verb=verb, **args)
    if error_codes(doc) == ["noRecordsMatch"]:
        return [], []
    assert error_codes(doc) == []
    found, tokens = headers(doc), []
    while (token := doc.find(f".//{OAI}resumptionToken")) is not None:
        tokens.append(token)
        if not token.text:
            break
        doc = get(client, verb=verb, resumptionToken=token.text)
        found += headers(doc)
    return found, tokens


# -- Identify -----------------------------------------------------------------
def test_identify(services) -> None:
    client = make_app(services).test_client()
    doc = get(client, verb="Identify")
    ident = doc.find(f"{OAI}Identify")
    assert ident.findtext("oai:repositoryName", namespaces=NS) == "oaiserver demo repository"
    assert ident.findtext("oai:baseURL", namespaces=NS) == "http://127.0.0.1:5000/oai"
    assert ident.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("oai:adminEmail", namespaces=NS) == "admin@example.org"
    assert ident.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert ident.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert [c.text for c in ident.findall("oai:compression", NS)] == ["gzip", "deflate"]
    assert ident.findtext("oai:earliestDatestamp", namespaces=NS) == "1970-01-01T00:00:00Z"
    description = ident.find("oai:description", NS)[0]
    assert validate_xml(description, "oai-identifier") == []
    assert description.findtext("{*}sampleIdentifier").startswith("oai:oaiserver.example.org:")

    populate(services, 3)
    with services.records.reading() as s:
        from repository_core.store import RecordStore

        earliest = RecordStore(s).earliest_datestamp()
    doc = get(client, verb="Identify")
    assert doc.findtext(".//oai:earliestDatestamp", namespaces=NS) == format_datestamp(earliest)


@pytest.mark.parametrize("name,args", [
    ("Identify", {"verb": "Identify"}),
    ("badVerb", {"verb": "nastyVerb"}),
    ("ListSets-noSetHierarchy", {"verb": "ListSets"}),
])
def test_golden(sqlite_services, name: str, args: dict[str, str]) -> None:
    """Byte-exact responses with a fixed clock (regenerate: OAISERVER_TEST_REGENERATE_GOLDEN=1)."""
    client = make_app(sqlite_services, clock=lambda: FIXED).test_client()
    body = client.get("/oai", query_string=args).data
    check_response(body)
    path = GOLDEN / f"{name}.xml"
    if os.environ.get("OAISERVER_TEST_REGENERATE_GOLDEN"):
        path.write_bytes(body)
    assert body == path.read_bytes()


@pytest.mark.parametrize("name,args", [
    ("Identify", {"verb": "Identify"}),
    ("badVerb", {"verb": "nastyVerb"}),
    ("ListSets-noSetHierarchy", {"verb": "ListSets"}),
])
def test_golden_from_the_core(sqlite_services, name: str, args: dict[str, str]) -> None:
    """The same bytes from the protocol core alone (``handle`` + ``render``, no Flask)."""
    endpoint = sqlite_services.oai
    ctx = Context(repo=endpoint.repo, formats=endpoint.formats, export=endpoint.export,
                  identity=endpoint.identity, codec=endpoint.codec, now=FIXED,
                  page_size=endpoint.page_size, token_lifetime=endpoint.token_lifetime)
    body = render(handle({k: [v] for k, v in args.items()}, ctx),
                  base_url=endpoint.identity.base_url, stylesheet="/oai/static/oai2.xsl")
    check_response(body)
    assert body == (GOLDEN / f"{name}.xml").read_bytes()


def test_get_and_post_are_identical(sqlite_services) -> None:
    define_sets(sqlite_services)
    populate(sqlite_services, 10)
    client = make_app(sqlite_services, clock=lambda: FIXED + timedelta(days=1000)).test_client()
    requests = [
        [("verb", "Identify")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "physics")],
        [("verb", "GetRecord"), ("identifier", oai_id("r0000")), ("metadataPrefix", "datacite")],
        [("verb", "ListMetadataFormats")],
        [("verb", "ListSets")],
        [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_datacite")],
        [("verb", "ListRecords")],
    ]
    for args in requests:
        got = client.get("/oai", query_string=MultiDict(args))
        posted = client.post("/oai", data=MultiDict(args))
        assert posted.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert got.data == posted.data
        check_response(got.data)


# -- GetRecord, ListMetadataFormats -----------------------------------------------------
def test_get_record_live_and_deleted(services) -> None:
    define_sets(services)
    populate(services, 4)
    deleted = services.records.delete("r0002")
    client = make_app(services).test_client()

    doc = get(client, verb="GetRecord", identifier=oai_id("r0001"), metadataPrefix="oai_dc")
    record = doc.find(f".//{OAI}record")
    assert headers(doc) == [(oai_id("r0001"), headers(doc)[0][1],
                             ("physics", "physics:quantum"), False)]
    assert record.find(".//{http://purl.org/dc/elements/1.1/}title").text == "Record number 1"

    doc = get(client, verb="GetRecord", identifier=oai_id("r0000"), metadataPrefix="datacite")
    assert doc.find(f".//{OAI}metadata/{{http://datacite.org/schema/kernel-4}}resource") is not None

    doc = get(client, verb="GetRecord", identifier=oai_id("r0002"), metadataPrefix="oai_dc")
    assert headers(doc) == [(oai_id("r0002"), format_datestamp(deleted.datestamp), ("bio",), True)]
    assert doc.find(f".//{OAI}metadata") is None


def test_list_metadata_formats(sqlite_services) -> None:
    populate(sqlite_services, 2)
    client = make_app(sqlite_services).test_client()
    prefixes = lambda doc: [p.text for p in doc.iter(f"{OAI}metadataPrefix")]
    doc = get(client, verb="ListMetadataFormats")
    assert sorted(prefixes(doc)) == ["datacite", "dcat", "marc21", "oai_datacite", "oai_dc",
                                     "oai_openaire"]
    formats = {f.findtext("oai:metadataPrefix", namespaces=NS):
               (f.findtext("oai:schema", namespaces=NS),
                f.findtext("oai:metadataNamespace", namespaces=NS))
               for f in doc.iter(f"{OAI}metadataFormat")}
    assert formats["oai_dc"] == ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                                 "http://www.openarchives.org/OAI/2.0/oai_dc/")
    assert formats["oai_openaire"] == ("https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd",
                                       "http://namespace.openaire.eu/schema/oaire/")
    with_doi = get(client, verb="ListMetadataFormats", identifier=oai_id("r0000"))
    assert sorted(prefixes(with_doi)) == ["datacite", "dcat", "marc21", "oai_datacite", "oai_dc",
                                          "oai_openaire"]
    without = get(client, verb="ListMetadataFormats", identifier=oai_id("r0001"))
    assert prefixes(without) == ["oai_dc", "oai_openaire", "dcat", "marc21"]
    # what Zenodo (InvenioRDM) announces for dcat, so harvesters set up for it match
    assert formats["dcat"] == ("http://schema.datacite.org/meta/kernel-4/metadata.xsd",
                               "https://www.w3.org/ns/dcat")


def test_dcat_records_are_rdf_xml_datasets(services) -> None:
    """``dcat``: an rdf:RDF payload (envelope checked with the XSD, payload with the
    DCAT-AP SHACL shapes by ``check_response``), for records with and without a DOI."""
    populate(services, 4)
    client = make_app(services).test_client()
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    dataset = "{http://www.w3.org/ns/dcat#}Dataset"
    with_doi = get(client, verb="GetRecord", identifier=oai_id("r0000"), metadataPrefix="dcat")
    [payload] = with_doi.find(f".//{OAI}metadata")
    assert payload.tag == f"{rdf}RDF"
    assert payload.find(dataset).get(f"{rdf}about") == "https://doi.org/10.5072/test.0"
    without = get(client, verb="GetRecord", identifier=oai_id("r0001"), metadataPrefix="dcat")
    about = without.find(f".//{OAI}metadata/{rdf}RDF/{dataset}").get(f"{rdf}about")
    assert about == "http://127.0.0.1:5000/records/r0001"
    found, _ = harvest(client, "ListRecords", metadataPrefix="dcat")
    assert len(found) == 4


# -- ListSets -----------------------------------------------------------------------------
def test_list_sets_with_paging(engine) -> None:
    services = make_services(engine, oai_page_size=2)
    define_sets(services)
    client = make_app(services).test_client()
    doc = get(client, verb="ListSets")
    token = doc.find(f".//{OAI}resumptionToken")
    assert (token.get("cursor"), token.get("completeListSize")) == ("0", "3")
    assert token.get("expirationDate") and token.text
    specs = [s.text for s in doc.iter(f"{OAI}setSpec")]
    doc2 = get(client, verb="ListSets", resumptionToken=token.text)
    last = doc2.find(f".//{OAI}resumptionToken")
    assert (last.text, last.get("cursor"), last.get("completeListSize")) == (None, "2", "3")
    specs += [s.text for s in doc2.iter(f"{OAI}setSpec")]
    assert specs == ["bio", "physics", "physics:quantum"]
    physics = next(s for s in doc.iter(f"{OAI}set")
                   if s.findtext("oai:setSpec", namespaces=NS) == "physics")
    assert physics.findtext("oai:setName", namespaces=NS) == "Physics"
    assert physics.findtext(".//{http://purl.org/dc/elements/1.1/}description") == \
        "Everything about physics"


# -- selective harvesting -------------------------------------------------------------------
def _restamp(services, stamps: dict[str, datetime]) -> None:
    with services.records.transaction() as s:
        for rid, stamp in stamps.items():
            s.execute(update(RecordRow).where(RecordRow.id == rid).values(datestamp=stamp))
            s.execute(update(MembershipRow).where(MembershipRow.record_id == rid)
                      .values(datestamp=stamp))


def test_dates_inclusive_and_day_granularity(services) -> None:
    define_sets(services)
    populate(services, 5)
    utc = UTC
    _restamp(services, {
        "r0000": datetime(2020, 5, 1, 0, 0, 0, tzinfo=utc),
        "r0001": datetime(2020, 5, 1, 10, 0, 0, 500000, tzinfo=utc),
        "r0002": datetime(2020, 5, 1, 23, 59, 59, 900000, tzinfo=utc),
        "r0003": datetime(2020, 5, 2, 0, 0, 0, tzinfo=utc),
        "r0004": datetime(2020, 5, 3, 8, 0, 0, tzinfo=utc),
    })
    client = make_app(services).test_client()

    def ids(**args: str) -> list[str]:
        found, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", **args)
        return [h[0].rsplit(":", 1)[1] for h in found]

    assert ids(**{"from": "2020-05-01", "until": "2020-05-01"}) == ["r0000", "r0001", "r0002"]
    assert ids(until="2020-05-02") == ["r0000", "r0001", "r0002", "r0003"]
    assert ids(**{"from": "2020-05-02"}) == ["r0003", "r0004"]
    assert ids(**{"from": "2020-05-01T10:00:00Z", "until": "2020-05-01T10:00:00Z"}) == ["r0001"]
    assert ids(until="2020-05-01T23:59:59Z") == ["r0000", "r0001", "r0002"]
    assert ids(**{"from": "2020-05-02T00:00:00Z"}) == ["r0003", "r0004"]
    # the datestamp shown selects the record, both as from and as until
    doc = get(client, verb="GetRecord", identifier=oai_id("r0002"), metadataPrefix="oai_dc")
    shown = headers(doc)[0][1]
    assert shown == "2020-05-01T23:59:59Z"
    assert ids(**{"from": shown, "until": shown}) == ["r0002"]
    # with a set, too
    assert ids(set="physics", until="2020-05-01") == ["r0000", "r0001"]


@pytest.mark.parametrize("bounds", [
    {"until": "9999-12-31"},
    {"until": "9999-12-31T23:59:59Z"},
    {"from": "0001-01-01"},
    {"from": "0001-01-01T00:00:00Z"},
    {"from": "0001-01-01", "until": "9999-12-31"},
    {"from": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"},
], ids=lambda b: ",".join(f"{k}={v}" for k, v in b.items()))
def test_extreme_date_bounds_select_everything(services, bounds: dict[str, str]) -> None:
    """The first and the last day a UTCdatetime can name are ordinary bounds."""
    define_sets(services)
    ids = populate(services, 9)  # more than a page (7): the token carries the bounds
    client = make_app(services).test_client()
    for verb in ("ListIdentifiers", "ListRecords"):
        found, tokens = harvest(client, verb, metadataPrefix="oai_dc", **bounds)
        assert [h[0] for h in found] == [oai_id(r) for r in ids]
        assert len(tokens) == 2
    physics, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="physics",
                         **bounds)
    assert len(physics) == 5


def test_every_set_spec_type_character_harvests(sqlite_services) -> None:
    """setSpecType allows ``~`` and ``*``: such a set is listed and harvested, schema-valid."""
    populate(sqlite_services, 3)
    from repository_core.sets import create_set

    with sqlite_services.records.transaction() as s:
        create_set(s, "x~y:*(z)'!", name="Odd", query="collections:bio")
    client = make_app(sqlite_services).test_client()
    doc = get(client, verb="ListSets")
    assert [e.text for e in doc.iter(f"{OAI}setSpec")] == ["x~y:*(z)'!"]
    for spec in ("x~y:*(z)'!", "x~y"):
        found = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set=spec)[0]
        assert [(h[0], h[2]) for h in found] == [(oai_id("r0002"), ("x~y:*(z)'!",))]


def test_undefined_parent_is_an_exact_prefix(services) -> None:
    """A parent ``a_b`` that is not defined gathers ``a_b:...``: not ``axb:...`` (LIKE's
    ``_``), not ``A_B:...`` (SQLite's LIKE ignores case)."""
    populate(services, 4)
    from repository_core.sets import create_set

    with services.records.transaction() as s:
        create_set(s, "a_b:c", name="Physics", query="collections:physics")
        create_set(s, "axb:c", name="Biology", query="collections:bio")
    client = make_app(services).test_client()
    found = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="a_b")[0]
    assert [h[0] for h in found] == [oai_id("r0000"), oai_id("r0001")]
    doc = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="A_B")
    assert error_codes(doc) == ["noRecordsMatch"]


def test_set_hierarchy_does_not_depend_on_collation(engine) -> None:
    """Under an ICU collation ``'a:b' < 'a;'`` is false; children are still found."""
    if engine.dialect.name != "postgresql":
        pytest.skip("collations are a PostgreSQL matter here")
    with engine.begin() as conn:
        for table, column in (("oai_sets", "spec"), ("set_membership", "set_spec")):
            conn.execute(text(f'ALTER TABLE {table} ALTER COLUMN {column} '
                              f'TYPE varchar(255) COLLATE "en-x-icu"'))
        assert not conn.execute(text("SELECT 'a:b' < 'a;' COLLATE \"en-x-icu\"")).scalar()
    services = make_services(engine)
    define_sets(services)
    populate(services, 8)
    from repository_core.sets import create_set

    with services.records.transaction() as s:
        create_set(s, "life:bio", name="Biology, again", query="collections:bio")
        create_set(s, "life:bio:x", name="Quantum, too", query="collections:quantum")
    client = make_app(services).test_client()
    life = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="life")[0]
    assert sorted(h[0] for h in life) == [oai_id(r) for r in ("r0001", "r0002", "r0005", "r0006")]
    doc = get(client, verb="ListSets")
    assert [e.text for e in doc.iter(f"{OAI}setSpec")] == [
        "bio", "life:bio", "life:bio:x", "physics", "physics:quantum"]


def test_set_pages_are_index_range_scans(engine) -> None:
    """A defined set's page is a range of (set_spec, datestamp, record_id); an undefined
    parent's rows are found through an index on set_spec too, never a full scan."""
    services = make_services(engine)
    define_sets(services)
    populate(services, 8)
    from repository_core.sets import create_set

    with services.records.transaction() as s:
        create_set(s, "life:bio", name="Biology, again", query="collections:bio")
    statements: list[tuple[str, str, object]] = []
    spec = ""

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "set_membership" in statement and "ORDER BY" in statement:
            statements.append((spec, statement, parameters))

    client = make_app(services).test_client()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for spec in ("physics", "life"):
            harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set=spec)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [spec for spec, _, _ in statements] == ["physics", "life"]  # a page each
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        for spec, statement, parameters in statements:
            explain = ("EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite"
                       else "EXPLAIN ") + statement
            cursor.execute(explain, parameters)
            plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
            assert "LIKE" not in statement.upper(), statement
            assert "SCAN set_membership" not in plan, plan  # SQLite's full scan
            assert "Seq Scan on set_membership" not in plan, plan
            if spec == "physics":
                assert "ix_set_membership_spec_datestamp" in plan, plan
                assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # index order
        cursor.close()
        raw.rollback()


def test_sets_hierarchy_and_leaving(services) -> None:
    define_sets(services)
    populate(services, 8)
    client = make_app(services).test_client()
    physics, _ = harvest(client, "ListRecords", metadataPrefix="oai_dc", set="physics")
    quantum, _ = harvest(client, "ListRecords", metadataPrefix="oai_dc", set="physics:quantum")
    assert [h[0] for h in physics] == [oai_id(r) for r in ("r0000", "r0001", "r0004", "r0005")]
    assert [h[0] for h in quantum] == [oai_id("r0001"), oai_id("r0005")]
    assert all(h[2] == ("physics", "physics:quantum") for h in quantum)

    # r0000 leaves physics (now bio), r0005 is deleted
    record = services.records.get("r0000")
    services.records.update("r0000", record.metadata, collections=["bio"])
    services.records.delete("r0005")
    after, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="physics")
    status = {h[0]: h[3] for h in after}
    assert status == {oai_id("r0000"): True, oai_id("r0001"): False,
                      oai_id("r0004"): False, oai_id("r0005"): True}
    bio = {h[0]: (h[2], h[3]) for h in harvest(client, "ListIdentifiers",
                                               metadataPrefix="oai_dc", set="bio")[0]}
    assert bio[oai_id("r0000")] == (("bio",), False)
    # a parent that is not defined itself gathers its descendants' members
    from repository_core.sets import create_set

    with services.records.transaction() as s:
        create_set(s, "life:bio", name="Biology, again", query="collections:bio")
    life = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="life")[0]
    assert [h[0] for h in life] == [h[0] for h in harvest(
        client, "ListIdentifiers", metadataPrefix="oai_dc", set="life:bio")[0]]
    assert oai_id("r0000") in [h[0] for h in life]
    # the same membership in every verb
    everything = {h[0]: h for h in harvest(client, "ListRecords", metadataPrefix="oai_dc")[0]}
    for local in ("r0000", "r0001", "r0005"):
        doc = get(client, verb="GetRecord", identifier=oai_id(local), metadataPrefix="oai_dc")
        assert headers(doc)[0] == everything[oai_id(local)]


def test_datacite_lists_only_records_with_a_doi(services) -> None:
    populate(services, 9)
    client = make_app(services).test_client()
    for prefix in ("datacite", "oai_datacite"):
        found, _ = harvest(client, "ListRecords", metadataPrefix=prefix)
        assert [h[0] for h in found] == [oai_id(f"r{i:04d}") for i in range(0, 9, 2)]
    found, _ = harvest(client, "ListRecords", metadataPrefix="oai_dc")
    assert len(found) == 9


# -- flow control -----------------------------------------------------------------------------
def test_resumption_tokens(services) -> None:
    populate(services, 20)
    now = [datetime.now(UTC)]
    client = make_app(services, clock=lambda: now[0]).test_client()
    found, tokens = harvest(client, "ListRecords", metadataPrefix="oai_dc")
    assert len(found) == 20 and len({h[0] for h in found}) == 20
    assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens] == \
        [("0", "20"), ("7", "20"), ("14", "20")]
    assert tokens[-1].text is None and tokens[-1].get("expirationDate") is None
    for token in tokens[:-1]:
        expires = datetime.strptime(token.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
        assert expires.replace(tzinfo=UTC) >= now[0] + timedelta(hours=24)

    # reissuing a token gives the same page
    token = tokens[1].text
    first = client.get("/oai", query_string={"verb": "ListRecords", "resumptionToken": token})
    again = client.get("/oai", query_string={"verb": "ListRecords", "resumptionToken": token})
    assert first.data == again.data

    # a token is bound to its verb, cannot be altered, and expires
    doc = get(client, verb="ListIdentifiers", resumptionToken=token)
    assert error_codes(doc) == ["badResumptionToken"]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert error_codes(get(client, verb="ListRecords", resumptionToken=tampered)) == \
        ["badResumptionToken"]
    now[0] += timedelta(hours=services.config.oai_token_lifetime_hours, minutes=1)
    assert error_codes(get(client, verb="ListRecords", resumptionToken=token)) == \
        ["badResumptionToken"]


def test_token_survives_a_restart(sqlite_services, sqlite_engine) -> None:
    populate(sqlite_services, 10)
    client = make_app(sqlite_services).test_client()
    doc = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = doc.find(f".//{OAI}resumptionToken").text
    expected = client.get("/oai", query_string={"verb": "ListIdentifiers",
                                                "resumptionToken": token})
    other = make_app(make_services(sqlite_engine)).test_client()  # another process, same key
    got = other.get("/oai", query_string={"verb": "ListIdentifiers", "resumptionToken": token})
    assert headers(check_response(got.data)) == headers(check_response(expected.data))


def test_single_page_has_no_token(sqlite_services) -> None:
    populate(sqlite_services, 3)
    client = make_app(sqlite_services).test_client()
    doc = get(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert doc.find(f".//{OAI}resumptionToken") is None
    assert len(doc.findall(f".//{OAI}record")) == 3


def test_page_boundary_is_never_empty(sqlite_services) -> None:
    populate(sqlite_services, 14)  # exactly two pages of 7
    client = make_app(sqlite_services).test_client()
    found, tokens = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc")
    assert len(found) == 14 and len(tokens) == 2
    assert tokens[-1].text is None and tokens[-1].get("cursor") == "7"


# -- HTTP details ----------------------------------------------------------------------------------
@pytest.mark.parametrize("coding,decode", [
    ("gzip", gzip.decompress), ("deflate", zlib.decompress),
])
def test_compression(sqlite_services, coding, decode) -> None:
    populate(sqlite_services, 3)
    client = make_app(sqlite_services, clock=lambda: FIXED + timedelta(days=1000)).test_client()
    args = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    plain = client.get("/oai", query_string=args)
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/oai", query_string=args,
                        headers={"Accept-Encoding": f"{coding}, identity;q=0.5"})
    assert packed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert decode(packed.data) == plain.data
    refused = client.get("/oai", query_string=args,
                         headers={"Accept-Encoding": "gzip;q=0, deflate;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_stylesheet_is_served(sqlite_services) -> None:
    client = make_app(sqlite_services).test_client()
    body = client.get("/oai?verb=Identify").data
    assert b'<?xml-stylesheet type="text/xsl" href="/oai/static/oai2.xsl"?>' in body
    from lxml import etree

    with client.get("/oai/static/oai2.xsl") as xsl:
        assert xsl.status_code == 200
        transform = etree.XSLT(etree.fromstring(xsl.data))
    html = str(transform(etree.fromstring(body)))
    assert "oaiserver demo repository" in html
