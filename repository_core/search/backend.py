"""What a search engine offers the search API: the :class:`SearchBackend` protocol.

Two engines implement it: :class:`EmbeddedSearch` (the records' own
database, :mod:`.embedded`) and ``ElasticsearchBackend`` (:mod:`.elastic`).
The HTTP layer turns request arguments into one :meth:`SearchBackend.search`
call; it never knows which engine answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.orm import Session

from ..query.limits import DEFAULT_LIMITS
from .budget import time_budget
from .embedded import SearchResult, search

__all__ = ["EmbeddedSearch", "SearchBackend"]


class SearchBackend(Protocol):
    def search(self, q: str | None, *, sort: str, size: int, cursor: str | None,
               filters: Mapping[str, list[str]], facets: bool,
               all_versions: bool = False) -> SearchResult: ...


class EmbeddedSearch:
    """The default engine: the database's own full-text index.

    Every search runs within ``seconds`` of database time
    (:func:`.budget.time_budget`; None: no budget).
    """

    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]],
                 seconds: float | None = DEFAULT_LIMITS.max_seconds):
        self.sessions = sessions
        self.seconds = seconds

    def search(self, q: str | None, *, sort: str, size: int, cursor: str | None,
               filters: Mapping[str, list[str]], facets: bool,
               all_versions: bool = False) -> SearchResult:
        with self.sessions() as session, time_budget(session, self.seconds, q or ""):
            return search(session, q, sort=sort, size=size, cursor=cursor,
                          filters=filters, facets=facets, all_versions=all_versions)
