"""Record pages: one URL per record, every registered format by content negotiation.

Routes (the Blueprint ``bp``, registered without a URL prefix, since the
export and linkset URLs are built from ``ExportContext.landing_url``):

=================================  ===========================================
``GET /records/<id>``              Accept / ``?format=`` -> landing page or a
                                   format; ``Vary: Accept``; 406 lists types
``GET /records/<id>/export/<fmt>`` one format as a download (Content-Disposition)
``GET /records/<id>/linkset``      FAIR Signposting level 2 (linkset+json)
``GET /records/<id>/latest``       302 to the landing page of the latest version
                                   (landing pages link versions as RFC 5829 does:
                                   ``latest-version``, ``predecessor-version``,
                                   ``successor-version``, ``version-history``)
``GET /doi/<doi>``                 302 to the record's landing page; a concept
                                   DOI to its latest version's
=================================  ===========================================

A concept id in place of a record id (``/records/<concept id>``) redirects
(302) to the landing page of the concept's latest version, so the concept's
own URL ("Cite all versions" when no concept DOI is minted) always leads to
the newest version.

Every representation has an ``ETag`` (record id, revision, format, params)
and ``Last-Modified`` (the datestamp) and answers conditional GETs with 304;
the landing page shows usage figures, so its ETag covers them too and its
``Last-Modified`` is the later of the datestamp and the last processing run.
A landing page or an export served (200 or 304) counts as a ``Regular``
COUNTER investigation (``oaiserver.http.usage``);
HEAD works everywhere (Flask derives it from GET). A deleted record answers
410 Gone with a small tombstone: JSON for JSON clients, HTML for browsers,
plain text otherwise. ``text/x-bibliography`` takes ``style`` and
``locale`` as media type parameters or query arguments.

The views only parse, call, and answer; the choices live in
``negotiation`` (which format), ``landing`` (HTML) and ``signposting``
(links) beside this module, and ``serializers`` (bytes).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import cast
from urllib.parse import quote

from flask import Blueprint, Response, redirect, request

from repository_core.dois import bare_doi
from repository_core.errors import RecordDeleted, RecordNotFound
from repository_core.harvest.sources import provenance_of
from repository_core.records import Record
from repository_core.sets import SetDefinition
from serializers import citation, tombstone
from serializers.context import ExportContext
from serializers.export_errors import StyleFailed, UnknownLocale, UnknownStyle
from serializers.registry import FORMATS, Format

from ..current import current_services
from ..usage import RecordFigures, count_use, record_figures
from .landing import VersionsShown, render_landing_page, render_tombstone_page
from .negotiation import Choice, NotAcceptable, negotiate
from .signposting import (
    LINKSET_MEDIA_TYPE,
    Link,
    header_safe,
    link_header,
    linkset,
    record_links,
)

__all__ = ["bp"]

bp = Blueprint("record_pages", __name__)

#: where the valid style names are listed, instead of sending all 10,000 of them
STYLE_LIST = ("styles are named as the files of the CSL style repository, without '.csl': "
              "https://github.com/citation-style-language/styles (for example apa, ieee, "
              "chicago-author-date, harvard-cite-them-right, nature, vancouver)")

_HTML = "text/html; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"




def _plain(status: int, message: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status=status, content_type=_TEXT)


def _load(record_id: str) -> Record:
    """The live record; raises RecordNotFound / RecordDeleted (handled by the views)."""
    records = current_services().records
    return records.public_view(records.get(record_id))


def _live_or_answer(record_id: str, ctx: ExportContext,
                    tombstone_kind: str) -> tuple[Record | None, Response | None]:
    """(the live record, None), or (None, the 404 or the 410 tombstone to send instead)."""
    try:
        return _load(record_id), None
    except RecordNotFound:
        return None, _plain(404, f"no record with id {record_id!r}")
    except RecordDeleted as exc:
        return None, _gone(exc.record, ctx, tombstone_kind)


def _etag(record: Record, variant: str, params: Mapping[str, str] | None = None,
          figures: RecordFigures | None = None) -> str:
    shown = [f"{k}={v}" for k, v in sorted(figures.as_dict().items())] if figures else []
    key = "\x00".join([record.id, str(record.revision), variant,
                       *(f"{k}={v}" for k, v in sorted((params or {}).items())), *shown])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _finish(response: Response, record: Record, variant: str,
            params: Mapping[str, str] | None = None,
            figures: RecordFigures | None = None) -> Response:
    """Validators, then the conditional answer; ``figures`` shown on the page are
    part of both (statistics move the page's validators, never the record's)."""
    response.set_etag(_etag(record, variant, params, figures), weak=True)
    modified = record.datestamp
    if figures is not None and figures.processed_at is not None:
        modified = max(modified, figures.processed_at)
    response.last_modified = modified
    # werkzeug annotates make_conditional as returning its base Response; it returns self
    return cast(Response, response.make_conditional(request))


def _citation_params(choice_params: Mapping[str, str]) -> dict[str, str]:
    style = request.args.get("style") or choice_params.get("style") or citation.DEFAULT_STYLE
    locale = request.args.get("locale") or choice_params.get("locale") or citation.DEFAULT_LOCALE
    return {"style": style, "locale": locale}


def _body(record: Record, ctx: ExportContext, fmt: Format,
          params: Mapping[str, str]) -> bytes:
    if fmt.name == "citation":
        return (citation.render(record, ctx, style=params["style"], locale=params["locale"])
                + "\n").encode("utf-8")
    return fmt.dump(record, ctx)


def _format_response(record: Record, ctx: ExportContext, fmt: Format,
                     choice_params: Mapping[str, str]) -> tuple[Response, dict[str, str]]:
    params = _citation_params(choice_params) if fmt.name == "citation" else {}
    try:
        body = _body(record, ctx, fmt, params)
    except UnknownStyle as exc:
        return _plain(400, f"{exc}\n{STYLE_LIST}\n"), params
    except UnknownLocale as exc:
        return _plain(400, f"{exc}"), params
    except StyleFailed as exc:
        return _plain(422, f"{exc}\n"), params
    return Response(body, content_type=fmt.content_type), params


def _versions_shown(record: Record) -> VersionsShown | None:
    """The record's concept as its landing page shows it (the concept DOI when public).

    None for a harvested record: its versions are made, and cited, at its source."""
    if record.concept_id is None or record.harvested:
        return None
    records = current_services().records
    concept = records.concept(record.concept_id, public=True)
    return VersionsShown(record.concept_id, concept.doi if concept else None,
                         records.versions(record.id))


def _landing_response(record: Record, ctx: ExportContext, figures: RecordFigures | None,
                      sets: Sequence[SetDefinition], versions: VersionsShown | None
                      ) -> Response:
    formats = FORMATS.negotiable(record)
    canonical = _source_page(record)
    page = render_landing_page(record, ctx, formats,
                               stats=figures.totals if figures else None, sets=sets,
                               canonical=canonical, versions=versions)
    response = Response(page, content_type=_HTML)
    links = record_links(record, ctx, formats)
    if canonical:
        links.append(Link(header_safe(canonical), "canonical"))
    links += _version_links(record, ctx, versions)
    response.headers["Link"] = link_header(links)
    return response


def _version_links(record: Record, ctx: ExportContext,
                   versions: VersionsShown | None) -> list[Link]:
    """RFC 5829 links between versions: the latest, the neighbours, the history."""
    if versions is None:
        return []
    live = [v for v in versions.versions if not v.deleted]
    links = [Link(f"{ctx.base_url.rstrip('/')}/api/records/{quote(record.id, safe='')}"
                  "/versions", "version-history", "application/json")]
    latest = next((v for v in live if v.is_latest), None)
    if latest is not None and latest.id != record.id:
        links.append(Link(ctx.landing_url(latest.id), "latest-version"))
    before = [v for v in live if v.version_index < record.version_index]
    after = [v for v in live if v.version_index > record.version_index]
    if before:
        links.append(Link(ctx.landing_url(before[-1].id), "predecessor-version"))
    if after:
        links.append(Link(ctx.landing_url(after[0].id), "successor-version"))
    return links


def _source_page(record: Record) -> str | None:
    """A harvested record's page at its source, when its metadata names one."""
    if not record.harvested:
        return None
    with current_services().records.reading() as session:
        origin = provenance_of(session, [record.id]).get(record.id)
    return origin.landing_url if origin is not None else None


