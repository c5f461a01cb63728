"""Search: the embedded full-text engine, the Elasticsearch/OpenSearch backend, its queue.

``embedded``   the records' own database (SQLite FTS5 / PostgreSQL tsvector)
``elastic``    Elasticsearch / OpenSearch, fed from ``queue``
``queue``      the table of records waiting for the external engine
``backend``    the ``SearchBackend`` protocol both engines implement

The query language itself is :mod:`repository_core.query`; this package
ranks, facets and pages its matches.
"""

from __future__ import annotations

from .backend import EmbeddedSearch, SearchBackend
from .embedded import (
    FACET_HITS,
    FACETS,
    MAX_SIZE,
    SORTS,
    TRACK_TOTAL,
    FacetValue,
    SearchDocumentRow,
    SearchResult,
    create_search_schema,
    document_body,
    facet_filter,
    index_search_document,
    reindex_search,
    search,
    search_tables,
)

__all__ = [
    "FACETS",
    "FACET_HITS",
    "MAX_SIZE",
    "SORTS",
    "TRACK_TOTAL",
    "EmbeddedSearch",
    "FacetValue",
    "SearchBackend",
    "SearchDocumentRow",
    "SearchResult",
    "create_search_schema",
    "document_body",
    "facet_filter",
    "index_search_document",
    "reindex_search",
    "search",
    "search_tables",
]
