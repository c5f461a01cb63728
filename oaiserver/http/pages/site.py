"""The pages a person browses: home, search, sets (the Blueprint ``bp``).

=========================  ==================================================
``GET /``                  home: name, description, record count, search box,
                           newest records, sets, how to harvest (JSON for a
                           client that prefers ``application/json``)
``GET /search``            results, facets, sort, keyset pages
``GET /sets``              every set with its member count
``GET /sets/<spec>``       one set: query (as a search), count, OAI-PMH URL
``GET /static/site.css``   the one stylesheet
=========================  ==================================================

The search page reads the same search service as ``GET /api/records?q=``
(``Services.search``: embedded or Elasticsearch) and the set pages the set
service; the page models are built in :mod:`.search_page` and rendered by
:mod:`.rendering`. A query that does not parse is a 400 whose body is the
search page with the parser's message and the position marked, not a
problem document.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from repository_core.errors import SetNotFound
from serializers.registry import FORMATS

from ..current import current_services
from .rendering import Site, render
from .search_page import hit_summary, run_search

__all__ = ["bp", "current_site"]

bp = Blueprint("site", __name__, static_folder="static", static_url_path="/static")

_HTML = "text/html; charset=utf-8"
#: newest records on the home page
NEWEST = 5


def current_site() -> Site:
    config = current_services().config
    return Site.from_base_url(config.repository_name, config.base_url)


def _page(template: str, status: int = 200, **context: object) -> Response:
    return Response(render(template, current_site(), **context), status=status,
                    content_type=_HTML)


def _prefers_json() -> bool:
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json" \
        and accept["application/json"] > accept["text/html"]


@bp.get("/")
def home() -> Response:
    services = current_services()
    config = services.config
    base = config.base_url.rstrip("/")
    if _prefers_json():
        response = jsonify({
            "name": config.repository_name,
            "links": {"records": f"{base}/api/records", "oai": f"{base}/oai?verb=Identify",
                      "openapi": f"{base}/api/openapi.json"},
        })
    else:
        newest = services.search.search(None, sort="newest", size=NEWEST, cursor=None,
                                        filters={}, facets=False)
        response = _page(
            "home.html", section="home",
            description=config.repository_description,
            total=newest.total,
            newest=[hit_summary(r) for r in newest.hits],
            sets=services.sets.overview(),
            oai_url=f"{base}/oai",
            oai_formats=[f.oai_prefix for f in FORMATS.oai_formats()],
        )
    response.vary.add("Accept")
    return response


@bp.get("/search")
def search() -> Response:
    services = current_services()
    view = run_search(services.search, request.args, stats_enabled=services.usage is not None,
                      sets=services.sets.list())
    return _page("search.html", status=400 if view.error else 200, section="search",
                 header_query=view.q, view=view)


@bp.get("/sets")
def sets() -> Response:
    return _page("sets.html", section="sets", sets=current_services().sets.overview())


@bp.get("/sets/<path:spec>")
def one_set(spec: str) -> Response:
    overview = current_services().sets.overview()
    found = next(((d, n) for d, n in overview if d.spec == spec), None)
    if found is None:
        return _page("not_found.html", status=404, section="sets",
                     message=str(SetNotFound(spec)))
    definition, members = found
    subsets = [(d, n) for d, n in overview if d.spec.startswith(spec + ":")]
    parents = [(d, n) for d, n in overview if spec.startswith(d.spec + ":")]
    base = current_services().config.base_url.rstrip("/")
    return _page("set.html", section="sets", set=definition, members=members,
                 subsets=subsets, parents=parents, oai_url=f"{base}/oai")
