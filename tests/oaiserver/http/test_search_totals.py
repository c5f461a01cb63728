"""``hits.total`` of a search: exact up to a bound, then a lower bound (both databases)."""

from __future__ import annotations

import pytest

from oaiserver.config import load_config
from oaiserver.http.app import create_app
from oaiserver.services import build_services
from repository_core.search import embedded
from tests.sample_metadata import minimal

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(engine):
    config = load_config({"api_tokens": TOKEN, "base_url": "https://repo.example.org",
                          "ratelimit_enabled": False}, environ={})
    client = create_app(services=build_services(config, engine=engine)).test_client()
    for i in range(5):
        metadata = minimal()
        metadata["titles"] = [{"title": f"ocean record {i}"}]
        metadata["publicationYear"] = str(2000 + i)
        response = client.post("/api/records", headers=AUTH,
                               json={"metadata": metadata, "collections": []})
        assert response.status_code == 201, response.get_json()
    return client


def test_a_total_within_the_bound_is_exact(client) -> None:
    body = client.get("/api/records?q=ocean").get_json()
    assert (body["hits"]["total"], body["hits"]["total_relation"]) == (5, "eq")
    assert sum(b["doc_count"] for b in body["aggregations"]["year"]["buckets"]) == 5


def test_past_the_bound_the_total_is_a_lower_bound_and_facets_count_the_top_hits(
        client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "TRACK_TOTAL", 3)
    body = client.get("/api/records?q=ocean&sort=newest&size=2").get_json()
    assert (body["hits"]["total"], body["hits"]["total_relation"]) == (3, "gte")
    assert "next" in body["links"]
    # the three newest: 2004, 2003, 2002
    assert sorted(b["key"] for b in body["aggregations"]["year"]["buckets"]) == [
        "2002", "2003", "2004"]
    everything = client.get("/api/records?sort=newest&size=2").get_json()
    assert (everything["hits"]["total"], everything["hits"]["total_relation"]) == (5, "eq")


def test_the_search_page_says_a_capped_total_is_a_lower_bound(
        client, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = client.get("/search?q=ocean").get_data(as_text=True)
    assert '<span class="total">5</span> records' in exact
    monkeypatch.setattr(embedded, "TRACK_TOTAL", 3)
    capped = client.get("/search?q=ocean&sort=newest").get_data(as_text=True)
    assert '<span class="total">More than 3</span> records' in capped