def _tombstone_kind(choice: Choice | None) -> str:
    if choice is None:
        return "text"
    if choice.is_landing_page:
        return "html"
    return "json" if choice.media_type.endswith("json") else "text"


def _gone(record: Record, ctx: ExportContext, kind: str) -> Response:
    """410 with a tombstone: ``kind`` is "json", "html" or "text"."""
    if kind == "html":
        response = Response(render_tombstone_page(record, ctx, latest_url=_live_latest(record)),
                            status=410, content_type=_HTML)
    elif kind == "json":
        response = Response(tombstone.dump_json(record, ctx), status=410,
                            content_type="application/json")
    else:
        response = Response(tombstone.dump_text(record, ctx), status=410, content_type=_TEXT)
    response.last_modified = record.datestamp
    return response


def _live_latest(record: Record) -> str | None:
    """The landing page of the latest version of a deleted record's concept, if any."""
    if record.concept_id is None or record.harvested:
        return None
    concept = current_services().records.concept(record.concept_id)
    if concept is None or concept.latest_id is None:
        return None
    return str(current_services().export_context.landing_url(concept.latest_id))


def _not_acceptable(exc: NotAcceptable) -> Response:
    lines = [f"406 Not Acceptable: cannot serve {exc.requested!r}.", "",
             "Available media types:", *(f"  {t}" for t in exc.available), "",
             "Or ask by name with ?format=<name>: " + ", ".join(["html", *exc.names])]
    return _plain(406, "\n".join(lines))


