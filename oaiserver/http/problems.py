"""RFC 9457 problem responses, and the one table from domain errors to HTTP.

Services raise domain errors without HTTP statuses; this module decides the
status, for the record store, the sets, the query language and the DOI life
cycle alike (:data:`STATUS_FOR`, looked up along the error's class
hierarchy). Every invalid field is listed by JSON pointer under ``errors``.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterable
from typing import Any

from flask import Response
from sqlalchemy.exc import StatementError
from werkzeug.exceptions import HTTPException

from datacite_client.errors import (
    DOIError,
    ForeignDOI,
    HarvestedRecord,
    IllegalTransition,
    InvalidDOI,
    MintingDisabled,
    NotRegistrable,
)
from repository_core.errors import (
    InvalidQuery,
    InvalidRecord,
    InvalidUsageQuery,
    Problem,
    QueryTooComplex,
    QueryTooExpensive,
    RecordDeleted,
    RecordNotFound,
    RepositoryError,
    RevisionConflict,
    SetExists,
    SetNotFound,
    UnreadableInput,
)

__all__ = [
    "STATUS_FOR",
    "describe_failure",
    "problem",
    "problem_from_error",
    "problem_from_http",
]

PROBLEM_TYPE = "application/problem+json"

STATUS_FOR: dict[type[RepositoryError], tuple[int, str]] = {
    InvalidRecord: (422, "Invalid record"),
    UnreadableInput: (400, "Unreadable input"),
    InvalidQuery: (400, "Invalid query"),
    InvalidUsageQuery: (400, "Invalid statistics query"),
    QueryTooComplex: (400, "Query too complex"),
    QueryTooExpensive: (400, "Query too expensive"),
    RecordNotFound: (404, "Not found"),
    SetNotFound: (404, "Not found"),
    RecordDeleted: (410, "Gone"),
    RevisionConflict: (412, "Precondition failed"),
    SetExists: (409, "Conflict"),
    MintingDisabled: (409, "DOI minting is disabled"),
    ForeignDOI: (409, "DOI under another prefix"),
    HarvestedRecord: (409, "Harvested record"),
    IllegalTransition: (409, "Illegal DOI state change"),
    InvalidDOI: (409, "Invalid DOI"),
    NotRegistrable: (422, "Record cannot be registered"),
    DOIError: (409, "DOI error"),
}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: Iterable[Problem] = (),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    listed = [p.as_dict() for p in errors]
    if listed:
        body["errors"] = listed
    body.update(extra)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def problem_from_error(exc: RepositoryError) -> Response:
    for kind in type(exc).__mro__:
        if kind in STATUS_FOR:
            status, title = STATUS_FOR[kind]
            break
    else:
        status, title = 400, "Bad request"
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidQuery) and exc.position is not None:
        extra["position"] = exc.position
    if isinstance(exc, InvalidQuery) and exc.parameter is not None:
        extra["parameter"] = exc.parameter
    if isinstance(exc, QueryTooComplex):
        extra.update(limit=exc.limit, value=exc.value, found=exc.found)
    if isinstance(exc, RevisionConflict):
        extra["revision"] = exc.actual
    errors: Iterable[Problem] = ()
    if isinstance(exc, InvalidRecord | NotRegistrable):
        errors = exc.problems
    if isinstance(exc, InvalidUsageQuery) and exc.parameter:
        extra["parameter"] = exc.parameter
        errors = [Problem(f"/{exc.parameter}", str(exc))]
    return problem(status, title, str(exc), errors=errors, **extra)


def problem_from_http(exc: HTTPException) -> Response:
    if isinstance(exc.response, Response):  # an answer made already (a rate limit's)
        return exc.response
    response = problem(exc.code or 500, exc.name, exc.description)
    for key, value in exc.get_headers():
        if key.lower() not in {"content-type", "content-length"}:
            response.headers[key] = value
    return response


#: how much of a failed SQL statement an error log line shows
STATEMENT_EXCERPT = 200


def describe_failure(exc: BaseException) -> str:
    """A log entry for an unexpected error: the stack, and at most an excerpt of SQL.

    SQLAlchemy's errors carry the whole statement in their message (92 KB
    for a query of 500 words): written at error level for every such request
    it floods the log. This keeps the stack and the database's own message,
    and cuts the statement to :data:`STATEMENT_EXCERPT` characters.
    """
    stack = "".join(traceback.format_tb(exc.__traceback__))
    if isinstance(exc, StatementError):
        cause = exc.orig if exc.orig is not None else exc
        return (f"{type(exc).__name__} ({type(cause).__name__}: {_excerpt(str(cause))}) "
                f"in SQL: {_excerpt(exc.statement or '')}\n{stack}")
    return f"{type(exc).__name__}: {_excerpt(str(exc))}\n{stack}"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= STATEMENT_EXCERPT:
        return text
    return f"{text[:STATEMENT_EXCERPT]}... ({len(text):,} characters)"
