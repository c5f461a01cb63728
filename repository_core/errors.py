"""The domain's errors: one root, typed context, no HTTP status.

::

    RepositoryError
     +-- InvalidRecord          metadata or envelope fails validation (problems)
     +-- RecordNotFound         no record with that id
     +-- RecordDeleted          the record is a tombstone
     +-- RevisionConflict       If-Match / expected revision is stale
     +-- InvalidQuery           a query string does not parse or names an unknown field
     |    +-- QueryTooComplex   a query exceeds one of the query limits (which, and its value)
     |         +-- QueryTooExpensive  a search ran past its time budget
     +-- ImportError_           input cannot be read as any supported format
 +-- InvalidUsageQuery      a usage statistics query has a bad period or interval

The HTTP layer maps each class to a status in one table; the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import Record

__all__ = [
    "InvalidQuery",
    "InvalidRecord",
    "InvalidUsageQuery",
    "Problem",
    "QueryTooComplex",
    "QueryTooExpensive",
    "RecordDeleted",
    "RecordNotFound",
    "RepositoryError",
    "RevisionConflict",
    "SetExists",
    "SetNotFound",
    "UnreadableInput",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a JSON pointer (RFC 6901)."""

    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "detail": self.message}


class RepositoryError(Exception):
    """Root of every error the domain raises."""


class InvalidRecord(RepositoryError):
    """The input is not a valid record; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.pointer or '/'}: {p.message}" for p in self.problems))


class RecordNotFound(RepositoryError):
    """No record has this id."""

    def __init__(self, record_id: str):
        self.record_id = record_id
        super().__init__(f"no record with id {record_id!r}")


class RecordDeleted(RepositoryError):
    """The record was deleted; its tombstone is kept."""

    def __init__(self, record: Record):
        self.record = record
        super().__init__(f"record {getattr(record, 'id', '?')!r} was deleted")


class RevisionConflict(RepositoryError):
    """The caller's revision is not the stored one (lost-update protection)."""

    def __init__(self, record_id: str, expected: int, actual: int):
        self.record_id, self.expected, self.actual = record_id, expected, actual
        super().__init__(f"record {record_id!r} is at revision {actual}, not {expected}")


class InvalidQuery(RepositoryError):
    """A query string cannot be used; ``position`` is a 0-based offset if known.

    ``parameter`` names the request argument at fault when it is not the
    query itself (a facet filter such as ``year``).
    """

    def __init__(self, message: str, *, query: str = "", position: int | None = None,
                 parameter: str | None = None):
        self.query, self.position, self.parameter = query, position, parameter
        super().__init__(message)


class QueryTooComplex(InvalidQuery):
    """A query exceeds a limit: ``limit`` names it, ``value`` is its value.

    ``found`` is how much of it the query has (at least; the check stops at
    the first excess).
    """

    def __init__(self, message: str, *, limit: str, value: float, found: float,
                 query: str = "", position: int | None = None):
        self.limit, self.value, self.found = limit, value, found
        super().__init__(message, query=query, position=position)


class QueryTooExpensive(QueryTooComplex):
    """A search ran past its time budget (``limit`` is ``max_seconds``)."""


class UnreadableInput(RepositoryError):
    """An import input is in no supported format, or is malformed."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source, self.line = source, line
        where = source or "<input>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}")


class SetNotFound(RepositoryError):
    """No OAI set has this spec."""

    def __init__(self, spec: str):
        self.spec = spec
        super().__init__(f"no set {spec!r}")


class SetExists(RepositoryError):
    """An OAI set with this spec exists already."""

    def __init__(self, spec: str):
        self.spec = spec
        super().__init__(f"set {spec!r} exists already")


class InvalidUsageQuery(RepositoryError):
    """A usage statistics query cannot be answered; ``parameter`` names the culprit."""

    def __init__(self, message: str, *, parameter: str | None = None):
        self.parameter = parameter
        super().__init__(message)