@bp.get("/records/<record_id>")
def record_page(record_id: str) -> Response:
    ctx: ExportContext = current_services().export_context
    deleted: Record | None = None
    try:
        record = _load(record_id)
    except RecordNotFound:
        return _concept_redirect(record_id) or _plain(404, f"no record with id {record_id!r}")
    except RecordDeleted as exc:
        record = deleted = exc.record
    formats = FORMATS.negotiable(record)
    try:
        choice: Choice | None = negotiate(request.headers.get("Accept"),
                                          format_param=request.args.get("format"), formats=formats)
    except NotAcceptable as exc:
        if deleted is not None:
            choice = None
        else:
            response = _not_acceptable(exc)
            response.vary.add("Accept")
            return response
    if deleted is not None:
        response = _gone(deleted, ctx, _tombstone_kind(choice))
        response.vary.add("Accept")
        return response
    assert choice is not None
    figures = None
    if choice.format is None:
        figures = record_figures(record.id)
        sets = current_services().sets.sets_of(record.id)
        versions = _versions_shown(record)
        response = _landing_response(record, ctx, figures, sets, versions)
        # the sets and versions shown are part of the page's validators, as the figures are
        params: dict[str, str] = {"sets": " ".join(f"{d.spec}={d.name}" for d in sets),
                                  "versions": versions.validator() if versions else ""}
        variant = "html"
    else:
        response, params = _format_response(record, ctx, choice.format, choice.params)
        variant = choice.format.name
    response.vary.add("Accept")
    if response.status_code != 200:
        return response
    response = _finish(response, record, variant, params, figures)
    count_use(record.id, "Regular", response.status_code)
    return response


def _redirect(url: str) -> Response:
    # flask.redirect is annotated with werkzeug's base Response; the app builds a flask Response
    return cast(Response, redirect(url, code=302))


def _concept_redirect(concept_id: str) -> Response | None:
    """The concept's latest version (a 410 once every version is deleted); None
    when ``concept_id`` names no concept."""
    concept = current_services().records.concept(concept_id)
    if concept is None:
        return None
    if concept.latest_id is None:
        return _plain(410, f"every version of {concept_id!r} is deleted")
    return _redirect(current_services().export_context.landing_url(concept.latest_id))


@bp.get("/records/<record_id>/latest")
def latest_version_page(record_id: str) -> Response:
    try:
        record = current_services().records.get(record_id, include_deleted=True)
    except RecordNotFound:
        return _plain(404, f"no record with id {record_id!r}")
    return (_concept_redirect(record.concept_id or "")
            or _plain(404, f"no record with id {record_id!r}"))


@bp.get("/records/<record_id>/export/<name>")
def export(record_id: str, name: str) -> Response:
    ctx: ExportContext = current_services().export_context
    fmt = FORMATS.get(name)
    if fmt is None or fmt.media_type is None:
        names = ", ".join(f.name for f in FORMATS.negotiable())
        return _plain(404, f"no export format {name!r}; formats: {names}")
    record, refused = _live_or_answer(record_id, ctx, _tombstone_kind(Choice(fmt, fmt.media_type)))
    if refused is not None:
        return refused
    assert record is not None
    if not fmt.available(record):
        return _plain(404, f"format {name!r} is not available for record {record_id!r} "
                           f"({fmt.unavailable_reason})")
    response, params = _format_response(record, ctx, fmt, {})
    if response.status_code != 200:
        return response
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", record.id).strip("._") or "record"
    response.headers.set("Content-Disposition", "attachment",
                         filename=fmt.filename or f"{safe_id}-{fmt.name}.{fmt.extension}")
    response = _finish(response, record, fmt.name, params)
    count_use(record.id, "Regular", response.status_code)
    return response


@bp.get("/records/<record_id>/linkset")
def record_linkset(record_id: str) -> Response:
    ctx: ExportContext = current_services().export_context
    record, refused = _live_or_answer(record_id, ctx, "json")
    if refused is not None:
        return refused
    assert record is not None
    versions = _versions_shown(record)
    body = json.dumps(linkset(record, ctx, FORMATS.negotiable(record),
                              _version_links(record, ctx, versions)), indent=2)
    response = Response(body, content_type=LINKSET_MEDIA_TYPE)
    # the version links change when another version is published: part of the validator
    return _finish(response, record, "linkset",
                   {"versions": versions.validator() if versions else ""})


@bp.get("/doi/<path:doi>")
def resolve_doi(doi: str) -> Response:
    services = current_services()
    doi = bare_doi(doi)  # https://doi.org/10.x/y and doi:10.x/y name the same DOI
    try:
        record = services.records.get_by_doi(doi)
    except RecordNotFound:
        return _concept_doi_redirect(doi) or _plain(404, f"no record with DOI {doi!r}")
    except RecordDeleted as exc:
        record = exc.record
    if services.records.public_view(record).doi is None:  # a draft DOI is not public yet
        return _plain(404, f"no record with DOI {doi!r}")
    # flask.redirect is annotated with werkzeug's base Response; the app builds a flask Response
    return cast(Response, redirect(services.export_context.landing_url(record.id), code=302))


def _concept_doi_redirect(doi: str) -> Response | None:
    """A concept DOI resolves to the latest version's landing page (410 once every
    version is deleted)."""
    concept = current_services().records.concept_by_doi(doi, public=True)
    if concept is None:
        return None
    return _concept_redirect(concept.id)
