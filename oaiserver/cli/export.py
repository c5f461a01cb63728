"""``oaiserver export``: a record in one of the registered formats."""

from __future__ import annotations

from typing import Any

import click

from oaiserver.services import Services
from repository_core.errors import RepositoryError
from serializers.export_errors import ExportError
from serializers.registry import FORMATS

from .context import pass_services

__all__ = ["export"]


@click.command()
@click.argument("record_id")
@click.option("-f", "--format", "format_name", default="datacite", show_default=True,
              help="A format name: " + ", ".join(FORMATS.names()))
@click.option("-o", "--output", type=click.File("wb"), default="-",
              help="Write to this file instead of standard output.")
@pass_services
def export(services: Services, record_id: str, format_name: str, output: Any) -> None:
    """Print a record in one of the registered formats (the bytes the server sends)."""
    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise click.BadParameter(
            f"unknown format {format_name!r}; choose from {', '.join(FORMATS.names())}",
            param_hint="--format")
    try:
        record = services.records.get(record_id)
        if not fmt.available(record):
            raise click.ClickException(f"record {record_id!r} cannot be exported as "
                                       f"{format_name} ({fmt.unavailable_reason})")
        output.write(fmt.dump(record, services.export_context))
    except (RepositoryError, ExportError) as exc:
        raise click.ClickException(str(exc)) from None
