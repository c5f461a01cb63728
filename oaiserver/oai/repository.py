"""What the OAI-PMH verbs read: the :class:`Repository` protocol and its values.

:class:`Repository` is the read interface the verbs are written against (a
``Protocol``, so tests can hand the verbs a fake); :class:`~.sql.SQLRepository`
implements it over the database. Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from repository_core.records import Cursor, Provenance, Record

__all__ = ["Entry", "KeptEntry", "PayloadCache", "Repository", "SetInfo"]


@dataclass(frozen=True)
class Entry:
    """One record as a list shows it: its datestamp there, deleted or not, its sets,
    and, for a harvested record, where it came from (the ``<about>`` provenance)."""

    record: Record
    datestamp: datetime
    deleted: bool
    sets: tuple[str, ...]
    provenance: Provenance | None = None
    #: the record's kept payload in the format the list was asked in, when still
    #: valid; the record's metadata was then not read (``record.metadata`` is empty)
    payload: bytes | None = None

    @property
    def position(self) -> Cursor:
        return Cursor(self.datestamp, self.record.id)


class KeptEntry(NamedTuple):
    """A live record of a list page whose kept payload in the list's format is valid:
    all the page writes of it. No :class:`Record` is built and no metadata read
    (a list page writes a hundred of these; an :class:`Entry` costs several times more)."""

    id: str
    datestamp: datetime
    sets: tuple[str, ...]
    payload: bytes
    provenance: Provenance | None = None

    @property
    def position(self) -> Cursor:
        return Cursor(self.datestamp, self.id)


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    description: str | None = None


class Repository(Protocol):
    """The reads the OAI-PMH verbs need."""

    def earliest_datestamp(self) -> datetime | None: ...

    def snapshot_bound(self, now: datetime) -> datetime: ...

    def get(self, record_id: str) -> Entry | None: ...

    def has_sets(self) -> bool: ...

    def list_records(
        self,
        *,
        set_spec: str | None,
        since: datetime | None,
        until: datetime | None,
        after: Cursor | None,
        limit: int,
        require_doi: bool = False,
        payload_format: str | None = None,
    ) -> list[Entry]: ...

    def list_page(
        self,
        *,
        set_spec: str | None,
        since: datetime | None,
        until: datetime | None,
        after: Cursor | None,
        limit: int,
        require_doi: bool,
        payload_format: str,
    ) -> list[KeptEntry] | list[Entry]:
        """The page :meth:`list_records` gives with ``payload_format``, as
        :class:`KeptEntry` values when every record on it is live and has a valid
        kept payload in that format, else as entries."""
        ...

    def count_records(
        self,
        *,
        set_spec: str | None,
        since: datetime | None,
        until: datetime | None,
        require_doi: bool = False,
    ) -> int: ...

    def list_sets(self, *, after: str | None, limit: int) -> list[SetInfo]: ...

    def count_sets(self) -> int: ...


class PayloadCache(Protocol):
    """Rendered payloads kept between requests (``repository_core.payloads`` over SQL).

    ``lookup`` answers only payloads still valid for the records as given
    (their revision, datestamp and public DOI, and the configuration the
    cache was built for); the verbs render the others and hand them to ``keep``.
    """

    def lookup(self, prefix: str, records: Sequence[Record]) -> Mapping[str, bytes]: ...

    def keep(self, prefix: str, rendered: Sequence[tuple[Record, bytes]]) -> None: ...
