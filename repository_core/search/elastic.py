"""Elasticsearch / OpenSearch as the search engine (optional: ``OAISERVER_SEARCH_URL``).

* **Indexing never loses a write.** A write hook (:func:`.queue.queue_hook`) adds
  the record id to ``search_index_queue`` in the record's transaction;
  :meth:`ElasticsearchBackend.process_queue` pushes queued records and
  deletes their queue rows only after the cluster accepted them. While the
  cluster is down the queue grows; nothing is dropped.
* **Names.** Every index and alias starts with the configured prefix
  (``search_index_prefix``), so several instances share one cluster. The
  search alias is ``<prefix>-records``; indices are
  ``<prefix>-records-<utc timestamp>``.
* **Reindexing with zero downtime.** :meth:`reindex` builds a new index
  from the database, then swaps the alias in one ``update_aliases`` call
  and drops the old index; searches use the alias throughout.
* **Matching** uses :func:`repository_core.query.to_search_dsl` over the
  pre-normalised values (see :mod:`repository_core.query.search_dsl`), so
  the engine agrees with the embedded search and the OAI sets. Hits are
  read back from the database (the source of truth) in the engine's order.

The client is injected (any object with the ``elasticsearch`` client's
``indices``, ``bulk`` and ``search`` methods): tests pass a fake.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from ..errors import InvalidQuery
from ..models import RecordRow
from ..query.fields import FULL_TEXT
from ..query.parser import parse_query
from ..query.search_dsl import (
    FACET_FIELDS,
    es_field,
    index_mappings,
    search_document,
    to_search_dsl,
)
from ..query.tree import Term, positive_words
from ..records import Record
from ..store import row_to_record
from .embedded import SORTS, FacetValue, SearchResult, facet_filter
from .queue import IndexQueueRow

__all__ = ["ElasticsearchBackend", "make_client"]


def make_client(url: str, **kwargs: Any) -> Any:
    from elasticsearch import Elasticsearch

    return Elasticsearch(url, **kwargs)


def _encode(payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> list[Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4))
                                                     .encode()))
        if not isinstance(payload, list) or not payload or payload[0] != sort:
            raise ValueError
        return list(payload[1])
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidQuery("the cursor is not one this search gave out (or the sort changed)",
                           query=cursor) from None


class ElasticsearchBackend:
    """Index, reindex and search records in one cluster under ``prefix``."""

    def __init__(self, client: Any, *, prefix: str = "oaiserver",
                 sessions: Callable[[], Any]):
        self.client = client
        self.prefix = prefix
        self.alias = f"{prefix}-records"
        self.sessions = sessions  # a context manager factory yielding a Session

    # -- indices --------------------------------------------------------------
    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _alias_targets(self) -> list[str]:
        if not self.client.indices.exists_alias(name=self.alias):
            return []
        return sorted(self.client.indices.get_alias(name=self.alias).keys())

    def ensure_index(self) -> str:
        """The index behind the alias, created (empty) if there is none."""
        targets = self._alias_targets()
        if targets:
            return targets[0]
        name = self._new_index_name()
        self.client.indices.create(index=name, **index_mappings())
        self.client.indices.update_aliases(actions=[{"add": {"index": name,
                                                             "alias": self.alias}}])
        return name

    def _bulk(self, index: str, records: Iterable[Record], refresh: bool = False) -> int:
        operations: list[dict[str, Any]] = []
        count = 0
        for record in records:
            if record.deleted:
                operations.append({"delete": {"_index": index, "_id": record.id}})
            else:
                operations.append({"index": {"_index": index, "_id": record.id}})
                operations.append(search_document(record))
            count += 1
        if operations:
            response = self.client.bulk(operations=operations, refresh=refresh)
            if response.get("errors"):
                failed = [item for item in response["items"]
                          for action, result in item.items()
                          if result.get("status", 200) >= 300
                          and not (action == "delete" and result.get("status") == 404)]
                if failed:
                    raise RuntimeError(f"the search engine refused {len(failed)} documents: "
                                       f"{failed[0]}")
        return count

    def reindex(self, *, batch: int = 1000, refresh: bool = True) -> str:
        """Build a new index from the database, then swap the alias to it."""
        old = self._alias_targets()
        name = self._new_index_name()
        self.client.indices.create(index=name, **index_mappings())
        with self.sessions() as session:
            max_queued = session.execute(
                select(IndexQueueRow.id).order_by(IndexQueueRow.id.desc()).limit(1)
            ).scalar_one_or_none()
            after = ""
            while True:
                rows = session.execute(
                    select(RecordRow).where(RecordRow.id > after, RecordRow.deleted.is_(False))
                    .order_by(RecordRow.id).limit(batch)).scalars().all()
                if not rows:
                    break
                self._bulk(name, [row_to_record(r) for r in rows])
                after = rows[-1].id
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}}
                                         for i in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index)
        if refresh:
            self.client.indices.refresh(index=name)
        if max_queued is not None:  # those writes are in the new index already
            with self.sessions() as session:
                session.execute(delete(IndexQueueRow).where(IndexQueueRow.id <= max_queued))
                session.commit()
        return name

    def process_queue(self, *, batch: int = 500, refresh: bool = False) -> int:
        """Push queued records; rows are removed only once the cluster has them."""
        index = self.ensure_index()
        done = 0
        while True:
            with self.sessions() as session:
                queued = session.execute(
                    select(IndexQueueRow.id, IndexQueueRow.record_id)
                    .order_by(IndexQueueRow.id).limit(batch)).all()
                if not queued:
                    return done
                ids = sorted({rid for _, rid in queued})
                rows = session.execute(select(RecordRow).where(RecordRow.id.in_(ids))).scalars()
                found = {r.id: row_to_record(r) for r in rows}
                records = [found[i] for i in ids if i in found]
                self._bulk(index, records, refresh=refresh)  # raises: rows stay queued
                session.execute(delete(IndexQueueRow).where(
                    IndexQueueRow.id.in_([qid for qid, _ in queued])))
                session.commit()
                done += len(records)

    # -- searching ---------------------------------------------------------------
    def search_body(self, q: str | None, *, sort: str, size: int, cursor: str | None,
                    filters: Mapping[str, list[str]], facets: bool,
                    all_versions: bool = False) -> dict[str, Any]:
        if sort not in SORTS:
            raise InvalidQuery(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        if sort == "mostviewed":
            raise InvalidQuery("sort 'mostviewed' is not offered with Elasticsearch / "
                               "OpenSearch yet (usage figures are not indexed there); "
                               "use relevance, newest, oldest or title")
        tree = parse_query(q) if q and q.strip() else None
        clauses: list[dict[str, Any]] = [{"term": {"deleted": False}}]
        if not all_versions:  # the latest version of each concept, as the embedded search
            clauses.append(to_search_dsl(Term("versions.is_latest", "true")))
        if tree is not None:
            clauses.append(to_search_dsl(tree))
        for name, values in filters.items():
            if values:
                clauses.append(to_search_dsl(facet_filter(name, values)))
        words = sorted(set(positive_words(tree))) if tree is not None else []
        query: dict[str, Any] = {"bool": {"filter": clauses}}
        if words:
            query["bool"]["should"] = [{"match": {es_field(FULL_TEXT): " ".join(words)}}]
        key = sort if (sort != "relevance" or words) else "newest"
        orders: dict[str, list[Any]] = {
            "relevance": [{"_score": "desc"}, {"id": "asc"}],
            "newest": [{"created": "desc"}, {"id": "asc"}],
            "oldest": [{"created": "asc"}, {"id": "asc"}],
            # no title sorts first, as in the embedded search
            "title": [{"title_sort": {"order": "asc", "missing": "_first"}}, {"id": "asc"}],
        }
        order = orders[key]
        body: dict[str, Any] = {"query": query, "size": size + 1, "sort": order,
                                "track_total_hits": True, "source": False}
        if cursor:
            body["search_after"] = _decode(cursor, sort)
        if facets:
            # buckets by the normalised value (as the embedded search counts);
            # the label is the most common way it is written
            body["aggs"] = {
                name: {"terms": {"field": es_field(field), "size": 20},
                       "aggs": {"label": {"terms": {"field": f"facet.{name}", "size": 1}}}}
                for name, field in FACET_FIELDS.items()
            }
        return body

    def search(self, q: str | None, *, sort: str, size: int, cursor: str | None,
               filters: Mapping[str, list[str]], facets: bool,
               all_versions: bool = False) -> SearchResult:
        body = self.search_body(q, sort=sort, size=size, cursor=cursor, filters=filters,
                                facets=facets, all_versions=all_versions)
        response = self.client.search(index=self.alias, **body)
        hits = response["hits"]["hits"]
        more = len(hits) > size
        hits = hits[:size]
        ids = [h["_id"] for h in hits]
        with self.sessions() as session:
            rows = session.execute(select(RecordRow).where(RecordRow.id.in_(ids))).scalars()
            found = {r.id: row_to_record(r) for r in rows}
        records = [found[i] for i in ids if i in found]
        total = response["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else int(total)
        facet_values = {
            name: [FacetValue(str(b["key"]),
                              str((b.get("label", {}).get("buckets") or [{"key": b["key"]}])
                                  [0]["key"]),
                              b["doc_count"])
                   for b in agg.get("buckets", [])]
            for name, agg in response.get("aggregations", {}).items()
        }
        next_cursor = _encode([sort, hits[-1]["sort"]]) if more and hits else None
        scores = [h.get("_score") for h in hits]
        return SearchResult(records, total, facet_values, next_cursor, scores)
