"""``/api/sets``: define, read, change and remove OAI sets.

Reads are public; writes need a bearer token (``OAISERVER_API_TOKENS``).
A set document is ``{"spec", "name", "description", "query"}``; the query
is parsed when it is given, so a query that does not parse is refused with
400 and the position (``InvalidQuery``), and nothing is stored. Errors are
RFC 9457 problems, made by the app's one error table.

``POST /api/sets``            create (201, Location)
``GET /api/sets``             list
``GET /api/sets/<spec>``      one set, with its member count
``PUT /api/sets/<spec>``      replace name, description, query
``DELETE /api/sets/<spec>``   remove (204)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from oaiserver.documents import parse_body
from repository_core.errors import InvalidRecord, Problem
from repository_core.sets import SetDefinition

from ..auth import require_token
from ..current import current_services

__all__ = ["bp"]

bp = Blueprint("sets_api", __name__, url_prefix="/api/sets")


def _document(definition: SetDefinition, members: int | None = None) -> dict[str, Any]:
    base = current_services().config.base_url.rstrip("/")
    doc = definition.as_dict()
    if members is not None:
        doc["members"] = members
    doc["links"] = {
        "self": f"{base}/api/sets/{quote(definition.spec, safe=':')}",
        "oai": f"{base}/oai?verb=ListRecords&metadataPrefix=oai_dc&set="
               f"{quote(definition.spec, safe=':')}",
    }
    return doc


def _body(*, spec_required: bool) -> dict[str, Any]:
    body = parse_body(request.get_data())
    problems = []
    required = ("spec", "name", "query") if spec_required else ("name", "query")
    for key in required:
        if not isinstance(body.get(key), str) or not body[key].strip():
            problems.append(Problem(f"/{key}", f"{key} is a non-empty string"))
    if body.get("description") is not None and not isinstance(body["description"], str):
        problems.append(Problem("/description", "description is a string or null"))
    if problems:
        raise InvalidRecord(problems)
    return body


@bp.get("")
def list_all() -> Response:
    found = current_services().sets.list()
    return jsonify({"hits": {"hits": [_document(s) for s in found], "total": len(found)}})


@bp.get("/<path:spec>")
def read(spec: str) -> Response:
    definition, members = current_services().sets.get(spec)  # rows: members and former
    return jsonify(_document(definition, members))


@bp.post("")
@require_token
def create() -> Response:
    body = _body(spec_required=True)
    definition = current_services().sets.create(
        body["spec"], name=body["name"], query=body["query"], description=body.get("description"))
    response = jsonify(_document(definition))
    response.status_code = 201
    response.headers["Location"] = _document(definition)["links"]["self"]
    return response


@bp.put("/<path:spec>")
@require_token
def replace(spec: str) -> Response:
    body = _body(spec_required=False)
    if "spec" in body and body["spec"] != spec:
        raise InvalidRecord([Problem("/spec", "the spec in the body differs from the URL; "
                                              "a set's spec cannot change")])
    definition = current_services().sets.update(
        spec, name=body["name"], query=body["query"], description=body.get("description"))
    return jsonify(_document(definition))


@bp.delete("/<path:spec>")
@require_token
def remove(spec: str) -> Response:
    current_services().sets.delete(spec)
    return Response(status=204)
