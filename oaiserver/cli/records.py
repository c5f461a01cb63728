"""``oaiserver records show|delete``: single records."""

from __future__ import annotations

import json

import click

from oaiserver.documents import record_document
from oaiserver.services import Services
from repository_core.errors import RecordDeleted, RepositoryError

from .context import pass_services

__all__ = ["records"]


@click.group()
def records() -> None:
    """Show and delete single records."""


@records.command("show")
@click.argument("record_id")
@pass_services
def records_show(services: Services, record_id: str) -> None:
    """Print a record as REST JSON."""
    try:
        record = services.records.get(record_id, include_deleted=True)
    except RepositoryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(record_document(record, services.config.base_url),
                          indent=2, ensure_ascii=False))


@records.command("delete")
@click.argument("record_id")
@pass_services
def records_delete(services: Services, record_id: str) -> None:
    """Delete a record (its tombstone stays)."""
    try:
        record = services.records.delete(record_id)
    except RecordDeleted:
        raise click.ClickException(f"record {record_id!r} is already deleted") from None
    except RepositoryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"deleted {record.id} (revision {record.revision})")
