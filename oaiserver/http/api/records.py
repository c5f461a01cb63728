"""``/api/records``: create, read, replace, patch, delete, list.

Each view parses the request, calls the service, and returns a document;
errors are domain errors turned into problem responses by the app.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from oaiserver.documents import (
    decode_cursor,
    encode_cursor,
    etag_for,
    merge_patch,
    parse_body,
    record_document,
    record_input,
    revision_from_if_match,
)
from repository_core.errors import InvalidRecord, Problem
from repository_core.records import Cursor

from ..auth import require_token, token_problem
from ..current import current_services
from ..usage import count_use, hits_figures, record_figures
from .search import SEARCH_ARGS, search_records
from .versions import document, parent_dois

__all__ = ["MAX_PAGE_SIZE", "bp"]

bp = Blueprint("records_api", __name__, url_prefix="/api/records")

MAX_PAGE_SIZE = 1000


def _send(record: Any, status: int = 200, *, with_stats: bool = False) -> Response:
    services = current_services()
    figures = record_figures(record.id) if with_stats else None
    response = jsonify(record_document(record, services.config.base_url,
                                       figures.as_dict() if figures else None,
                                       concept_doi=parent_dois([record]).get(
                                           record.concept_id or "")))
    response.status_code = status
    response.headers["ETag"] = etag_for(record)
    return response


def _size(default: int = 25) -> int:
    raw = request.args.get("size", str(default))
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRecord([Problem("/size", f"size is a whole number from 1 to {MAX_PAGE_SIZE}")])
    return size


@bp.get("")
def list_records() -> Response:
    services = current_services()
    if SEARCH_ARGS & set(request.args):
        return jsonify(search_records(services.search, request.args,
                                      base_url=services.config.base_url,
                                      figures=hits_figures if services.usage else None,
                                      parents=parent_dois))
    size = _size()
    after = decode_cursor(request.args["after"]) if "after" in request.args else None
    records, total = services.records.list(after=after, limit=size)
    if token_problem() is not None:
        records = services.records.public_views(records)
    dois = parent_dois(records)
    base = services.config.base_url.rstrip("/")
    links = {"self": f"{base}/api/records?{urlencode(request.args)}"}
    if len(records) == size:
        last = records[-1]
        cursor = encode_cursor(Cursor(last.datestamp, last.id))
        links["next"] = f"{base}/api/records?{urlencode({'size': size, 'after': cursor})}"
    return jsonify({
        "hits": {"hits": [document(r, dois) for r in records], "total": total},
        "links": links,
    })


def _expected_revision(record_id: str) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    current = current_services().records.get(record_id, include_deleted=True).revision
    return revision_from_if_match(header, current)


@bp.post("")
@require_token
def create_record() -> Response:
    body = parse_body(request.get_data())
    metadata, collections = record_input(body)
    chosen = body.get("id")
    if chosen is not None and not isinstance(chosen, str):
        raise InvalidRecord([Problem("/id", "an id is a string")])
    record = current_services().records.create(metadata, collections=collections, record_id=chosen)
    response = _send(record, 201)
    response.headers["Location"] = record_document(record, current_services().config.base_url)["links"]["self"]
    return response


@bp.get("/<record_id>")
def read_record(record_id: str) -> Response:
    records = current_services().records
    record = _as_seen(records.get(record_id))
    if request.if_none_match.contains_weak(str(record.revision)):
        count_use(record.id, "Machine", 304)
        return Response(status=304, headers={"ETag": etag_for(record), "Vary": "Authorization"})
    count_use(record.id, "Machine")
    response = _send(record, with_stats=True)
    response.vary.add("Authorization")
    return response


def _as_seen(record: Any) -> Any:
    """The record as this request may see it: a draft DOI is for token holders only."""
    if token_problem() is None:
        return record
    return current_services().records.public_view(record)


@bp.put("/<record_id>")
@require_token
def replace_record(record_id: str) -> Response:
    metadata, collections = record_input(parse_body(request.get_data()), record_id=record_id,
                                         keep_collections=True)
    record = current_services().records.update(
        record_id, metadata, collections=collections,
        expected_revision=_expected_revision(record_id),
    )
    return _send(record)


@bp.patch("/<record_id>")
@require_token
def patch_record(record_id: str) -> Response:
    patch = parse_body(request.get_data())
    services = current_services()
    current = services.records.get(record_id)
    expected = revision_from_if_match(request.headers.get("If-Match"), current.revision)
    document = {"metadata": current.metadata, "collections": list(current.collections)}
    merged = merge_patch(document, patch)
    metadata, collections = record_input(merged, record_id=record_id)
    record = services.records.update(
        record_id, metadata, collections=collections,
        expected_revision=expected if expected is not None else current.revision,
    )
    return _send(record)


@bp.delete("/<record_id>")
@require_token
def delete_record(record_id: str) -> Response:
    current_services().records.delete(
        record_id, expected_revision=_expected_revision(record_id)
    )
    return Response(status=204)
