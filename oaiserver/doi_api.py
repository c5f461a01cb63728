"""The DOI endpoints: ``POST`` / ``GET /api/records/<id>/doi``.

Views are three lines: parse, call the DOI life cycle, return. Errors are
RFC 9457 problems: 409 when minting is disabled, the DOI is under another
prefix, or the state change is impossible; 422 listing what is missing by
JSON pointer; the record errors as the rest of the API maps them.

``doi_parts(services)`` builds (once per ``Services``) the DOI policy,
client, life cycle and worker from configuration; the CLI uses it too.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from datacite_client.errors import (
    DOIError,
    ForeignDOI,
    IllegalTransition,
    InvalidDOI,
    MintingDisabled,
    NotRegistrable,
)
from repository_core.errors import Problem, RepositoryError
from repository_core.outbox import DOI_STATES

from .auth import token_problem
from .doi_parts import DOIParts, build_doi_parts
from .problems import problem, problem_from_error
from .services import Services

__all__ = ["DOI_ERRORS", "DOIParts", "bp", "doi_parts"]

bp = Blueprint("doi_api", __name__)

DOI_ERRORS: dict[type[DOIError], tuple[int, str]] = {
    MintingDisabled: (409, "DOI minting is disabled"),
    ForeignDOI: (409, "DOI under another prefix"),
    IllegalTransition: (409, "Illegal DOI state change"),
    InvalidDOI: (409, "Invalid DOI"),
    NotRegistrable: (422, "Record cannot be registered"),
}


def doi_parts(services: Services) -> DOIParts:
    """The DOI machinery of these services (built once, by ``build_services``)."""
    parts = services.parts.get("doi")
    if parts is None:
        parts = services.parts["doi"] = build_doi_parts(
            services.config, services.records, services.engine, services.export_context)
    return parts


def _services() -> Services:
    return current_app.extensions["oaiserver"]


def _problem(exc: RepositoryError) -> Response:
    if isinstance(exc, DOIError):
        status, title = DOI_ERRORS.get(type(exc), (409, "DOI error"))
        errors = exc.problems if isinstance(exc, NotRegistrable) else ()
        return problem(status, title, str(exc), errors=errors)
    return problem_from_error(exc)


@bp.post("/api/records/<record_id>/doi")
def request_doi(record_id: str) -> Any:
    """Give the record a DOI (if it has none) and queue it: 202 with the DOI document."""
    refused = token_problem()
    if refused is not None:
        return refused
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        return problem(400, "Bad request", "the body is a JSON object like {\"state\": \"findable\"}")
    state = body.get("state", "findable")
    if state not in DOI_STATES:
        return problem(422, "Invalid DOI state", f"state is one of {', '.join(DOI_STATES)}",
                       errors=[Problem("/state", f"one of {', '.join(DOI_STATES)}")])
    try:
        status = doi_parts(_services()).lifecycle.request(record_id, state)
    except RepositoryError as exc:
        return _problem(exc)
    response = jsonify(status.as_dict())
    response.status_code = 202
    response.headers["Location"] = request.path
    return response


@bp.get("/api/records/<record_id>/doi")
def show_doi(record_id: str) -> Any:
    """The record's DOI, its DataCite state as last confirmed, and work pending/failed."""
    try:
        status = doi_parts(_services()).lifecycle.status(record_id)
    except RepositoryError as exc:
        return _problem(exc)
    return jsonify(status.as_dict())
