"""One row per error and exception condition of OAI-PMH 2.0 (spec 3.6 and section 4).

Each row: the request, the error codes expected (all of them, in order), and
what the repository looks like. Every response is validated against
OAI-PMH.xsd; after badVerb/badArgument the <request> element has no attributes
(spec 3.2), after any other error it echoes the arguments.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from lxml import etree
from werkzeug.datastructures import MultiDict

from oaiserver.oai.verbs import Context, handle
from oaiserver.oai.xml import render
from serializers.registry import FORMATS, Registry

from .oai_support import OAI, check_response, define_sets, error_codes, make_app, populate


class Case(NamedTuple):
    name: str
    query: list[tuple[str, str]]
    codes: list[str]
    sets: bool = True  # whether the repository defines sets
    doi_formats_only: bool = False  # the repository offers only the DOI-bound formats


R0 = "oai:oaiserver.example.org:r0000"  # has a DOI
R1 = "oai:oaiserver.example.org:r0001"  # has none

CASES = [
    # badVerb: missing, unknown, repeated
    Case("verb missing", [], ["badVerb"]),
    Case("verb missing, other arguments", [("metadataPrefix", "oai_dc")], ["badVerb"]),
    Case("verb unknown", [("verb", "nastyVerb")], ["badVerb"]),
    Case("verb empty", [("verb", "")], ["badVerb"]),
    Case("verb repeated", [("verb", "Identify"), ("verb", "Identify")], ["badVerb"]),
    # badArgument: illegal, repeated, missing, syntax, granularity, order, exclusive
    Case("Identify with an argument", [("verb", "Identify"), ("set", "physics")],
         ["badArgument"]),
    Case("unknown argument", [("verb", "ListSets"), ("foo", "bar")], ["badArgument"]),
    Case("argument repeated",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
         ["badArgument"]),
    Case("empty argument value", [("verb", "ListRecords"), ("metadataPrefix", "")],
         ["badArgument"]),
    Case("GetRecord without metadataPrefix", [("verb", "GetRecord"), ("identifier", R0)],
         ["badArgument"]),
    Case("GetRecord without any argument", [("verb", "GetRecord")],
         ["badArgument", "badArgument"]),
    Case("ListRecords without metadataPrefix", [("verb", "ListRecords")], ["badArgument"]),
    Case("ListIdentifiers without metadataPrefix",
         [("verb", "ListIdentifiers"), ("from", "2020-01-01")], ["badArgument"]),
    Case("from with bad syntax",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2020-1-1")],
         ["badArgument"]),
    Case("until not a date",
         [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("until", "2020-02-30")],
         ["badArgument"]),
    Case("finer granularity than the repository's",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"),
          ("from", "2020-01-01T00:00:00.5Z")], ["badArgument"]),
    Case("time without Z",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2020-01-01T00:00:00")],
         ["badArgument"]),
    Case("from and until of different granularity",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2020-01-01"),
          ("until", "2021-01-01T00:00:00Z")], ["badArgument"]),
    Case("from later than until",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2021-01-02"),
          ("until", "2021-01-01")], ["badArgument"]),
    Case("resumptionToken with other arguments",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")],
         ["badArgument"]),
    Case("set with illegal syntax",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "a b")],
         ["badArgument"]),
    Case("set with a character setSpecType does not allow",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "x$y")],
         ["badArgument"]),
    Case("set with a trailing newline",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "physics\n")],
         ["badArgument"]),
    Case("metadataPrefix with illegal syntax",
         [("verb", "ListRecords"), ("metadataPrefix", "oai dc")], ["badArgument"]),
    Case("metadataPrefix with a trailing newline",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc\n")], ["badArgument"]),
    Case("every argument error at once",
         [("verb", "ListRecords"), ("from", "yesterday"), ("foo", "1")],
         ["badArgument", "badArgument", "badArgument"]),
    Case("ListSets with metadataPrefix", [("verb", "ListSets"), ("metadataPrefix", "oai_dc")],
         ["badArgument"]),
    # badResumptionToken
    Case("forged resumptionToken", [("verb", "ListRecords"), ("resumptionToken", "abc.def")],
         ["badResumptionToken"]),
    Case("forged resumptionToken, ListSets", [("verb", "ListSets"), ("resumptionToken", "x")],
         ["badResumptionToken"]),
    # cannotDisseminateFormat: not in the repository, or not for this item
    Case("ListRecords, unknown prefix", [("verb", "ListRecords"), ("metadataPrefix", "mods")],
         ["cannotDisseminateFormat"]),
    Case("ListIdentifiers, unknown prefix",
         [("verb", "ListIdentifiers"), ("metadataPrefix", "all")], ["cannotDisseminateFormat"]),
    Case("GetRecord, unknown prefix",
         [("verb", "GetRecord"), ("identifier", R0), ("metadataPrefix", "mods")],
         ["cannotDisseminateFormat"]),
    Case("GetRecord, format not available for the item (no DOI)",
         [("verb", "GetRecord"), ("identifier", R1), ("metadataPrefix", "datacite")],
         ["cannotDisseminateFormat"]),
    Case("GetRecord, oai_datacite without DOI",
         [("verb", "GetRecord"), ("identifier", R1), ("metadataPrefix", "oai_datacite")],
         ["cannotDisseminateFormat"]),
    # idDoesNotExist: unknown or illegal
    Case("GetRecord, unknown identifier",
         [("verb", "GetRecord"), ("identifier", "oai:oaiserver.example.org:nope"),
          ("metadataPrefix", "oai_dc")], ["idDoesNotExist"]),
    Case("GetRecord, identifier of another repository",
         [("verb", "GetRecord"), ("identifier", "oai:arXiv.org:r0000"),
          ("metadataPrefix", "oai_dc")], ["idDoesNotExist"]),
    Case("GetRecord, illegal identifier",
         [("verb", "GetRecord"), ("identifier", "r0000"), ("metadataPrefix", "oai_dc")],
         ["idDoesNotExist"]),
    Case("ListMetadataFormats, unknown identifier",
         [("verb", "ListMetadataFormats"), ("identifier", "oai:oaiserver.example.org:nope")],
         ["idDoesNotExist"]),
    Case("GetRecord, unknown prefix and unknown identifier",
         [("verb", "GetRecord"), ("identifier", "oai:oaiserver.example.org:nope"),
          ("metadataPrefix", "mods")], ["cannotDisseminateFormat", "idDoesNotExist"]),
    # noRecordsMatch
    Case("ListRecords, from in the future",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2100-01-01")],
         ["noRecordsMatch"]),
    Case("ListIdentifiers, until before the first record",
         [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("until", "1999-12-31")],
         ["noRecordsMatch"]),
    Case("ListRecords, set with no members",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "chemistry")],
         ["noRecordsMatch"]),
    # noMetadataFormats
    Case("ListMetadataFormats, no format for the item",
         [("verb", "ListMetadataFormats"), ("identifier", R1)], ["noMetadataFormats"],
         doi_formats_only=True),
    # noSetHierarchy
    Case("ListSets without sets", [("verb", "ListSets")], ["noSetHierarchy"], sets=False),
    Case("ListRecords with set, without sets",
         [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "physics")],
         ["noSetHierarchy"], sets=False),
    Case("ListIdentifiers with set, without sets",
         [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("set", "physics")],
         ["noSetHierarchy"], sets=False),
    Case("unknown prefix and set, without sets",
         [("verb", "ListIdentifiers"), ("metadataPrefix", "mods"), ("set", "physics")],
         ["cannotDisseminateFormat", "noSetHierarchy"], sets=False),
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory):
    from repository_core.db import make_engine
    from repository_core.migrate import upgrade

    from .oai_support import make_services

    made = {}
    for sets in (True, False):
        path = tmp_path_factory.mktemp("oai-errors") / "db.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        services = make_services(engine)
        if sets:
            define_sets(services)
        populate(services, 4)
        made[sets] = (make_app(services).test_client(), services)
    yield made
    for _, services in made.values():
        services.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_error_condition(clients, case: Case, method: str) -> None:
    client, services = clients[case.sets]
    original = services.oai
    if case.doi_formats_only:
        services.oai = replace(original, formats=Registry(
            f for f in FORMATS if f.oai_prefix in ("datacite",)))
    try:
        if method == "GET":
            response = client.get("/oai", query_string=MultiDict(case.query))
        else:
            response = client.post("/oai", data=MultiDict(case.query))
    finally:
        services.oai = original
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    doc = check_response(response.data)
    assert error_codes(doc) == case.codes
    assert all(e.text for e in doc.findall(f"{OAI}error")), "each error explains itself"
    request = doc.find(f"{OAI}request")
    assert request.text == "http://127.0.0.1:5000/oai"
    if {"badVerb", "badArgument"} & set(case.codes):
        assert dict(request.attrib) == {}
    else:
        assert dict(request.attrib) == dict(case.query)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_error_condition_in_the_core(clients, case: Case) -> None:
    """The same table through the protocol core alone: ``handle`` + ``render``, no Flask,
    and the bytes are those the HTTP endpoint sends."""
    client, services = clients[case.sets]
    endpoint = services.oai
    formats = (Registry(f for f in FORMATS if f.oai_prefix in ("datacite",))
               if case.doi_formats_only else endpoint.formats)
    now = datetime.now(UTC)
    ctx = Context(repo=endpoint.repo, formats=formats, export=endpoint.export,
                  identity=endpoint.identity, codec=endpoint.codec, now=now,
                  page_size=endpoint.page_size, token_lifetime=endpoint.token_lifetime)
    params: dict[str, list[str]] = {}
    for key, value in case.query:
        params.setdefault(key, []).append(value)
    body = render(handle(params, ctx), base_url=endpoint.identity.base_url,
                  stylesheet="/oai/static/oai2.xsl")
    doc = check_response(body)
    assert error_codes(doc) == case.codes
    if not case.doi_formats_only:
        over_http = client.get("/oai", query_string=MultiDict(case.query)).data
        assert _without_response_date(body) == _without_response_date(over_http)


def _without_response_date(body: bytes) -> bytes:
    return re.sub(rb"<responseDate>[^<]*</responseDate>", b"", body)


def test_every_error_code_has_a_row() -> None:
    from oaiserver.oai.errors import ERRORS

    assert {code for case in CASES for code in case.codes} == set(ERRORS)


# -- failures that are not OAI errors ----------------------------------------------------------
class _BrokenRepository:
    """Every read fails, as a database that went away would."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise RuntimeError("the database went away")
        return fail


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("args", [
    [("verb", "Identify")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")],
])
def test_server_failure_is_xml(sqlite_services, caplog, method: str, args) -> None:
    """An unexpected exception: 500 with a small XML body (a harvester parses XML), logged."""
    app = make_app(sqlite_services)
    working = sqlite_services.oai.repo
    endpoint = sqlite_services.oai = replace(sqlite_services.oai, repo=_BrokenRepository())
    client = app.test_client()
    with caplog.at_level("ERROR"):
        if method == "GET":
            response = client.get("/oai", query_string=MultiDict(args))
        else:
            response = client.post("/oai", data=MultiDict(args))
    assert response.status_code == 500
    assert response.mimetype == "text/xml"
    assert response.content_type == "text/xml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert root.text and "database went away" not in response.get_data(as_text=True)
    # logged with its stack, the SQL (if any) cut to an excerpt
    assert any("RuntimeError: the database went away" in r.getMessage() and 'File "' in r.getMessage()
               for r in caplog.records)
    # the list gate was released: the next list request is not refused with 503
    endpoint.repo = working
    assert client.get("/oai", query_string=MultiDict(args)).status_code == 200


def test_http_errors_under_oai_stay_http_errors(sqlite_services) -> None:
    """HTTP-level failures (here: a body too large) keep their status, not a 500."""
    app = make_app(sqlite_services)
    app.config["MAX_CONTENT_LENGTH"] = 64
    response = app.test_client().post(
        "/oai", data={"verb": "Identify", "padding": "x" * 200})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"  # as everywhere in the app
