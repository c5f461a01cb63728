"""The Flask blueprint of sitemaps, ``robots.txt`` and ResourceSync.

=========================================  ======================================
``GET /robots.txt``                        crawl rules and the sitemap's address
``GET /sitemap.xml``                       sitemap index (404 while no record is live)
``GET /sitemap-records.xml?after&last``    one sitemap page of landing pages
``GET /.well-known/resourcesync``          ResourceSync Source Description
``GET /resourcesync/capabilitylist.xml``   Capability List
``GET /resourcesync/resourcelist.xml``     Resource List index
``GET /resourcesync/resourcelist-page.xml?after&last``  one Resource List page
``GET /resourcesync/changelist.xml``       Change List index
``GET /resourcesync/changelist-page.xml?after&last``    one Change List page
=========================================  ======================================

Page sizes are ``OAISERVER_SITEMAP_PAGE_SIZE`` and
``OAISERVER_RESOURCESYNC_PAGE_SIZE``. A page URL that is not one the index
gives answers 400 naming the argument; a sitemap page whose records have
all changed since the index was read answers 404 (the protocol has no
empty sitemap): read the index again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.orm import Session

from repository_core.datestamps import utcnow
from repository_core.public_doi import public_records
from repository_core.syndication import (
    PageRange,
    PageRangeCache,
    entries_in,
    first_datestamp,
    records_in,
)
from serializers.context import ExportContext

from ..http.current import current_services
from ..http.problems import problem
from .ranges import BadRange, parse_range, range_query, w3c_datetime
from .resourcesync import (
    capability_list,
    change_of,
    list_index,
    list_page,
    record_resources,
    source_description,
)
from .sitemaps import robots_txt, sitemap_index, sitemap_page

__all__ = ["bp"]

bp = Blueprint("syndication", __name__)

_XML = "application/xml"
SITEMAP_INDEX = "/sitemap.xml"
SITEMAP_PAGE = "/sitemap-records.xml"
SOURCE_DESCRIPTION = "/.well-known/resourcesync"
CAPABILITY_LIST = "/resourcesync/capabilitylist.xml"
RESOURCE_LIST = "/resourcesync/resourcelist.xml"
RESOURCE_LIST_PAGE = "/resourcesync/resourcelist-page.xml"
CHANGE_LIST = "/resourcesync/changelist.xml"
CHANGE_LIST_PAGE = "/resourcesync/changelist-page.xml"


@bp.record_once
def _keep_page_ranges(state: BlueprintSetupState) -> None:
    state.app.extensions["oaiserver.page_ranges"] = PageRangeCache()


def _ranges(session: Session, page_size: int, *, include_deleted: bool = False
            ) -> list[PageRange]:
    """The index's page ranges, computed once per write (``PageRangeCache``)."""
    cache: PageRangeCache = current_app.extensions["oaiserver.page_ranges"]
    return cache.ranges(session, page_size, include_deleted=include_deleted)


def _context() -> ExportContext:
    ctx: ExportContext = current_services().export_context
    return ctx


def _url(path: str, page: PageRange | None = None) -> str:
    url = _context().base_url.rstrip("/") + path
    return f"{url}?{range_query(page)}" if page is not None else url


def _xml(body: bytes) -> Response:
    return Response(body, content_type=_XML)


def _xml_unless_unchanged(parts: Iterable[str], build: Callable[[], bytes]) -> Response:
    """A strong ETag of what the document is made of; 304 without writing it if it matches.

    Writing a sitemap is its cost; a crawler that comes back with
    ``If-None-Match`` is answered from the (datestamp, id) pairs alone.
    """
    tag = hashlib.sha256("\n".join([_context().base_url, *parts]).encode()).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = _xml(build())
    response.set_etag(tag)
    return response


def _requested_range() -> PageRange:
    return parse_range({key: request.args[key] for key in request.args})


@bp.errorhandler(BadRange)
def _bad_range(exc: BadRange) -> Response:
    return problem(400, "Bad Request", str(exc))


# -- sitemaps -------------------------------------------------------------------
@bp.get("/robots.txt")
def robots() -> Response:
    body = robots_txt(_context().base_url, _url(SITEMAP_INDEX))
    return Response(body, content_type="text/plain; charset=utf-8")


