"""Record versions over REST: a record's versions, a new version, the latest one.

=============================================  ===================================
``GET  /api/records/<id>/versions``            every version of the record's
                                               concept, oldest first (keyset
                                               pages: ``after`` = a version index)
``POST /api/records/<id>/versions``            the next version (201, Location):
                                               ``{"metadata": ...}`` in full, or
                                               ``{"from": "<version id>"}``
``GET  /api/records/<id>/versions/latest``     302 to the latest version (Invenio)
``GET  /api/concepts/<concept id>``            302 to the latest version
=============================================  ===================================

``from`` copies a version of the same concept (its metadata without its DOI,
its collections); a version of another concept is refused: a new version
continues one record's history, it never joins two. A concept whose every
version is deleted answers 410.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from oaiserver.documents import parse_body, record_document, record_input
from repository_core.concepts import concept_dois, version_page
from repository_core.errors import InvalidRecord, Problem, RecordNotFound
from repository_core.records import Record

from ..auth import require_token, token_problem
from ..current import current_services
from ..problems import problem

__all__ = ["bp", "concepts_bp", "parent_dois"]

bp = Blueprint("versions_api", __name__, url_prefix="/api/records")
concepts_bp = Blueprint("concepts_api", __name__, url_prefix="/api/concepts")

MAX_PAGE_SIZE = 100


def parent_dois(records: Sequence[Record]) -> Mapping[str, str | None]:
    """concept id -> the concept DOI this request may see (drafts: token holders only)."""
    services = current_services()
    if not any(r.concept_id for r in records):
        return {}
    with services.records.reading() as session:
        return concept_dois(session, [r.concept_id for r in records],
                            public=token_problem() is not None)


def document(record: Record, dois: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """The REST document of ``record`` with its concept DOI."""
    if dois is None:
        dois = parent_dois([record])
    return record_document(record, current_services().config.base_url,
                           concept_doi=dois.get(record.concept_id or ""))


def _api_url(record_id: str) -> str:
    base = current_services().config.base_url.rstrip("/")
    return f"{base}/api/records/{quote(record_id, safe='')}"


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InvalidRecord([Problem(f"/{name}", f"{name} is a whole number from {low} to {high}")])
    return value


@bp.get("/<record_id>/versions")
def list_versions(record_id: str) -> Response:
    services = current_services()
    record = services.records.get(record_id, include_deleted=True)
    size = _whole_number("size", 25, 1, MAX_PAGE_SIZE)
    after = _whole_number("after", 0, 0, 2**31 - 1)
    with services.records.reading() as session:
        versions, total = version_page(session, record.concept_id or "", after=after,
                                       limit=size)
    if token_problem() is not None:
        versions = services.records.public_views(versions)
    dois = parent_dois(versions[:1])
    base = _api_url(record.id) + "/versions"
    links = {"self": f"{base}?{urlencode({'size': size, 'after': after})}"}
    if len(versions) == size:
        links["next"] = f"{base}?{urlencode({'size': size, 'after': versions[-1].version_index})}"
    return jsonify({
        "hits": {"hits": [document(v, dois) for v in versions], "total": total},
        "links": links,
    })


def _latest_or(record: Record) -> Record:
    """The latest version of ``record``'s concept (``record`` when all are deleted)."""
    services = current_services()
    concept = services.records.concept(record.concept_id) if record.concept_id else None
    if concept is None or concept.latest_id is None or concept.latest_id == record.id:
        return record
    return services.records.get(concept.latest_id)


def _from_version(body: Mapping[str, Any], base: Record) -> tuple[str, list[str]]:
    """The id and collections of the version ``body["from"]`` names, which must be
    a version of ``base``'s concept (the service copies its metadata)."""
    unknown = sorted(set(body) - {"from"})
    if unknown:
        raise InvalidRecord([Problem(f"/{key}", "with 'from', send nothing else: the new "
                                                "version starts as a copy") for key in unknown])
    source_id = body["from"]
    if not isinstance(source_id, str) or not source_id:
        raise InvalidRecord([Problem("/from", "'from' is the id of a version")])
    try:
        source = current_services().records.get(source_id, include_deleted=True)
    except RecordNotFound:
        raise InvalidRecord([Problem("/from", f"no record with id {source_id!r}")]) from None
    if source.concept_id != base.concept_id:
        raise InvalidRecord([Problem("/from", f"{source_id!r} is a version of another record; "
                                              "a new version starts from one of its own")])
    return source.id, list(source.collections)


@bp.post("/<record_id>/versions")
@require_token
def create_version(record_id: str) -> Response:
    services = current_services()
    base = services.records.get(record_id, include_deleted=True)
    body = parse_body(request.get_data())
    copy_of = None
    metadata: Any = None
    if "from" in body:
        copy_of, collections = _from_version(body, base)
        chosen = None
    else:
        metadata, collections = record_input(body)
        if "collections" not in body:  # those of the version it follows
            collections = list(_latest_or(base).collections)
        chosen = body.get("id")
        if chosen is not None and not isinstance(chosen, str):
            raise InvalidRecord([Problem("/id", "an id is a string")])
    record = services.records.new_version(record_id, metadata, collections=collections,
                                          record_id=chosen, copy_of=copy_of)
    response = jsonify(document(record))
    response.status_code = 201
    response.headers["Location"] = _api_url(record.id)
    response.headers["ETag"] = f'"{record.revision}"'
    return response


def _to_latest(concept_id: str | None, named: str) -> Response:
    concept = current_services().records.concept(concept_id) if concept_id else None
    if concept is None:
        raise RecordNotFound(named)
    if concept.latest_id is None:
        return problem(410, "Gone", f"every version of {named!r} is deleted",
                       id=concept.id)
    # flask.redirect is annotated with werkzeug's base Response; the app builds a flask Response
    return cast(Response, redirect(_api_url(concept.latest_id), code=302))


@bp.get("/<record_id>/versions/latest")
def latest_version(record_id: str) -> Response:
    record = current_services().records.get(record_id, include_deleted=True)
    return _to_latest(record.concept_id, record_id)


@concepts_bp.get("/<concept_id>")
def concept(concept_id: str) -> Response:
    return _to_latest(concept_id, concept_id)
