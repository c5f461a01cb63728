"""``oaiserver records show|delete|versions``: single records."""

from __future__ import annotations

import json

import click

from oaiserver.documents import isoformat, record_document
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
    concept = services.records.concept(record.concept_id) if record.concept_id else None
    click.echo(json.dumps(record_document(record, services.config.base_url,
                                          concept_doi=concept.doi if concept else None),
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


@records.command("versions")
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="One REST document a line.")
@pass_services
def records_versions(services: Services, record_id: str, as_json: bool) -> None:
    """List every version of RECORD_ID's concept, oldest first (tombstones too)."""
    try:
        versions = services.records.versions(record_id)
        concept = (services.records.concept(versions[0].concept_id)
                   if versions and versions[0].concept_id else None)
    except RepositoryError as exc:
        raise click.ClickException(str(exc)) from None
    doi = concept.doi if concept else None
    if as_json:
        for version in versions:
            click.echo(json.dumps(record_document(version, services.config.base_url,
                                                  concept_doi=doi), ensure_ascii=False))
        return
    if versions:
        click.echo(f"concept {versions[0].concept_id}" + (f" (DOI {doi})" if doi else ""))
    click.echo("index\tid\tcreated\tdoi\tstate")
    for version in versions:
        state = "deleted" if version.deleted else ("latest" if version.is_latest else "")
        click.echo(f"{version.version_index}\t{version.id}\t{isoformat(version.created)}\t"
                   f"{version.doi or '-'}\t{state}")
