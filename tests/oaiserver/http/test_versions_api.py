"""Record versions over REST and in search, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.models import ConceptRow
from repository_core.outbox import DOIRegistrationRow
from tests.sample_metadata import minimal

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://repo.example.org"


@pytest.fixture
def services(engine):
    config = load_config({"api_tokens": TOKEN, "base_url": BASE, "ratelimit_enabled": False},
                         environ={})
    return build_services(config, engine=engine)


@pytest.fixture
def client(services):
    return create_app(services=services).test_client()


def _create(client, title="Tide gauges", collections=("physics",)):
    response = client.post("/api/records", headers=AUTH,
                           json={"metadata": minimal(titles=[{"title": title}]),
                                 "collections": list(collections)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _new_version(client, of, body):
    response = client.post(f"/api/records/{of}/versions", headers=AUTH, json=body)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"] == response.get_json()["links"]["self"]
    return response.get_json()


def test_versions_are_created_listed_and_resolved(client, engine):
    first = _create(client)
    concept = first["parent"]["id"]
    assert first["parent"] == {"id": concept, "doi": None}
    assert first["versions"] == {"index": 1, "is_latest": True}
    rid = first["id"]
    assert first["links"]["latest"] == f"{BASE}/api/records/{rid}/versions/latest"
    assert first["links"]["latest_html"] == f"{BASE}/records/{rid}/latest"
    assert first["links"]["parent"] == f"{BASE}/api/concepts/{concept}"

    second = _new_version(client, rid, {"metadata": minimal(titles=[{"title": "Tide gauges v2"}])})
    assert second["parent"]["id"] == concept
    assert second["versions"] == {"index": 2, "is_latest": True}
    assert second["collections"] == ["physics"]  # the collections of the version it follows
    old = client.get(f"/api/records/{rid}").get_json()
    assert old["versions"] == {"index": 1, "is_latest": False} and old["revision"] == 2

    # a copy of version 1 (not of the latest): its metadata, without a DOI
    third = _new_version(client, second["id"], {"from": rid})
    assert third["versions"]["index"] == 3
    assert third["metadata"]["titles"] == [{"title": "Tide gauges"}]

    # the concept and "latest" redirect to version 3
    for url in (f"/api/concepts/{concept}", f"/api/records/{rid}/versions/latest"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == f"{BASE}/api/records/{third['id']}"

    # keyset pages of two, oldest first
    page = client.get(f"/api/records/{third['id']}/versions?size=2").get_json()
    assert page["hits"]["total"] == 3
    assert [h["id"] for h in page["hits"]["hits"]] == [rid, second["id"]]
    assert [h["versions"]["is_latest"] for h in page["hits"]["hits"]] == [False, False]
    following = client.get(page["links"]["next"].removeprefix(BASE)).get_json()
    assert [h["id"] for h in following["hits"]["hits"]] == [third["id"]]
    assert "next" not in following["links"]

    # a concept DOI shows in every version's document
    with Session(engine) as session, session.begin():
        session.execute(update(ConceptRow).where(ConceptRow.id == concept)
                        .values(doi="10.5072/concept.1"))
    shown = client.get(f"/api/records/{rid}").get_json()
    assert shown["parent"] == {"id": concept, "doi": "10.5072/concept.1"}
    assert shown["links"]["parent_doi"] == "https://doi.org/10.5072/concept.1"
    listed = client.get(f"/api/records/{rid}/versions").get_json()["hits"]["hits"]
    assert {h["parent"]["doi"] for h in listed} == {"10.5072/concept.1"}

    # deleting the latest moves the concept back; deleting all answers 410
    assert client.delete(f"/api/records/{third['id']}", headers=AUTH).status_code == 204
    assert client.get(f"/api/concepts/{concept}").headers["Location"].endswith(second["id"])
    for version in (rid, second["id"]):
        assert client.delete(f"/api/records/{version}", headers=AUTH).status_code == 204
    gone = client.get(f"/api/concepts/{concept}")
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"


def test_bad_version_requests_are_problems(client):
    first = _create(client)
    other = _create(client, "Another record")
    rid = first["id"]
    cases = [
        ({"from": other["id"]}, "/from"),
        ({"from": "no-such-id"}, "/from"),
        ({"from": 7}, "/from"),
        ({"from": rid, "metadata": minimal()}, "/metadata"),
        ({"collections": []}, "/metadata"),
        ({"metadata": {"titles": "not a list"}}, "/metadata/titles"),
    ]
    for body, pointer in cases:
        response = client.post(f"/api/records/{rid}/versions", headers=AUTH, json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert response.mimetype == "application/problem+json"
        pointers = [e["pointer"] for e in response.get_json()["errors"]]
        assert any(p.startswith(pointer) for p in pointers), (body, pointers)
    assert client.post(f"/api/records/{rid}/versions", json={"from": rid}).status_code == 401
    assert client.post("/api/records/nope/versions", headers=AUTH,
                       json={"from": rid}).status_code == 404
    assert client.get("/api/concepts/nope").status_code == 404
    assert client.get(f"/api/records/{rid}/versions?size=0").status_code == 422
    assert client.get(f"/api/records/{rid}/versions?after=x").status_code == 422
    assert client.get(f"/api/records/{rid}/versions").get_json()["hits"]["total"] == 1


def test_search_shows_latest_versions_unless_all_versions(client):
    first = _create(client, "Glacier mass balance")
    second = _new_version(client, first["id"],
                          {"metadata": minimal(titles=[{"title": "Glacier mass balance v2"}])})
    _create(client, "Glacier outlines")

    def ids(query):
        body = client.get(f"/api/records?{query}").get_json()
        return {h["id"] for h in body["hits"]["hits"]}, body

    latest, body = ids("q=glacier")
    assert second["id"] in latest and first["id"] not in latest and len(latest) == 2
    assert body["hits"]["total"] == 2
    everything, body = ids("q=glacier&all_versions=true")
    assert {first["id"], second["id"]} <= everything and body["hits"]["total"] == 3
    assert "all_versions=true" in body["links"]["self"]
    # facets follow: one Dataset a concept by default, one a version with all_versions
    default_facets = ids("q=glacier")[1]["aggregations"]["resource_type"]["buckets"]
    all_facets = ids("q=glacier&all_versions=1")[1]["aggregations"]["resource_type"]["buckets"]
    assert sum(b["doc_count"] for b in default_facets) == 2
    assert sum(b["doc_count"] for b in all_facets) == 3

    concept = first["parent"]["id"]
    assert ids(f"q=parent.id:{concept}&all_versions=true")[0] == {first["id"], second["id"]}
    assert ids("q=versions.is_latest:false&all_versions=true")[0] == {first["id"]}
    assert ids("q=versions.index:2&all_versions=true")[0] == {second["id"]}
    assert ids("q=versions.index:>=1")[0] == latest
    bad = client.get("/api/records?q=x&all_versions=maybe")
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["pointer"] == "/all_versions"


def _set_concept_doi(engine, concept, doi):
    with Session(engine) as session, session.begin():
        session.execute(update(ConceptRow).where(ConceptRow.id == concept).values(doi=doi))


def test_landing_pages_show_versions_notice_and_cite_all(client, engine):
    first = _create(client, "Ice cores")
    rid, concept = first["id"], first["parent"]["id"]
    page = client.get(f"/records/{rid}", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert "Cite this version" in html and "Cite all versions" in html
    # no concept DOI yet: the concept's own address, which leads to the latest version
    assert f'href="{BASE}/records/{concept}"' in html
    assert "newer version" not in html
    etag = page.headers["ETag"]

    second = _new_version(client, rid, {"from": rid})
    _set_concept_doi(engine, concept, "10.5072/ice.all")
    client.delete(f"/api/records/{second['id']}", headers=AUTH)
    third = _new_version(client, rid, {"from": rid})

    old = client.get(f"/records/{rid}", headers={"Accept": "text/html",
                                                 "If-None-Match": etag})
    assert old.status_code == 200  # the versions shown changed: a new validator
    html = old.get_data(as_text=True)
    assert "A newer version of this record exists" in html
    assert f'<a href="{BASE}/records/{third["id"]}">see the latest version</a>' in html
    assert 'href="https://doi.org/10.5072/ice.all"' in html
    # newest first: 3 (latest), 2 (deleted), 1 (this page)
    versions = html[html.index('<ol class="versions"'):html.index("</ol>")]
    assert versions.index("Version 3") < versions.index("Version 2") < versions.index("Version 1")
    assert '<span class="version-deleted">(deleted)</span>' in versions
    assert '<strong aria-current="page">Version 1</strong>' in versions
    latest = client.get(f"/records/{third['id']}", headers={"Accept": "text/html"})
    assert "A newer version of this record exists" not in latest.get_data(as_text=True)
    stone = client.get(f"/records/{second['id']}", headers={"Accept": "text/html"})
    assert stone.status_code == 410
    assert (f'<a href="{BASE}/records/{third["id"]}">see the latest version</a>'
            in stone.get_data(as_text=True))
    # RFC 5829 links (the deleted version 2 is skipped)
    assert f'<{BASE}/records/{third["id"]}> ; rel="latest-version"' in old.headers["Link"]
    assert f'<{BASE}/records/{third["id"]}> ; rel="successor-version"' in old.headers["Link"]
    assert "predecessor-version" not in old.headers["Link"]
    assert f'<{BASE}/records/{rid}> ; rel="predecessor-version"' in latest.headers["Link"]
    assert "latest-version" not in latest.headers["Link"]
    assert (f'<{BASE}/api/records/{rid}/versions> ; rel="version-history" ; '
            'type="application/json"') in old.headers["Link"]

    # the concept's URL, the "latest" URL and the concept DOI lead to the latest version
    for url in (f"/records/{concept}", f"/records/{rid}/latest", "/doi/10.5072/ICE.ALL",
                "/doi/https://doi.org/10.5072/ice.all"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == f"{BASE}/records/{third['id']}"
    for version in (rid, third["id"]):
        client.delete(f"/api/records/{version}", headers=AUTH)
    assert client.get(f"/records/{concept}").status_code == 410
    assert client.get("/doi/10.5072/ice.all").status_code == 410
    assert client.get("/records/no-such-record").status_code == 404


def test_search_page_has_an_all_versions_switch(client):
    first = _create(client, "Permafrost temperatures")
    second = _new_version(client, first["id"], {"from": first["id"]})

    def linked(query):
        html = client.get(f"/search?{query}").get_data(as_text=True)
        return html, {rid for rid in (first["id"], second["id"]) if f"/records/{rid}\"" in html}

    html, shown = linked("q=permafrost")
    assert shown == {second["id"]}
    assert '<input id="all_versions" type="checkbox" name="all_versions" value="true">' in html
    assert '<span class="version">version 2</span>' in html
    html, shown = linked("q=permafrost&all_versions=true")
    assert shown == {first["id"], second["id"]}
    assert '<span class="version">version 1 (not the latest)</span>' in html
    assert 'name="all_versions" value="true" checked>' in html
    # the switch is not repeated as a hidden field (unchecking it must turn it off)
    assert 'type="hidden" name="all_versions"' not in html


def test_a_draft_concept_doi_is_for_token_holders_only(client, engine):
    first = _create(client, "Drafted")
    concept = first["parent"]["id"]
    _set_concept_doi(engine, concept, "10.5072/draft.all")
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        session.add(DOIRegistrationRow(doi="10.5072/draft.all", record_id=first["id"],
                                       intended_state="draft", confirmed_state=None,
                                       created=now, updated=now))
    url = f"/api/records/{first['id']}"
    assert client.get(url).get_json()["parent"]["doi"] is None
    assert client.get(url, headers=AUTH).get_json()["parent"]["doi"] == "10.5072/draft.all"
    html = client.get(f"/records/{first['id']}", headers={"Accept": "text/html"})
    assert "draft.all" not in html.get_data(as_text=True)
    assert client.get("/doi/10.5072/draft.all").status_code == 404


def test_the_linkset_names_the_versions_and_changes_when_one_is_published(client):
    first = _create(client, title="Linked versions")
    rid = first["id"]
    alone = client.get(f"/records/{rid}/linkset")
    assert alone.status_code == 200
    context = alone.get_json()["linkset"][0]
    assert context["version-history"] == [{"href": f"{BASE}/api/records/{rid}/versions",
                                           "type": "application/json"}]
    assert "latest-version" not in context and "successor-version" not in context

    second = _new_version(client, rid, {"from": rid})
    again = client.get(f"/records/{rid}/linkset", headers={"If-None-Match": alone.headers["ETag"]})
    assert again.status_code == 200  # a newer version: the old validator no longer holds
    context = again.get_json()["linkset"][0]
    assert context["anchor"] == f"{BASE}/records/{rid}"
    assert context["latest-version"] == [{"href": f"{BASE}/records/{second['id']}"}]
    assert context["successor-version"] == [{"href": f"{BASE}/records/{second['id']}"}]
    newest = client.get(f"/records/{second['id']}/linkset").get_json()["linkset"][0]
    assert newest["predecessor-version"] == [{"href": f"{BASE}/records/{rid}"}]
    assert "latest-version" not in newest
    # the link header of the landing page and the linkset say the same
    page = client.get(f"/records/{second['id']}", headers={"Accept": "text/html"})
    assert f'<{BASE}/records/{rid}> ; rel="predecessor-version"' in page.headers["Link"]
    unchanged = client.get(f"/records/{rid}/linkset", headers={"If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304
