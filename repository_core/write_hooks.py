"""Write hooks with a batch form: one call for the new records of a batch.

When to use: a hook whose per-record work is a few statements (the term
index, the full-text row, set membership, the outbox) gets a batch form, so
that :meth:`RecordService.create_many` writes a batch of new records with a
few statements per batch instead of a few per record. The batch form must
leave the database exactly as calling the hook once per record (with
``previous=None``) would.

``extracted`` is :func:`repository_core.query.fields.extract` of each record,
computed once per record for every hook that needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import update_wrapper
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from .records import Record

__all__ = ["BatchWriteHook", "WithBatchForm", "batch_form"]

#: (session, new records, their extracted documents) -> None
BatchForm = Callable[[Session, Sequence[Record], Sequence[Any]], None]


@runtime_checkable
class BatchWriteHook(Protocol):
    """A write hook that can also be called once for many new records."""

    def __call__(self, session: Session, record: Record, previous: Record | None) -> None: ...

    def many(self, session: Session, records: Sequence[Record],
             extracted: Sequence[Any]) -> None: ...


class WithBatchForm:
    """A function hook and its batch form, as one ``BatchWriteHook``."""

    def __init__(self, one: Callable[..., None], many: BatchForm):
        self._one, self._many = one, many
        update_wrapper(self, one)

    def __call__(self, session: Session, record: Any, previous: Any = None) -> None:
        self._one(session, record, previous)

    def many(self, session: Session, records: Sequence[Record], extracted: Sequence[Any]) -> None:
        self._many(session, records, extracted)


def batch_form(many: BatchForm) -> Callable[[Callable[..., None]], WithBatchForm]:
    """Decorate a function hook with its batch form ``many``."""
    def wrap(one: Callable[..., None]) -> WithBatchForm:
        return WithBatchForm(one, many)
    return wrap