@bp.get(SITEMAP_INDEX)
def sitemap() -> Response:
    services = current_services()
    with services.records.reading() as session:
        ranges = _ranges(session, services.config.sitemap_page_size)
    if not ranges:
        return problem(404, "Not Found", "no record is published yet, so there is no sitemap")
    return _xml_unless_unchanged(
        (range_query(r) for r in ranges),
        lambda: sitemap_index((_url(SITEMAP_PAGE, r), r.last.datestamp) for r in ranges))


@bp.get(SITEMAP_PAGE)
def sitemap_records() -> Response:
    services = current_services()
    page = _requested_range()
    with services.records.reading() as session:
        entries = entries_in(session, page, limit=services.config.sitemap_page_size)
    if not entries:
        return problem(404, "Not Found", "the records of this page have all changed since "
                       f"the index was read; read {_url(SITEMAP_INDEX)} again")
    ctx = _context()
    return _xml_unless_unchanged(
        (f"{w3c_datetime(e.datestamp)}~{e.id}" for e in entries),
        lambda: sitemap_page((ctx.landing_url(e.id), e.datestamp) for e in entries))


# -- ResourceSync -----------------------------------------------------------------
@bp.get(SOURCE_DESCRIPTION)
def resourcesync_source() -> Response:
    return _xml(source_description(_url(CAPABILITY_LIST), described_by=_url("/")))


@bp.get(CAPABILITY_LIST)
def resourcesync_capabilities() -> Response:
    return _xml(capability_list(up=_url(SOURCE_DESCRIPTION), resource_list=_url(RESOURCE_LIST),
                                change_list=_url(CHANGE_LIST)))


@bp.get(RESOURCE_LIST)
def resource_list() -> Response:
    services = current_services()
    at = utcnow()
    with services.records.reading() as session:
        ranges = _ranges(session, services.config.resourcesync_page_size)
    pages: list[tuple[str, dict[str, str]]] = [(_url(RESOURCE_LIST_PAGE, r), {})
                                               for r in ranges]
    return _xml(list_index("resourcelist", up=_url(CAPABILITY_LIST),
                           md={"at": w3c_datetime(at)}, pages=pages))


@bp.get(RESOURCE_LIST_PAGE)
def resource_list_page() -> Response:
    services = current_services()
    page = _requested_range()
    at = utcnow()
    with services.records.reading() as session:
        records = public_records(session, records_in(
            session, page, limit=services.config.resourcesync_page_size))
    ctx = _context()
    entries = [entry for record in records for entry in record_resources(record, ctx)]
    completed = utcnow()
    return _xml(list_page("resourcelist", up=_url(CAPABILITY_LIST), index=_url(RESOURCE_LIST),
                          md={"at": w3c_datetime(at), "completed": w3c_datetime(completed)},
                          entries=entries))


@bp.get(CHANGE_LIST)
def change_list() -> Response:
    services = current_services()
    with services.records.reading() as session:
        ranges = _ranges(session, services.config.resourcesync_page_size,
                         include_deleted=True)
        first = first_datestamp(session, include_deleted=True)
    first = first or utcnow()  # no record at all: an empty list from now on
    pages = [(_url(CHANGE_LIST_PAGE, r),
              {"from": w3c_datetime(r.after.datestamp if r.after is not None else first),
               "until": w3c_datetime(r.last.datestamp)})
             for r in ranges]
    md = {"from": w3c_datetime(first)}
    return _xml(list_index("changelist", up=_url(CAPABILITY_LIST), md=md, pages=pages))


@bp.get(CHANGE_LIST_PAGE)
def change_list_page() -> Response:
    services = current_services()
    page = _requested_range()
    with services.records.reading() as session:
        records = public_records(session, records_in(
            session, page, limit=services.config.resourcesync_page_size, include_deleted=True))
    ctx = _context()
    entries = [entry for record in records
               for entry in record_resources(record, ctx, change=change_of(record))]
    start = (page.after.datestamp if page.after is not None
             else records[0].datestamp if records else page.last.datestamp)
    md = {"from": w3c_datetime(start), "until": w3c_datetime(page.last.datestamp)}
    return _xml(list_page("changelist", up=_url(CAPABILITY_LIST), index=_url(CHANGE_LIST),
                          md=md, entries=entries))
