"""The search page's model: request arguments in, what the template shows out.

No Flask here: :func:`run_search` takes the arguments as a mapping (a
Werkzeug ``MultiDict`` or a dict of lists) and the search service
(:class:`repository_core.search.SearchBackend`, the one behind
``GET /api/records?q=``), so there is one query path for the API and the
pages.

Arguments: ``q``, ``sort`` (``relevance``, ``newest``, ``oldest``, ``title``,
and ``mostviewed`` when statistics are on), the facet filters of the search
service (``resource_type``, ``year``, ``subject``, ``publisher``, ``language``; repeat one
to accept any of its values), ``page`` (the service's keyset cursor) and
``start`` (how many hits came before this page, for "results 21 to 40") and
``all_versions`` (a checkbox: every version of each record, where the search
otherwise shows the latest version of each).

Paging is keyset paging for every sort. Ranked by relevance, the pages
stop after the first :data:`RELEVANCE_WINDOW` hits, as Elasticsearch's
``index.max_result_window`` does: beyond that a ranking means little, and
``newest`` / ``oldest`` / ``title`` page through everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from repository_core.errors import InvalidQuery
from repository_core.query.fields import normalise
from repository_core.query.parser import parse_query
from repository_core.records import Record
from repository_core.search import FACETS, SearchBackend
from repository_core.service import NOT_XML_CHARACTER
from repository_core.sets import SetDefinition
from serializers.datacite_reading import doi_url, main_title, publisher_name, text

__all__ = ["FACET_LABELS", "PAGE_SIZE", "RELEVANCE_WINDOW", "SearchView", "hit_summary",
           "run_search", "set_search_query"]

PAGE_SIZE = 20
RELEVANCE_WINDOW = 10_000
#: facets shown, in this order, with their headings
FACET_LABELS: Mapping[str, str] = {
    "resource_type": "Resource type",
    "year": "Publication year",
    "subject": "Subject",
    "publisher": "Publisher",
    "language": "Language",
}
SORT_LABELS: Mapping[str, str] = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title (A to Z)",
    "mostviewed": "Most viewed",
}
#: creators listed on a hit before "et al."
CREATORS_SHOWN = 5


@dataclass(frozen=True)
class QueryError:
    message: str
    #: the text the position points into, and the 0-based position (None: not known)
    text: str = ""
    position: int | None = None
    parameter: str | None = None


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int | None  # None: not counted (sets)
    url_params: list[tuple[str, str]]
    selected: bool


@dataclass
class SearchView:
    q: str
    sort: str
    sorts: list[tuple[str, str]]
    filters: dict[str, list[str]]
    error: QueryError | None = None
    total: int = 0
    #: False when ``total`` is a lower bound (a broad match is counted up to a cap)
    total_exact: bool = True
    start: int = 0
    hits: list[dict[str, Any]] = field(default_factory=list)
    facets: list[tuple[str, str, list[FacetLink]]] = field(default_factory=list)
    #: (facet label, value, the arguments without this filter)
    active: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)
    next_params: list[tuple[str, str]] | None = None
    first_params: list[tuple[str, str]] | None = None
    #: the relevance window ended the pages here
    window_reached: bool = False
    #: the arguments of this search without the page (for the sort form's hidden fields)
    base_params: list[tuple[str, str]] = field(default_factory=list)
    #: every version of each record, not only the latest
    all_versions: bool = False


def _values(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        raw = args.getlist(name)
    else:
        value = args.get(name)
        raw = [] if value is None else (value if isinstance(value, list) else [value])
    return [str(v) for v in raw if str(v) != ""]


def hit_summary(record: Record) -> dict[str, Any]:
    """What a result list shows of a record: title, creators, year, type, DOI, version."""
    metadata = record.metadata or {}
    creators = [text(c.get("name")) for c in metadata.get("creators") or [] if text(c.get("name"))]
    types = metadata.get("types") or {}
    doi = record.doi or text(metadata.get("doi"))
    return {
        "id": record.id,
        "title": main_title(metadata) or record.id,
        "creators": creators[:CREATORS_SHOWN],
        "more_creators": max(0, len(creators) - CREATORS_SHOWN),
        "year": text(metadata.get("publicationYear")),
        "type": text(types.get("resourceTypeGeneral")) or text(types.get("resourceType")),
        "publisher": publisher_name(metadata),
        "doi": doi or None,
        "doi_url": doi_url(doi) if doi else None,
        # shown for a record with several versions (all_versions lists the older ones)
        "version": (record.version_index
                    if record.version_index > 1 or not record.is_latest else None),
        "latest": record.is_latest,
    }


def set_search_query(definition: SetDefinition, subsets: Sequence[SetDefinition]) -> str:
    """The search that finds a set's live members: its query, or (a set with defined
    subsets, whose records are members too) its query and theirs joined by OR."""
    queries = [definition.query, *(d.query for d in subsets)]
    if len(queries) == 1:
        return queries[0]
    return " OR ".join(f"({q})" for q in queries)


def _set_clause(chosen: Sequence[str], sets: Sequence[SetDefinition]) -> str:
    """The query that finds the members of any of the ``chosen`` sets (subsets included)."""
    clauses = []
    for spec in chosen:
        definition = next(d for d in sets if d.spec == spec)
        subsets = [d for d in sets if d.spec.startswith(spec + ":")]
        clauses.append(f"({set_search_query(definition, subsets)})")
    return " OR ".join(clauses)


def run_search(backend: SearchBackend, args: Mapping[str, Any], *,
               stats_enabled: bool, sets: Sequence[SetDefinition] = ()) -> SearchView:
    """One search page. ``set`` arguments (set specs; any of several) narrow the search
    to the sets' members: their queries are joined to ``q`` with AND, so the same
    search service answers, on either engine."""
    q = (args.get("q") or "").strip()
    sorts = [(k, v) for k, v in SORT_LABELS.items() if k != "mostviewed" or stats_enabled]
    sort = args.get("sort") or "relevance"
    filters = {name: _values(args, name) for name in FACETS if _values(args, name)}
    chosen_sets = list(dict.fromkeys(_values(args, "set")))
    base = [("q", q)] if q else []
    if sort != "relevance":
        base.append(("sort", sort))
    base += [(name, v) for name, values in filters.items() for v in values]
    base += [("set", spec) for spec in chosen_sets]
    every_version = str(args.get("all_versions") or "").lower() in {"1", "true", "on", "yes"}
    if every_version:
        base.append(("all_versions", "true"))
    view = SearchView(q=q, sort=sort, sorts=sorts, filters=filters, base_params=base,
                      all_versions=every_version)
    known = {d.spec: d for d in sets}
    for spec in chosen_sets:
        if spec not in known:
            view.error = QueryError(f"there is no set {spec!r}", parameter="set")
            return view
    try:
        start = max(0, int(args.get("start") or 0))
    except ValueError:
        start = 0

    for name, checked in [("q", [q]), *filters.items()]:
        for value in checked:
            if NOT_XML_CHARACTER.search(value):
                view.error = QueryError("control characters cannot be searched for",
                                        parameter=None if name == "q" else name)
                return view
    if sort not in dict(sorts):
        view.error = QueryError(f"there is no sort {sort!r}; choose one of "
                                + ", ".join(label.lower() for _, label in sorts))
        return view
    cursor = args.get("page") or None
    if sort == "relevance" and start >= RELEVANCE_WINDOW:
        view.error = QueryError(f"results ranked by relevance end after the first "
                                f"{RELEVANCE_WINDOW:,}; sort by newest, oldest or title to see more")
        return view
    searched = q
    try:
        if chosen_sets:
            if q:
                parse_query(q)  # its errors name positions in what the person typed
            clause = _set_clause(chosen_sets, sets)
            searched = f"({q}) AND ({clause})" if q else clause
        result = backend.search(searched or None, sort=sort, size=PAGE_SIZE, cursor=cursor,
                                filters=filters, facets=True, all_versions=every_version)
    except InvalidQuery as exc:
        shown = q if exc.parameter is None and (exc.query or q) == q else ""
        position = exc.position if exc.position is not None and shown else None
        view.error = QueryError(str(exc), text=shown, position=position,
                                parameter=exc.parameter)
        return view

    view.total = result.total
    view.total_exact = result.total_exact
    view.start = start if cursor else 0
    view.hits = [hit_summary(r) for r in result.hits]
    for name, heading in FACET_LABELS.items():
        values = result.facets.get(name) or []
        chosen = {normalise(v): v for v in filters.get(name, [])}  # as keyword values compare

        def without(key: str, name: str = name) -> list[tuple[str, str]]:
            return [p for p in base if p[0] != name or normalise(p[1]) != normalise(key)]

        links = []
        for value in values:
            selected = normalise(value.key) in chosen
            params = without(value.key) if selected else [*base, (name, value.key)]
            links.append(FacetLink(value.label, value.count, params, selected))
        if links:
            view.facets.append((name, heading, links))
        labels = {normalise(v.key): v.label for v in values}
        for folded, given in chosen.items():
            view.active.append((heading, labels.get(folded, given), without(given)))
    if sets:
        links = []
        for definition in sets:
            selected = definition.spec in chosen_sets
            params = ([p for p in base if p != ("set", definition.spec)] if selected
                      else [*base, ("set", definition.spec)])
            links.append(FacetLink(definition.name, None, params, selected))
        view.facets.append(("set", "Set", links))
        for spec in chosen_sets:
            view.active.append(("Set", known[spec].name,
                                [p for p in base if p != ("set", spec)]))
    shown_until = view.start + len(result.hits)
    if result.next_cursor:
        if sort == "relevance" and shown_until >= RELEVANCE_WINDOW:
            view.window_reached = True
        else:
            view.next_params = [*base, ("page", result.next_cursor), ("start", str(shown_until))]
    if cursor:
        view.first_params = base
    return view
