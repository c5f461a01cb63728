"""The queue of records waiting for the external search engine.

A write hook (:func:`queue_hook`) adds the record id to ``search_index_queue``
in the record's own transaction, and the set-restamp hook
(:func:`queue_restamped`) adds every record a set change restamped; the
Elasticsearch backend (:mod:`.elastic`) deletes rows only after the cluster
has accepted the records. Not for talking to the cluster: that is
:mod:`.elastic`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base
from ..models import RecordRow
from ..records import Record

__all__ = ["IndexQueueRow", "queue_hook", "queue_restamped"]


class IndexQueueRow(Base):
    """A record waiting to be (re)indexed in the external search engine.

    Written in the record's own transaction (a write hook), removed only
    after the engine has taken the record, so no write is lost while the
    cluster is down. Several rows for one record are harmless.
    """

    __tablename__ = "search_index_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)


def queue_hook(session: Session, record: Record, previous: Record | None) -> None:
    """``WriteHook``: queue the record for indexing, in the write's transaction."""
    session.execute(insert(IndexQueueRow).values(record_id=record.id))


def queue_restamped(session: Session, stamp: datetime) -> None:
    """``RestampHook`` for set changes: queue every record that got ``stamp``."""
    session.execute(insert(IndexQueueRow).from_select(
        ["record_id"], select(RecordRow.id).where(RecordRow.datestamp == stamp)))
