"""Evaluator (c): a query as Elasticsearch / OpenSearch query DSL.

The index does not hold the raw DataCite JSON for matching: it holds the
values :func:`.fields.extract` gives (already normalised; text values as
their tokens joined by spaces, analysed by the ``whitespace`` analyzer;
numbers and dates as ``long`` microseconds). Matching the same values with
the same rules is what makes the engine agree exactly with the in-memory
and SQL evaluators. The raw metadata rides along, not indexed, under
``metadata``; facet values as written live under ``facet.*``; the ``title``
sort's key (:func:`.fields.title_sort_key`) under ``title_sort``.

Pure functions, no client: :func:`to_search_dsl`, :func:`index_mappings`,
:func:`search_document`.
"""

from __future__ import annotations

from typing import Any

from .fields import (
    FIELDS,
    FULL_TEXT,
    extract,
    raw_keyword_values,
    title_sort_key,
    to_micros,
)
from .tree import (
    And,
    Exists,
    Interval,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    StrRange,
    Term,
    Wildcard,
)

__all__ = ["FACET_FIELDS", "es_field", "index_mappings", "search_document", "to_search_dsl"]

#: facet name -> field (keyword or number)
FACET_FIELDS = {
    "resource_type": "types.resourceTypeGeneral",
    "year": "publicationYear",
    "subject": "subjects.subject",
    "language": "language",
    "publisher": "publisher",
}


def es_field(name: str) -> str:
    """Where a field lives in the index document (dots would make objects)."""
    if name == FULL_TEXT:
        return "q.fulltext"
    return "q." + name.replace(".", "__")


def _wildcard_pattern(node: Wildcard) -> str:
    out = []
    for kind, text in node.segments:
        if kind == "lit":
            out.append(text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?"))
        else:
            out.append(kind)
    return "".join(out)


def to_search_dsl(node: Node) -> dict[str, Any]:
    """The query DSL (filter semantics: scoring is not part of matching)."""
    if isinstance(node, And):
        return {"bool": {"filter": [to_search_dsl(c) for c in node.children]}}
    if isinstance(node, Or):
        return {"bool": {"should": [to_search_dsl(c) for c in node.children],
                         "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_search_dsl(node.child)]}}
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    field = es_field(node.field)
    if isinstance(node, Exists):
        return {"exists": {"field": field}}
    if isinstance(node, Term):
        return {"term": {field: {"value": node.value}}}
    if isinstance(node, Phrase):
        return {"match_phrase": {field: {"query": " ".join(node.tokens),
                                         "analyzer": "whitespace"}}}
    if isinstance(node, Wildcard):
        return {"wildcard": {field: {"value": _wildcard_pattern(node)}}}
    if isinstance(node, Interval):
        bounds: dict[str, int] = {}
        if node.gte is not None:
            bounds["gte"] = node.gte
        if node.lt is not None:
            bounds["lt"] = node.lt
        return {"range": {field: bounds}}
    if isinstance(node, StrRange):
        sbounds: dict[str, str] = {}
        if node.lower is not None:
            sbounds["gte" if node.include_lower else "gt"] = node.lower
        if node.upper is not None:
            sbounds["lte" if node.include_upper else "lt"] = node.upper
        return {"range": {field: sbounds}}
    raise TypeError(f"not a query node: {node!r}")


def index_mappings() -> dict[str, Any]:
    """Index settings and mappings for a records index."""
    props: dict[str, Any] = {}
    for field in FIELDS.values():
        name = es_field(field.name).split(".", 1)[1]
        if field.type == "keyword":
            props[name] = {"type": "keyword"}
        elif field.type == "text":
            props[name] = {"type": "text", "analyzer": "whitespace"}
        else:
            props[name] = {"type": "long"}
    return {
        "settings": {"index": {"number_of_shards": 1, "max_result_window": 10000}},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "q": {"properties": props},
                "id": {"type": "keyword"},
                "deleted": {"type": "boolean"},
                "created": {"type": "long"},
                "title_sort": {"type": "keyword"},
                "facet": {"properties": {k: {"type": "keyword"} for k in FACET_FIELDS}},
                "metadata": {"type": "object", "enabled": False},
            },
        },
    }


def search_document(record: Any) -> dict[str, Any]:
    """The index document for a record."""
    q: dict[str, Any] = {}
    for name, values in extract(record).items():
        kind = FIELDS[name].type
        key = es_field(name).split(".", 1)[1]
        q[key] = [" ".join(v) for v in values] if kind == "text" else list(values)
    facet: dict[str, list[str]] = {}
    for key, name in FACET_FIELDS.items():
        if FIELDS[name].type == "keyword":
            facet[key] = [raw for _, raw in raw_keyword_values(record, name)]
        else:
            facet[key] = [str(v) for v in q.get(es_field(name).split(".", 1)[1], [])]
    return {
        "id": record.id,
        "deleted": bool(record.deleted),
        "created": to_micros(record.created),
        "title_sort": title_sort_key(record) or "",  # as the embedded sort: none first
        "q": q,
        "facet": facet,
        "metadata": record.metadata,
    }
