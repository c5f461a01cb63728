"""The payload store: each record's rendered OAI payload per format, kept between harvests.

A list page of a format is mostly the same bytes harvest after harvest: a
record's payload changes only when the record, what the public sees of its
DOI, or the configuration does. :class:`~.models.PayloadRow` keeps the
serialized ``<metadata>`` child with everything it depends on:

* the record's ``revision`` and ``datestamp``: every write of the record
  (update, delete, restore, an automatic DOI) raises the revision; a set
  change re-stamps the record (MARC 21's field 005 shows the datestamp);
* ``doi``: the DOI the public sees, None while it is a draft
  (``repository_core.public_doi``), so a DOI that becomes findable
  without a record write is not served from a payload that left it out;
* ``fingerprint``: a digest of the configuration the serializers read (base
  URL, repository id and name, datacentre symbol) and of the serializers'
  code, computed by the caller (``oaiserver.oai.payloads``).

:func:`valid_payloads` returns only rows whose four keys equal the record's
as it is read now, so a stale row is never served, whatever path wrote the
record; :func:`forget_payloads` (a write hook) drops a record's rows when it
is written, so tombstones keep none and the table does not grow stale rows.
Rendering is not done here: ``repository_core`` knows no serializer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from .db import is_sqlite
from .models import PayloadRow
from .records import Record
from .write_hooks import batch_form

__all__ = ["forget_many", "forget_payloads", "keep_payloads", "valid_payloads"]

log = logging.getLogger(__name__)

#: How long keeping payloads waits for SQLite's write lock: a harvest page
#: never waits on an ingest to store what it can render again next time.
_SQLITE_WAIT_MS = 200


def valid_payloads(
    session: Session, fmt: str, fingerprint: str, records: Sequence[Record]
) -> dict[str, bytes]:
    """record id -> kept payload, for the rows still valid.

    ``records`` as the public sees them (``public_records``: a draft DOI
    left out). A record missing from the answer must be rendered.
    """
    live = {r.id: r for r in records if not r.deleted}
    if not live:
        return {}
    p = PayloadRow
    rows = session.execute(
        select(p.record_id, p.revision, p.datestamp, p.doi, p.payload).where(
            p.format == fmt, p.fingerprint == fingerprint, p.record_id.in_(sorted(live))
        )
    )
    found: dict[str, bytes] = {}
    for rid, revision, datestamp, doi, payload in rows:
        record = live[rid]
        if revision == record.revision and datestamp == record.datestamp and doi == record.doi:
            found[rid] = payload
    return found


class PayloadOwner(Protocol):
    """What a kept payload is stored with of its record: a :class:`Record`, or
    only these (a process that rendered it sends no more)."""

    @property
    def id(self) -> str: ...
    @property
    def revision(self) -> int: ...
    @property
    def datestamp(self) -> datetime: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def deleted(self) -> bool: ...


def keep_payloads(
    engine: Engine, fmt: str, fingerprint: str, rendered: Iterable[tuple[PayloadOwner, bytes]]
) -> bool:
    """Store freshly rendered payloads (insert or replace); False if they could not be.

    Best effort and never in the way of the reader: on SQLite, when a writer
    holds the lock for long, the payloads are not kept this time (they are
    rendered again by the next reader). A record written meanwhile only
    leaves a row that :func:`valid_payloads` will not accept.
    """
    values = [
        {"record_id": r.id, "format": fmt, "revision": r.revision, "datestamp": r.datestamp,
         "doi": r.doi, "fingerprint": fingerprint, "payload": payload}
        for r, payload in rendered if not r.deleted
    ]
    if not values:
        return True
    sqlite = is_sqlite(engine)
    insert: Any = sqlite_insert if sqlite else pg_insert
    stmt = insert(PayloadRow)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PayloadRow.record_id, PayloadRow.format],
        set_={c: stmt.excluded[c] for c in ("revision", "datestamp", "doi", "fingerprint", "payload")},
    )
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            if sqlite:  # the pragma outside any transaction, on this connection only
                driver.execute(f"PRAGMA busy_timeout={_SQLITE_WAIT_MS}")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    conn.execute(stmt, values)
            finally:
                if sqlite:
                    driver.execute("PRAGMA busy_timeout=30000")  # type: ignore[union-attr]
    except (OperationalError, IntegrityError) as exc:
        # OperationalError: the lock was not had in time (SQLite) or the
        # statement was cancelled; IntegrityError: the record is gone.
        log.info("payloads in %s not kept this time: %s", fmt, exc.__class__.__name__)
        return False
    return True


def _forget_none(session: Session, records: Sequence[Record], extracted: Sequence[Any]) -> None:
    """The batch form of :func:`forget_payloads`: new records have no payloads."""


@batch_form(_forget_none)
def forget_payloads(session: Session, record: Record, previous: Record | None) -> None:
    """Write hook: a written record's kept payloads go (a new record has none yet)."""
    if previous is None:
        return
    session.execute(delete(PayloadRow).where(PayloadRow.record_id == record.id))


def forget_many(session: Session, record_ids: Sequence[str]) -> None:
    """The batch form of :func:`forget_payloads`."""
    if record_ids:
        session.execute(delete(PayloadRow).where(PayloadRow.record_id.in_(list(record_ids))))
