"""The search behind ``GET /api/records?q=...``: request arguments in, a plain dict out.

The records list view (:mod:`.records`) calls :func:`search_records` with
the configured engine (``Services.search``) when search arguments are
present. Arguments:

``q``         the query language (``repository_core.query``); blank = everything
``sort``      ``relevance`` (default), ``newest``, ``oldest``, ``title`` (main
              title, case-insensitive, A to Z), ``mostviewed``
              (all-time unique investigations; only with statistics on)
``size``      1..100 (default 20)
``page``      the opaque cursor from ``links.next`` (keyset; no offsets)
``facets``    ``0``/``false`` to leave facet counts out
``all_versions`` ``true`` for every version of each record; by default only
              the latest version of each concept matches (facets count the same)
``resource_type``, ``year``, ``subject``, ``language``, ``publisher``
              facet filters (``publisher``: the publisher's whole name, any case); repeat a parameter to accept any of its values

With statistics on, every hit carries its ``stats`` (one query for the page).

``hits.total`` is exact up to ``TRACK_TOTAL`` (10,000) matches
(``hits.total_relation`` ``eq``); past that it is 10,000 and
``total_relation`` is ``gte`` (as Elasticsearch's ``track_total_hits``
reports it). The facets count every match when at most ``FACET_HITS``
(500) match, and the top 500 hits in the search's order when more do.

Errors are domain errors (``InvalidQuery`` -> 400 naming the position,
``InvalidRecord`` for a bad ``size``); the app turns them into problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from oaiserver.documents import record_document
from repository_core.errors import InvalidQuery, InvalidRecord, Problem
from repository_core.records import Record
from repository_core.search import FACETS, MAX_SIZE, SearchBackend
from repository_core.service import NOT_XML_CHARACTER

__all__ = ["SEARCH_ARGS", "Figures", "all_versions_arg", "search_records"]

#: arguments that make a list request a search
SEARCH_ARGS = frozenset({"q", "sort", "facets", "page", "all_versions", *FACETS})

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def all_versions_arg(args: Mapping[str, Any]) -> bool:
    """``all_versions`` as a flag; a value that is neither true nor false is a problem."""
    value = str(args.get("all_versions", "")).strip().lower()
    if value not in _TRUE | _FALSE:
        raise InvalidRecord([Problem("/all_versions", "all_versions is true or false")])
    return value in _TRUE


def _getlist(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        return [v for v in args.getlist(name) if v != ""]
    value = args.get(name)
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if v != ""]


#: record ids -> each record's usage figures (None: statistics are off)
Figures = Callable[[Sequence[str]], Mapping[str, Mapping[str, int]]]


#: records -> their concepts' DOIs (concept id -> DOI or None)
Parents = Callable[[Sequence[Record]], Mapping[str, str | None]]


def search_records(backend: SearchBackend, args: Mapping[str, Any], *,
                   base_url: str, figures: Figures | None = None,
                   parents: Parents | None = None) -> dict[str, Any]:
    """Run one search request; the result is ready for ``jsonify``."""
    for name in args:
        for value in _getlist(args, name):
            if NOT_XML_CHARACTER.search(value):
                raise InvalidRecord([Problem(f"/{name}", "control characters are not allowed")])
    q = args.get("q") or None
    sort = args.get("sort") or "relevance"
    if sort == "mostviewed" and figures is None:
        raise InvalidQuery("sort 'mostviewed' needs usage statistics, which are off on "
                           "this server (OAISERVER_STATS_ENABLED)")
    raw_size = args.get("size") or "20"
    try:
        size = int(raw_size)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_SIZE:
        raise InvalidRecord([Problem("/size", f"size is a whole number from 1 to {MAX_SIZE}")])
    with_facets = str(args.get("facets", "1")).lower() not in {"0", "false", "no", "off"}
    filters = {name: _getlist(args, name) for name in FACETS if _getlist(args, name)}
    every_version = all_versions_arg(args)
    result = backend.search(q, sort=sort, size=size, cursor=args.get("page") or None,
                            filters=filters, facets=with_facets, all_versions=every_version)

    shown = figures([r.id for r in result.hits]) if figures is not None else {}
    dois = parents(result.hits) if parents is not None else {}
    base = base_url.rstrip("/")
    keep: list[tuple[str, str]] = [(k, v) for k in ("q", "sort", "facets") if (v := args.get(k))]
    keep += [(name, v) for name, values in filters.items() for v in values]
    if every_version:
        keep.append(("all_versions", "true"))
    keep.append(("size", str(size)))
    links = {"self": f"{base}/api/records?{urlencode(keep + ([('page', args['page'])] if args.get('page') else []))}"}
    if result.next_cursor:
        links["next"] = f"{base}/api/records?{urlencode(keep + [('page', result.next_cursor)])}"
    body: dict[str, Any] = {
        "hits": {"hits": [record_document(r, base, shown.get(r.id),
                                          concept_doi=dois.get(r.concept_id or ""))
                          for r in result.hits],
                 "total": result.total,
                 "total_relation": "eq" if result.total_exact else "gte"},
        "sort": sort,
        "links": links,
    }
    if with_facets:
        body["aggregations"] = {
            name: {"buckets": [{"key": f.key, "label": f.label, "doc_count": f.count}
                               for f in values]}
            for name, values in result.facets.items()
        }
    return body
