"""Usage statistics through the real app: recording on every counted endpoint,
anonymity, robots, validators, the stats and DSR endpoints, "most viewed".

Requests come from known client addresses and user agents (the WSGI
``REMOTE_ADDR`` and the ``User-Agent`` header), on SQLite and PostgreSQL;
figures appear after a processing run, as in production.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from oaiserver.cli import cli
from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.stats import process_usage
from repository_core.stats.tables import UsageEventRow
from tests.sample_metadata import minimal

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 MarkerBrowser/77.7"
HARVESTER = "MarkerHarvester/3.1 (+mailto:ops@example.org)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
IP, IPV6 = "203.0.113.77", "2001:db8::7a"
REPO = "stats.example.org"
TOKEN = "stats-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "repository_core"
                     / "counter_dsr.schema.json").read_text())


def make_services(engine, **overrides):
    config = load_config({"base_url": "https://repo.example.org", "repository_id": REPO,
                          "api_tokens": TOKEN, "ratelimit_enabled": False, **overrides},
                         environ={})
    return build_services(config, engine=engine)


@pytest.fixture
def services(engine):
    services = make_services(engine)
    for rid in ("a", "b", "c"):
        services.records.create(minimal(titles=[{"title": f"Record {rid}"}]), record_id=rid)
    return services


@pytest.fixture
def client(services):
    return create_app(services=services).test_client()


def get(client, url, ip=IP, agent=BROWSER, method="GET", **kwargs):
    headers = {"User-Agent": agent, **kwargs.pop("headers", {})}
    return client.open(url, method=method, headers=headers,
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


def events(engine):
    e = UsageEventRow
    with Session(engine) as session:
        return [tuple(row) for row in session.execute(
            select(e.record_id, e.action, e.access_method, e.is_robot).order_by(e.id))]


def process(services):
    return process_usage(services.engine)


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# -- recording -----------------------------------------------------------------

def test_each_counted_endpoint_records_one_event_of_its_access_method(client, services):
    assert get(client, "/records/a").status_code == 200                        # landing page
    assert get(client, "/records/a", headers={"Accept": "application/x-bibtex"}).status_code == 200
    assert get(client, "/records/a/export/ris").status_code == 200             # export link
    assert get(client, "/api/records/a", agent=HARVESTER).status_code == 200   # REST API
    oai = f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:{REPO}:b"
    assert b"<GetRecord>" in get(client, oai, agent=HARVESTER).data              # OAI GET
    posted = get(client, "/oai", agent=HARVESTER, method="POST",
                 data={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                       "identifier": f"oai:{REPO}:c"})
    assert b"<GetRecord>" in posted.data                                         # OAI POST
    assert events(services.engine) == [
        ("a", "investigation", "Regular", False),
        ("a", "investigation", "Regular", False),
        ("a", "investigation", "Regular", False),
        ("a", "investigation", "Machine", False),
        ("b", "investigation", "Machine", False),
        ("c", "investigation", "Machine", False),
    ]


def test_what_is_no_use_of_a_record_is_not_recorded(client, services):
    assert get(client, "/records/a", method="HEAD").status_code == 200
    assert get(client, "/records/nope").status_code == 404
    assert get(client, "/records/a", headers={"Accept": "image/png"}).status_code == 406
    assert get(client, "/records/a/linkset").status_code == 200
    assert get(client, "/api/records?q=Record").status_code == 200              # a search
    assert get(client, "/api/records").status_code == 200                       # a list
    assert get(client, f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:{REPO}:x"
               ).status_code == 200                                              # idDoesNotExist
    assert get(client, "/oai?verb=ListRecords&metadataPrefix=oai_dc").status_code == 200
    services.records.delete("c")
    assert get(client, "/records/c").status_code == 410
    assert get(client, f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:{REPO}:c"
               ).status_code == 200                                              # a tombstone
    assert events(services.engine) == []


def test_a_revalidated_page_is_a_use(client, services):
    first = get(client, "/api/records/a")
    assert get(client, "/api/records/a",
               headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    page = get(client, "/records/a")
    assert get(client, "/records/a", headers={"If-None-Match": page.headers["ETag"]}
               ).status_code == 304
    assert [e[2] for e in events(services.engine)] == ["Machine", "Machine", "Regular", "Regular"]


def test_robots_are_flagged_when_recorded_and_left_out_when_processed(client, services):
    get(client, "/records/a", agent=GOOGLEBOT)
    get(client, "/records/a", ip="198.51.100.1", agent="")   # no user agent: a robot too
    get(client, "/records/a")
    assert [e[3] for e in events(services.engine)] == [True, True, False]
    result = process(services)
    assert (result.events, result.robots) == (3, 2)
    stats = get(client, "/api/records/a").get_json()["stats"]
    assert stats == {"total_investigations": 1, "unique_investigations": 1,
                     "total_requests": 0, "unique_requests": 0}


def test_no_address_or_user_agent_is_stored_anywhere(client, services):
    for ip in (IP, IPV6):
        get(client, "/records/a", ip=ip)
        get(client, "/api/records/b", ip=ip, agent=HARVESTER)
        get(client, f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:{REPO}:c",
            ip=ip, agent=GOOGLEBOT)
    assert len(events(services.engine)) == 6
    needles = [IP, IPV6, "203.0.113", "2001:db8", "MarkerBrowser", "MarkerHarvester",
               "Googlebot", "Gecko"]

    def scan() -> int:
        cells = 0
        with services.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        cells += 1
                        for needle in needles:
                            assert needle not in str(value), f"{needle!r} stored in {table}"
        return cells

    assert scan() > 0      # before processing: the raw events
    process(services)
    assert scan() > 0      # after: the daily figures too


def test_a_failure_to_record_never_fails_the_page(client, services, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(services.usage, "record", broken)
    with caplog.at_level(logging.ERROR):
        assert get(client, "/records/a").status_code == 200
    assert "could not record a use" in caplog.text


def test_statistics_off_records_nothing_and_shows_nothing(engine):
    services = make_services(engine, stats_enabled=False)
    services.records.create(minimal(), record_id="a")
    client = create_app(services=services).test_client()
    assert services.usage is None
    document = get(client, "/api/records/a").get_json()
    assert "stats" not in document and "stats" not in document["links"]
    assert 'class="usage"' not in get(client, "/records/a").get_data(as_text=True)
    assert events(engine) == []
    for url in ("/api/stats/records/a", "/api/reports/dsr?begin_date=2024-01&end_date=2024-01"):
        response = get(client, url)
        assert response.status_code == 404 and "OAISERVER_STATS_ENABLED" in response.json["detail"]
    refused = get(client, "/api/records?sort=mostviewed")
    assert refused.status_code == 400 and "mostviewed" in refused.json["detail"]


# -- reading: the record, the landing page, validators ---------------------------

def test_statistics_never_move_the_records_etag_or_datestamp(client, services):
    before = get(client, "/api/records/a")
    get(client, "/records/a", ip="192.0.2.1")
    get(client, "/records/a", ip="192.0.2.2")
    process(services)
    after = get(client, "/api/records/a")
    assert after.headers["ETag"] == before.headers["ETag"] == '"1"'
    for key in ("updated", "revision", "created"):
        assert after.json[key] == before.json[key]
    assert before.json["stats"]["unique_investigations"] == 0
    # two page views and the API read before them (Machine): all access methods
    assert after.json["stats"] == {"total_investigations": 3, "unique_investigations": 3,
                                   "total_requests": 0, "unique_requests": 0}
    assert after.json["links"]["stats"] == "https://repo.example.org/api/stats/records/a"
    assert get(client, "/api/records/a", headers={"If-None-Match": '"1"'}).status_code == 304
    # a document sent back as GET returned it, figures included, is accepted
    put = client.put("/api/records/a", json=after.json, headers=AUTH)
    assert put.status_code == 200, put.json


def test_the_landing_pages_validators_cover_its_figures(client, services):
    first = get(client, "/records/a")
    assert '<strong>0</strong> unique views' in first.get_data(as_text=True)
    etag, modified = first.headers["ETag"], first.last_modified
    # unchanged figures: the page is still fresh
    assert get(client, "/records/a", ip="192.0.2.9",
               headers={"If-None-Match": etag}).status_code == 304
    get(client, "/records/a", ip="192.0.2.1")
    process(services)
    again = get(client, "/records/a", ip="192.0.2.2", headers={"If-None-Match": etag})
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert '<strong>3</strong> unique views' in page and "3 in total" in page
    assert again.headers["ETag"] != etag
    assert again.last_modified >= modified
    # the exports carry no figures, so their validators stay the record's
    bib = get(client, "/records/a/export/bibtex").headers["ETag"]
    process(services)
    assert get(client, "/records/a/export/bibtex").headers["ETag"] == bib


def test_search_hits_carry_their_figures(client, services):
    get(client, "/records/b")
    process(services)
    hits = get(client, "/api/records?q=Record&sort=newest").json["hits"]["hits"]
    figures = {hit["id"]: hit["stats"]["unique_investigations"] for hit in hits}
    assert figures == {"a": 0, "b": 1, "c": 0}


def test_sort_by_most_viewed_pages_by_keyset(client, services):
    for i in range(3):
        get(client, "/records/b", ip=f"192.0.2.{i}")
    get(client, "/records/c", ip="192.0.2.1")
    get(client, "/records/a", agent=GOOGLEBOT)     # robots make nothing most viewed
    get(client, "/records/a", agent=GOOGLEBOT, ip="192.0.2.5")
    process(services)
    first = get(client, "/api/records?sort=mostviewed&size=2&facets=0").json
    assert [h["id"] for h in first["hits"]["hits"]] == ["b", "c"]
    assert first["sort"] == "mostviewed"
    second = get(client, first["links"]["next"].replace("https://repo.example.org", "")).json
    assert [h["id"] for h in second["hits"]["hits"]] == ["a"]
    assert "next" not in second["links"]
    field = get(client, "/api/records?q=mostviewed:1")  # a sort key, not a query field
    assert field.status_code == 400 and "unknown field 'mostviewed'" in field.json["detail"]
    bad = get(client, "/api/records?sort=mostviewed&page=WyJuZXdlc3QiLCAxLCAiYSJd")
    assert bad.status_code == 400


# -- /api/stats/records/<id> -------------------------------------------------------

def test_record_series_and_totals(client, services):
    get(client, "/records/a", ip="192.0.2.1")
    get(client, "/records/a", ip="192.0.2.2")
    get(client, "/api/records/a", agent=HARVESTER)
    process(services)
    day = today()
    body = get(client, f"/api/stats/records/a?from={day}&to={day}&interval=day").json
    assert (body["from"], body["to"], body["interval"]) == (day, day, "day")
    assert body["series"] == [{"period": day, "total_investigations": 3,
                               "unique_investigations": 3, "total_requests": 0,
                               "unique_requests": 0}]
    assert body["totals"]["total_investigations"] == 3
    monthly = get(client, "/api/stats/records/a").json
    assert monthly["interval"] == "month" and len(monthly["series"]) in (12, 13)
    assert sum(p["total_investigations"] for p in monthly["series"]) == 3


@pytest.mark.parametrize("query, parameter", [
    ("interval=week", "interval"),
    ("from=2024-13-01", "from"),
    ("to=yesterday", "to"),
    ("from=2024-05-01&to=2024-04-01", "from"),
    ("from=1900&to=2024&interval=day", "interval"),
])
def test_bad_series_parameters_are_400_naming_the_parameter(client, query, parameter):
    response = get(client, f"/api/stats/records/a?{query}")
    assert response.status_code == 400, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["parameter"] == parameter
    assert response.json["errors"][0]["pointer"] == f"/{parameter}"


def test_series_of_an_unknown_record_is_404(client):
    assert get(client, "/api/stats/records/nope").status_code == 404


# -- /api/reports/dsr --------------------------------------------------------------

def test_dataset_report_from_the_api_is_valid_counter(client, services):
    get(client, "/records/a", ip="192.0.2.1")
    get(client, "/records/a", ip="192.0.2.2")
    get(client, "/api/records/a", agent=HARVESTER)
    get(client, "/records/b", agent=GOOGLEBOT)
    process(services)
    month = today()[:7]
    response = get(client, f"/api/reports/dsr?begin_date={month}&end_date={month}")
    assert response.status_code == 200
    report = response.json
    jsonschema.validate(report, SCHEMA)
    header = report["Report_Header"]
    assert header["Report_ID"] == "DSR" and header["Release"] == "5"
    assert header["Institution_Name"] == "oaiserver demo repository"
    items = {(d["Dataset_ID"][0]["Value"], d["Access_Method"]): d
             for d in report["Report_Datasets"]}
    assert set(items) == {(f"{REPO}:a", "Regular"), (f"{REPO}:a", "Machine")}
    regular = {i["Metric_Type"]: i["Count"]
               for i in items[(f"{REPO}:a", "Regular")]["Performance"][0]["Instance"]}
    assert regular == {"Total_Dataset_Investigations": 2, "Unique_Dataset_Investigations": 2}
    assert items[(f"{REPO}:a", "Regular")]["Dataset_Title"] == "Record a"


def test_report_without_usage_is_valid_and_says_so(client):
    report = get(client, "/api/reports/dsr?begin_date=2020-01&end_date=2020-02").json
    jsonschema.validate(report, SCHEMA)
    assert report["Report_Datasets"] == []
    assert [e["Code"] for e in report["Report_Header"]["Exceptions"]] == [3030]


@pytest.mark.parametrize("query, parameter", [
    ("end_date=2024-01", "begin_date"),
    ("begin_date=2024-01", "end_date"),
    ("begin_date=2024-13&end_date=2024-12", "begin_date"),
    ("begin_date=2024-03&end_date=2024-01", "begin_date"),
    ("begin_date=2020-01&end_date=2024-12", "end_date"),
])
def test_bad_report_parameters_are_400_naming_the_parameter(client, query, parameter):
    response = get(client, f"/api/reports/dsr?{query}")
    assert response.status_code == 400, response.json
    assert response.json["parameter"] == parameter


# -- processing from the command line ----------------------------------------------

def test_stats_process_command(client, services):
    get(client, "/records/a")
    get(client, "/records/a", agent=GOOGLEBOT)
    runner = CliRunner()
    result = runner.invoke(cli, ["stats", "process", "--quiet"], obj=services,
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "processed 2 event(s) in 1 batch(es): 1 from robots left out" in result.output
    assert get(client, "/api/records/a").json["stats"]["total_investigations"] == 1
    again = runner.invoke(cli, ["stats", "process", "--batch", "1"], obj=services)
    assert again.exit_code == 0 and "processed 1 event(s)" in again.output  # that API read
    nothing = runner.invoke(cli, ["stats", "process"], obj=services)
    assert nothing.exit_code == 0 and "processed 0 event(s)" in nothing.output


def test_stats_process_refuses_when_statistics_are_off(engine):
    services = make_services(engine, stats_enabled=False)
    result = CliRunner().invoke(cli, ["stats", "process"], obj=services)
    assert result.exit_code == 1 and "OAISERVER_STATS_ENABLED" in result.output
    usage = CliRunner().invoke(cli, ["stats", "process", "--batch", "0"], obj=services)
    assert usage.exit_code == 2


# -- over real HTTP --------------------------------------------------------------

def test_over_http_the_socket_address_is_what_gets_hashed(services):
    """A real server on 127.0.0.1: a browser and a harvester (sickle) use
    records; the session is the hash of the peer address and agent, nothing more."""
    import urllib.request

    from sickle import Sickle

    from repository_core.stats.sessions import DailySalts, client_hash
    from tests.oaiserver.oai.oai_support import serve

    with serve(create_app(services=services)) as oai_url:
        base = oai_url.removesuffix("/oai")
        request = urllib.request.Request(f"{base}/records/a", headers={"User-Agent": BROWSER})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        harvester = Sickle(oai_url, headers={"User-Agent": HARVESTER})
        record = harvester.GetRecord(identifier=f"oai:{REPO}:b", metadataPrefix="oai_dc")
        assert record.header.identifier == f"oai:{REPO}:b"
    salt = DailySalts(services.engine).for_day(datetime.now(UTC).date())
    e = UsageEventRow
    with Session(services.engine) as session:
        stored = session.execute(select(e.record_id, e.access_method, e.session)
                                 .order_by(e.id)).all()
    assert [tuple(row) for row in stored] == [
        ("a", "Regular", client_hash(salt, "127.0.0.1", BROWSER)),
        ("b", "Machine", client_hash(salt, "127.0.0.1", HARVESTER)),
    ]


def test_behind_a_trusted_proxy_the_forwarded_client_is_hashed(engine):
    """Behind a reverse proxy every peer is the proxy: the session is the forwarded client's,
    and X-Forwarded-For from anyone else is ignored."""
    from repository_core.stats.sessions import DailySalts, client_hash

    services = make_services(engine, trusted_proxies="10.0.0.1")
    services.records.create(minimal(), record_id="p")
    client = create_app(services=services).test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9, 10.0.0.1"}
    assert get(client, "/records/p", ip="10.0.0.1", headers=forwarded).status_code == 200
    assert get(client, "/records/p", ip="192.0.2.7", headers=forwarded).status_code == 200
    salt = DailySalts(services.engine).for_day(datetime.now(UTC).date())
    with Session(services.engine) as session:
        sessions = session.execute(select(UsageEventRow.session).order_by(UsageEventRow.id)).scalars().all()
    assert sessions == [client_hash(salt, "203.0.113.9", BROWSER), client_hash(salt, "192.0.2.7", BROWSER)]
