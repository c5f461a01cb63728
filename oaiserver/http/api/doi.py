"""The DOI endpoints: ``POST`` / ``GET /api/records/<id>/doi``.

Views are three lines: parse, call the DOI life cycle, return. Errors are
RFC 9457 problems: 409 when minting is disabled, the DOI is under another
prefix, or the state change is impossible; 422 listing what is missing by
JSON pointer; the record errors as the rest of the API maps them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from oaiserver.documents import parse_body
from repository_core.errors import Problem, RepositoryError
from repository_core.outbox import DOI_STATES

from ..auth import token_problem
from ..current import current_services
from ..problems import problem, problem_from_error

__all__ = ["bp"]

bp = Blueprint("doi_api", __name__)

@bp.post("/api/records/<record_id>/doi")
def request_doi(record_id: str) -> Any:
    """Give the record a DOI (if it has none) and queue it: 202 with the DOI document."""
    refused = token_problem()
    if refused is not None:
        return refused
    raw = request.get_data()
    body = parse_body(raw) if raw.strip() else {}
    state = body.get("state", "findable")
    if state not in DOI_STATES:
        return problem(422, "Invalid DOI state", f"state is one of {', '.join(DOI_STATES)}",
                       errors=[Problem("/state", f"one of {', '.join(DOI_STATES)}")])
    try:
        status = current_services().doi.lifecycle.request(record_id, state)
    except RepositoryError as exc:
        return problem_from_error(exc)
    response = jsonify(status.as_dict())
    response.status_code = 202
    response.headers["Location"] = request.path
    return response


#: what a guest sees of a DOI's status: send errors (which name DataCite's
#: address and its answers), queued work and a draft DOI are for token holders
PUBLIC_FIELDS = ("record", "doi", "managed", "state", "doi_url")
PUBLIC_STATES = frozenset({"registered", "findable"})


@bp.get("/api/records/<record_id>/doi")
def show_doi(record_id: str) -> Any:
    """The record's DOI, its DataCite state as last confirmed, and (with a token) work pending/failed."""
    try:
        status = current_services().doi.lifecycle.status(record_id)
    except RepositoryError as exc:
        return problem_from_error(exc)
    document = status.as_dict()
    if token_problem() is not None:
        document = {key: document[key] for key in PUBLIC_FIELDS}
        if status.managed and status.state not in PUBLIC_STATES:
            document.update(doi=None, doi_url=None)  # not public until DataCite registered it
    response = jsonify(document)
    response.vary.add("Authorization")
    return response
