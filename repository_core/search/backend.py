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

from .embedded import SearchResult, search

__all__ = ["EmbeddedSearch", "SearchBackend"]


class SearchBackend(Protocol):
    def search(self, q: str | None, *, sort: str, size: int, cursor: str | None,
               filters: Mapping[str, list[str]], facets: bool) -> SearchResult: ...


class EmbeddedSearch:
    """The default engine: the database's own full-text index."""

    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]]):
        self.sessions = sessions

    def search(self, q: str | None, *, sort: str, size: int, cursor: str | None,
               filters: Mapping[str, list[str]], facets: bool) -> SearchResult:
        with self.sessions() as session:
            return search(session, q, sort=sort, size=size, cursor=cursor,
                          filters=filters, facets=facets)
