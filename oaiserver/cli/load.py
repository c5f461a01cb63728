"""``oaiserver load``: records from files, folders or standard input."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from oaiserver.services import Services
from repository_core.errors import RepositoryError
from repository_core.loading import FileRejected, LoadReport, expand_paths, load_source
from repository_core.migrate import upgrade

from .context import pass_services
from .load_version import load_new_version

__all__ = ["UPDATE_HINT", "load", "load_paths"]


#: Appended to the error of a file whose record is stored already.
UPDATE_HINT = "; to update the stored record, load with --update-existing"


def load_paths(
    services: Services, paths: Sequence[str], *, quiet: bool = False, lenient: bool = False,
    update_existing: bool = False,
) -> LoadReport:
    """Load every file under ``paths`` (``-``: standard input), with a progress bar."""
    report = LoadReport()
    sources = list(expand_paths(paths))
    with click.progressbar(sources, label="loading", file=sys.stderr,
                           hidden=quiet or len(sources) < 2,
                           item_show_func=lambda s: s and Path(s).name) as bar:
        for source in bar:
            try:
                stream = sys.stdin.buffer if source == "-" else None
                load_source(
                    services.records, "<stdin>" if source == "-" else source, stream,
                    lenient_identifiers=lenient, update_existing=update_existing, report=report,
                )
            except (RepositoryError, SQLAlchemyError) as exc:
                name = "<stdin>" if source == "-" else source
                reason = str(exc)
                if not reason.startswith(name):
                    reason = f"{name}: {reason}"
                if isinstance(exc, FileRejected) and exc.stored:
                    reason += UPDATE_HINT
                report.failures.append((name, reason))
    return report


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--lenient-identifiers", is_flag=True,
              help="Keep identifiers that fail their checksum or syntax check "
                   "(legacy records), with a warning for each.")
@click.option("--update-existing", is_flag=True,
              help="A record whose id or DOI is stored updates it (unchanged ones "
                   "are skipped and counted); without it such a file fails.")
@click.option("--new-version-of", "new_version_of", metavar="ID",
              help="Store the one record of the one file given as the next version "
                   "of record ID (any of its versions).")
@pass_services
def load(services: Services, paths: tuple[str, ...], quiet: bool,
         lenient_identifiers: bool, update_existing: bool,
         new_version_of: str | None) -> None:
    """Load records from files, folders (recursively) or '-' (stdin).

    DataCite XML (kernel 4.0 to 4.7, checked against DataCite's XSD;
    attributes it lets through but does not define are dropped with a
    warning), DataCite JSON (attributes, a REST API document, or the older
    shapes DataCite has published), this server's record JSON, or JSON
    lines. Each file loads whole or not at all; one DOI, one record per run.
    """
    upgrade(services.engine)
    if new_version_of is not None:
        record = load_new_version(services, new_version_of, paths, lenient=lenient_identifiers)
        click.echo(f"stored {record.id} as version {record.version_index} of "
                   f"{record.concept_id}", err=True)
        return
    report = load_paths(services, paths, quiet=quiet, lenient=lenient_identifiers,
                        update_existing=update_existing)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for _name, reason in report.failures:
        click.echo(f"error: {reason}", err=True)
    click.echo(report.summary(), err=True)
    if not report.ok:
        sys.exit(1)
