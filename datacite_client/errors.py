"""Errors from talking to DataCite, and from deciding DOIs: two roots.

The REST client raises one tree, rooted at ``DataCiteError``; every error
carries the HTTP ``status`` (None when no answer came) and DataCite's
``errors`` array (``[{"source": "creators", "title": "..."}]``)::

    DataCiteError                      status, errors, retryable
     +-- PermanentError                4xx except 429: sending again won't help
     |    +-- BadCredentials           401 wrong repository id / password
     |    +-- ForbiddenPrefix          403 the DOI's prefix is not the account's
     |    +-- DOINotFound              404
     |    +-- MethodNotAllowed         405 e.g. deleting a registered DOI
     |    +-- InvalidMetadata          422 ``pointers``: the offending attributes
     |    +-- UnexpectedResponse       any other 4xx, or an unreadable body
     +-- TransientError                worth retrying later (with backoff)
          +-- RateLimited              429 ``retry_after`` seconds, if given
          +-- ServerError              5xx
          +-- NetworkError             connection refused / dropped, timeout

The DOI life cycle raises domain errors (no HTTP status; the API maps them
to 409/422 in one table), rooted at ``DOIError``, itself a
``repository_core`` ``RepositoryError`` so one ``except`` catches both::

    DOIError
     +-- MintingDisabled      no DataCite prefix/account configured
     +-- ForeignDOI           the record's DOI is under another prefix
     +-- HarvestedRecord      the record was harvested from another repository
     +-- InvalidDOI           a DOI of ours that fails its checksum / pattern
     +-- IllegalTransition    e.g. back to draft once registered
     +-- NotRegistrable       ``problems``: missing/invalid fields, by JSON pointer
"""

from __future__ import annotations

from typing import Any, ClassVar

from repository_core.errors import Problem, RepositoryError

__all__ = [
    "BadCredentials",
    "DOIError",
    "DOINotFound",
    "DataCiteError",
    "ForbiddenPrefix",
    "ForeignDOI",
    "HarvestedRecord",
    "IllegalTransition",
    "InvalidDOI",
    "InvalidMetadata",
    "MethodNotAllowed",
    "MintingDisabled",
    "NetworkError",
    "NotRegistrable",
    "PermanentError",
    "RateLimited",
    "ServerError",
    "TransientError",
    "UnexpectedResponse",
    "error_for_status",
]


class DataCiteError(Exception):
    """Root of every error the DataCite client raises."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        method: str = "",
        url: str = "",
    ):
        self.status = status
        self.errors = list(errors or [])
        self.method, self.url = method, url
        detail = "; ".join(
            f"{e.get('source')}: {e.get('title')}" if e.get("source") else str(e.get("title"))
            for e in self.errors
        )
        where = f"{method} {url} " if method else ""
        status_text = f"HTTP {status}: " if status is not None else ""
        super().__init__(f"{where}{status_text}{message}" + (f" ({detail})" if detail else ""))


class PermanentError(DataCiteError):
    """DataCite refused the request; sending it again unchanged will not help."""


class BadCredentials(PermanentError):
    """401: the repository id or password is wrong."""


class ForbiddenPrefix(PermanentError):
    """403: the account may not act on this DOI (another client's prefix)."""


class DOINotFound(PermanentError):
    """404: DataCite has no such DOI."""


class MethodNotAllowed(PermanentError):
    """405: e.g. DELETE of a DOI that is not a draft."""


class InvalidMetadata(PermanentError):
    """422: the metadata is invalid; ``pointers`` names each offending attribute."""

    @property
    def pointers(self) -> list[str]:
        out = []
        for err in self.errors:
            source = err.get("source")
            if isinstance(source, dict):  # JSON:API style {"pointer": "/data/attributes/x"}
                source = source.get("pointer") or source.get("parameter")
            if source:
                out.append(str(source))
        return out


class UnexpectedResponse(PermanentError):
    """Any other 4xx, or a 2xx whose body is not the JSON:API document expected."""


class TransientError(DataCiteError):
    """Worth trying again later."""

    retryable = True


class RateLimited(TransientError):
    """429: too many requests; ``retry_after`` is DataCite's hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any):
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(TransientError):
    """5xx: DataCite failed; try again later."""


class NetworkError(TransientError):
    """No HTTP answer: connection refused or dropped, or a timeout."""


_BY_STATUS: dict[int, type[PermanentError]] = {
    401: BadCredentials,
    403: ForbiddenPrefix,
    404: DOINotFound,
    405: MethodNotAllowed,
    422: InvalidMetadata,
}


def error_for_status(
    status: int,
    errors: list[dict[str, Any]],
    *,
    retry_after: float | None = None,
    method: str = "",
    url: str = "",
) -> DataCiteError:
    """The typed error for an HTTP error status (the one table of the client)."""
    kw: dict[str, Any] = {"status": status, "errors": errors, "method": method, "url": url}
    if status == 429:
        return RateLimited("rate limited", retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError("DataCite server error", **kw)
    cls = _BY_STATUS.get(status, UnexpectedResponse)
    return cls((cls.__doc__ or "").split(":", 1)[-1].strip().rstrip("."), **kw)


# -- the DOI life cycle's domain errors ---------------------------------------


class DOIError(RepositoryError):
    """Root of the errors deciding or requesting a DOI raises."""


class MintingDisabled(DOIError):
    """No DataCite account or prefix is configured: this server mints no DOIs."""

    def __init__(self) -> None:
        super().__init__("DOI minting is not configured (datacite_url, username, prefix)")


class ForeignDOI(DOIError):
    """The record's DOI is under another prefix: it is kept, never sent to DataCite."""

    def __init__(self, doi: str, prefix: str):
        self.doi, self.prefix = doi, prefix
        super().__init__(f"DOI {doi} is not under this repository's prefix {prefix}")


class HarvestedRecord(DOIError):
    """The record was harvested from another repository: it is not ours to register."""

    def __init__(self, record_id: str, source: str):
        self.record_id, self.source = record_id, source
        super().__init__(f"record {record_id!r} was harvested from {source!r}: "
                         "no DOI is minted for it here")


class InvalidDOI(DOIError):
    """A DOI under our prefix that does not fit the configured pattern or checksum."""

    def __init__(self, doi: str, reason: str):
        self.doi, self.reason = doi, reason
        super().__init__(f"{doi}: {reason}")


class IllegalTransition(DOIError):
    """The DOI cannot go from its state to the requested one (e.g. back to draft)."""

    def __init__(self, doi: str, current: str, requested: str):
        self.doi, self.current, self.requested = doi, current, requested
        super().__init__(f"DOI {doi} is {current}; it cannot become {requested}")


class NotRegistrable(DOIError):
    """The record lacks what DataCite needs for the requested state."""

    def __init__(self, record_id: str, state: str, problems: list[Problem]):
        self.record_id, self.state, self.problems = record_id, state, list(problems)
        names = ", ".join(p.pointer for p in self.problems)
        super().__init__(f"record {record_id!r} cannot be {state} on DataCite: {names}")
