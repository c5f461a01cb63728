"""Query DSL translation, the indexing queue, alias swaps; a live cluster if configured.

Live tests need ``OAISERVER_SEARCH_URL`` (an Elasticsearch 8+ or OpenSearch
URL); they use a random index prefix and remove their indices.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from repository_core.query import FIELDS, extract, matches, parse_query, to_search_dsl
from repository_core.query.search_dsl import es_field, index_mappings, search_document
from repository_core.search.elastic import ElasticsearchBackend, make_client
from repository_core.search.queue import IndexQueueRow, queue_hook
from repository_core.service import RecordService

from .corpus import CORPUS, QUERIES

SEARCH_URL = os.environ.get("OAISERVER_SEARCH_URL", "")


def test_translation_examples() -> None:
    dsl = to_search_dsl(parse_query(
        'types.resourceTypeGeneral:Dataset AND NOT subjects.subject:"Climate Change"'))
    assert dsl == {"bool": {"filter": [
        {"term": {"q.types__resourceTypeGeneral": {"value": "dataset"}}},
        {"bool": {"must_not": [{"term": {"q.subjects__subject": {"value": "climate change"}}}]}},
    ]}}
    assert to_search_dsl(parse_query('titles.title:"Klima Wandel"')) == {
        "match_phrase": {"q.titles__title": {"query": "klima wandel", "analyzer": "whitespace"}}}
    assert to_search_dsl(parse_query("publicationYear:{2000 TO 2010]")) == {
        "range": {"q.publicationYear": {"gte": 2001, "lt": 2011}}}
    assert to_search_dsl(parse_query("doi:10.1234/a\\*b*")) == {
        "wildcard": {"q.doi": {"value": "10.1234/a\\*b*"}}}
    assert to_search_dsl(parse_query("_exists_:language OR climate")) == {"bool": {
        "should": [{"exists": {"field": "q.language"}},
                   {"term": {"q.fulltext": {"value": "climate"}}}],
        "minimum_should_match": 1}}
    assert to_search_dsl(parse_query("language:[de TO fr}")) == {
        "range": {"q.language": {"gte": "de", "lt": "fr"}}}


@pytest.mark.parametrize("query", QUERIES)
def test_every_query_translates(query: str) -> None:
    body = to_search_dsl(parse_query(query))
    json.dumps(body)  # plain JSON
    fields = set(index_mappings()["mappings"]["properties"]["q"]["properties"])
    text = json.dumps(body)
    for name in FIELDS:
        if f'"{es_field(name)}"' in text:
            assert es_field(name).split(".", 1)[1] in fields


def test_documents_hold_the_extracted_values() -> None:
    for record in CORPUS:
        doc = search_document(record)
        for name, values in extract(record).items():
            got = doc["q"][es_field(name).split(".", 1)[1]]
            if FIELDS[name].type == "text":
                assert [v.split(" ") for v in got] == [list(v) for v in values]
            else:
                assert got == list(values)


class FakeIndices:
    def __init__(self, log: list[Any]):
        self.log, self.aliases = log, {}

    def exists_alias(self, name: str) -> bool:
        return any(name in a for a in self.aliases.values())

    def get_alias(self, name: str) -> dict[str, Any]:
        return {i: {} for i, a in self.aliases.items() if name in a}

    def create(self, index: str, **body: Any) -> None:
        self.log.append(("create", index))
        self.aliases[index] = set()

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self.log.append(("aliases", actions))
        for action in actions:
            for kind, spec in action.items():
                (self.aliases[spec["index"]].add if kind == "add"
                 else self.aliases[spec["index"]].discard)(spec["alias"])

    def delete(self, index: str) -> None:
        self.log.append(("delete", index))
        del self.aliases[index]

    def refresh(self, index: str) -> None:
        pass


class FakeClient:
    def __init__(self, *, down: bool = False):
        self.log: list[Any] = []
        self.indices = FakeIndices(self.log)
        self.down = down
        self.indexed: dict[str, dict[str, Any]] = {}

    def bulk(self, operations: list[dict[str, Any]], refresh: bool = False) -> dict[str, Any]:
        if self.down:
            raise ConnectionError("cluster down")
        ops = iter(operations)
        for op in ops:
            if "index" in op:
                self.indexed[op["index"]["_id"]] = next(ops)
            else:
                self.indexed.pop(op["delete"]["_id"], None)
        return {"errors": False, "items": []}


@pytest.fixture
def svc_and_sessions(sqlite_engine: Engine) -> Iterator[tuple[RecordService, Any]]:
    engine = sqlite_engine
    svc = RecordService(engine, validate=lambda md, **kw: [], hooks=[queue_hook])

    @contextmanager
    def sessions() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    yield svc, sessions
    engine.dispose()


def test_queue_survives_a_down_cluster(svc_and_sessions: Any) -> None:
    svc, sessions = svc_and_sessions
    for r in CORPUS[:3]:
        svc.create(r.metadata, record_id=r.id)
    svc.delete(CORPUS[0].id)
    down = ElasticsearchBackend(FakeClient(down=True), prefix="t1", sessions=sessions)
    with pytest.raises(ConnectionError):
        down.process_queue()
    with sessions() as s:
        assert len(s.execute(select(IndexQueueRow)).all()) == 4
    client = FakeClient()
    up = ElasticsearchBackend(client, prefix="t1", sessions=sessions)
    assert up.process_queue() == 3
    assert set(client.indexed) == {CORPUS[1].id, CORPUS[2].id}  # the tombstone is not there
    with sessions() as s:
        assert s.execute(select(IndexQueueRow)).all() == []
    assert all(name.startswith("t1-records-") for name in client.indices.aliases)


def test_reindex_swaps_the_alias(svc_and_sessions: Any) -> None:
    svc, sessions = svc_and_sessions
    for r in CORPUS:
        svc.create(r.metadata, record_id=r.id)
    client = FakeClient()
    backend = ElasticsearchBackend(client, prefix="t2", sessions=sessions)
    first = backend.ensure_index()
    second = backend.reindex()
    assert second != first and set(client.indices.aliases) == {second}
    swap = [e for e in client.log if e[0] == "aliases"][-1][1]
    assert swap == [{"remove": {"index": first, "alias": "t2-records"}},
                    {"add": {"index": second, "alias": "t2-records"}}]
    assert len(client.indexed) == len(CORPUS)
    with sessions() as s:  # queued writes are covered by the rebuild
        assert s.execute(select(IndexQueueRow)).all() == []


def test_search_body(svc_and_sessions: Any) -> None:
    _, sessions = svc_and_sessions
    backend = ElasticsearchBackend(FakeClient(), prefix="t3", sessions=sessions)
    body = backend.search_body("climate AND language:en", sort="relevance", size=10,
                               cursor=None, filters={"year": ["2021"]}, facets=True)
    assert body["query"]["bool"]["should"] == [{"match": {"q.fulltext": "climate"}}]
    assert {"range": {"q.publicationYear": {"gte": 2021, "lt": 2022}}} in \
        body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"_score": "desc"} and body["size"] == 11
    assert set(body["aggs"]) == {"resource_type", "year", "subject", "language", "publisher"}


def test_publisher_facet_and_title_sort_in_the_body_and_documents() -> None:
    backend = ElasticsearchBackend(client=None, prefix="t", sessions=lambda: None)
    body = backend.search_body(None, sort="title", size=5, cursor=None,
                               filters={"publisher": ["Zenodo", "GitHub"]}, facets=True)
    # the filter is the keyword field's normalised values, as the embedded search's
    assert {"bool": {"should": [
        {"term": {"q.publisher": {"value": "zenodo"}}},
        {"term": {"q.publisher": {"value": "github"}}}], "minimum_should_match": 1}} \
        in body["query"]["bool"]["filter"]
    assert body["sort"] == [{"title_sort": {"order": "asc", "missing": "_first"}},
                            {"id": "asc"}]
    assert body["aggs"]["publisher"] == {
        "terms": {"field": "q.publisher", "size": 20},
        "aggs": {"label": {"terms": {"field": "facet.publisher", "size": 1}}}}
    mappings = index_mappings()["mappings"]["properties"]
    assert mappings["title_sort"] == {"type": "keyword"}
    assert mappings["q"]["properties"]["publisher"] == {"type": "keyword"}
    assert mappings["facet"]["properties"]["publisher"] == {"type": "keyword"}
    zenodo = next(r for r in CORPUS if (r.metadata.get("publisher") or {}).get("name")
                  == "Zenodo")
    doc = search_document(zenodo)
    assert doc["q"]["publisher"] == ["zenodo"] and doc["facet"]["publisher"] == ["Zenodo"]
    assert doc["title_sort"] == zenodo.metadata["titles"][0]["title"].casefold()
    # a cursor of another sort is refused, not passed on
    from repository_core.errors import InvalidQuery

    with pytest.raises(InvalidQuery, match="cursor"):
        backend.search_body(None, sort="title", size=5, cursor="WyJuZXdlc3QiLFsxXV0",
                            filters={}, facets=False)


@pytest.mark.skipif(not SEARCH_URL, reason="no live cluster: set OAISERVER_SEARCH_URL "
                                           "to run the Elasticsearch/OpenSearch agreement test")
def test_live_cluster_agrees(svc_and_sessions: Any) -> None:  # pragma: no cover - needs a cluster
    svc, sessions = svc_and_sessions
    for r in CORPUS:
        svc.create(r.metadata, collections=r.collections, record_id=r.id)
    client = make_client(SEARCH_URL)
    backend = ElasticsearchBackend(client, prefix=f"test-{uuid.uuid4().hex[:8]}",
                                   sessions=sessions)
    index = backend.reindex()
    try:
        with sessions() as s:
            from repository_core.store import RecordStore

            stored = RecordStore(s).page(limit=100)
        for query in QUERIES:
            tree = parse_query(query)
            found = client.search(index=backend.alias, query=to_search_dsl(tree), size=100)
            got = {h["_id"] for h in found["hits"]["hits"]}
            assert got == {r.id for r in stored if matches(tree, r)}, query
    finally:
        client.indices.delete(index=index)


def test_most_viewed_is_refused_with_a_reason_not_ignored() -> None:
    from repository_core.errors import InvalidQuery

    backend = ElasticsearchBackend(client=None, prefix="t", sessions=lambda: None)
    with pytest.raises(InvalidQuery, match="mostviewed.*not offered with Elasticsearch"):
        backend.search_body(None, sort="mostviewed", size=10, cursor=None, filters={},
                            facets=False)


def test_the_latest_versions_unless_all_versions_in_the_body() -> None:
    backend = ElasticsearchBackend(client=None, prefix="t", sessions=lambda: None)
    latest = {"term": {"q.versions__is_latest": {"value": "true"}}}
    body = backend.search_body(None, sort="newest", size=5, cursor=None, filters={},
                               facets=False)
    assert latest in body["query"]["bool"]["filter"]
    body = backend.search_body(None, sort="newest", size=5, cursor=None, filters={},
                               facets=False, all_versions=True)
    assert latest not in body["query"]["bool"]["filter"]
    properties = index_mappings()["mappings"]["properties"]["q"]["properties"]
    assert properties["versions__is_latest"] == {"type": "keyword"}
    assert properties["parent__id"] == {"type": "keyword"}
    assert properties["versions__index"] == {"type": "long"}
