"""``oaiserver load``: records from files, folders or standard input."""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from oaiserver.services import Services
from repository_core.errors import RepositoryError
from repository_core.loading import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    FileRejected,
    LoadReport,
    expand_paths,
    load_source,
)
from repository_core.migrate import upgrade

from .context import pass_services
from .load_version import load_new_version

__all__ = ["UPDATE_HINT", "load", "load_paths"]


#: Appended to the error of a record whose id or DOI is stored already.
UPDATE_HINT = "; to update the stored record, load with --update-existing"

log = logging.getLogger(__name__)

#: seconds between two progress lines
PROGRESS_EVERY = 5.0


class _Progress:
    """A line on stderr every few seconds: records read, the rate, the file."""

    def __init__(self, quiet: bool, files: int):
        self.quiet, self.files = quiet, files
        self.start = self.last = time.monotonic()
        self.done = 0  # records of the files finished
        self.file = 0

    def report(self, count: int, *, source: str) -> None:
        now = time.monotonic()
        if self.quiet or now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        total = self.done + count
        rate = total / max(now - self.start, 1e-9)
        where = f" (file {self.file} of {self.files}: {Path(source).name})" if self.files > 1 else ""
        click.echo(f"loading: {total:,} record(s) read, {rate:,.0f} records/s{where}", err=True)


def load_paths(
    services: Services, paths: Sequence[str], *, quiet: bool = False, lenient: bool = False,
    update_existing: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
    render_payloads: bool = True, prepare_ahead: bool = True,
) -> LoadReport:
    """Load every file under ``paths`` (``-``: standard input), ``batch_size``
    records a transaction, with a progress line every few seconds.

    ``render_payloads``: after each committed batch, its records' OAI
    payloads (``oai_dc``, ``oai_datacite``, ``datacite``) are rendered and
    kept, so the first harvest reads them; other formats render on their
    first request. Off, every payload waits for its first request.
    ``prepare_ahead``: see :func:`repository_core.loading.load_source`."""
    report = LoadReport(stored_hint=UPDATE_HINT)
    committed = functools.partial(_render, services) if render_payloads else None
    sources = list(expand_paths(paths))
    progress = _Progress(quiet, len(sources))
    for source in sources:
        name = "<stdin>" if source == "-" else source
        progress.file += 1
        try:
            stream = sys.stdin.buffer if source == "-" else None
            progress.done += load_source(
                services.records, name, stream, lenient_identifiers=lenient,
                update_existing=update_existing, report=report, batch_size=batch_size,
                progress=functools.partial(progress.report, source=name),
                committed=committed, prepare_ahead=prepare_ahead,
            )
        except (RepositoryError, SQLAlchemyError) as exc:
            reason = str(exc)
            if not reason.startswith(name):
                reason = f"{name}: {reason}"
            if isinstance(exc, FileRejected) and exc.stored:
                reason += UPDATE_HINT
            report.failures.append((name, reason))
    return report


def _render(services: Services, record_ids: list[str]) -> None:
    """Render and keep a committed batch's OAI payloads; a failure only logs
    (the payloads render on their first request instead)."""
    from oaiserver.oai.sql import render_records

    try:
        render_records(services.engine, services.export_context, record_ids)
    except SQLAlchemyError as exc:
        log.warning("payloads of a batch not rendered ahead: %s", exc.__class__.__name__)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress line.")
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH_SIZE), default=DEFAULT_BATCH_SIZE,
              show_default=True, metavar="N",
              help="Records stored per transaction; each committed batch is kept.")
@click.option("--lenient-identifiers", is_flag=True,
              help="Keep identifiers that fail their checksum or syntax check "
                   "(legacy records), with a warning for each.")
@click.option("--update-existing", is_flag=True,
              help="A record whose id or DOI is stored updates it (unchanged ones "
                   "are skipped and counted); without it such a record fails. "
                   "Run again with it to finish a load that was interrupted.")
@click.option("--defer-payloads", is_flag=True,
              help="Do not render the records' OAI payloads after each batch "
                   "(faster loading; each renders on its first harvest instead).")
@click.option("--prepare-ahead/--no-prepare-ahead", default=True, show_default=True,
              help="Parse, normalise and validate the next batches of JSON lines in a "
                   "second process while this one writes (uses a second core).")
@click.option("--new-version-of", "new_version_of", metavar="ID",
              help="Store the one record of the one file given as the next version "
                   "of record ID (any of its versions).")
@pass_services
def load(services: Services, paths: tuple[str, ...], quiet: bool, batch_size: int,
         lenient_identifiers: bool, update_existing: bool, defer_payloads: bool,
         prepare_ahead: bool, new_version_of: str | None) -> None:
    """Load records from files, folders (recursively) or '-' (stdin).

    DataCite XML (kernel 4.0 to 4.7, checked against DataCite's XSD;
    attributes it lets through but does not define are dropped with a
    warning), DataCite JSON (attributes, a REST API document, or the older
    shapes DataCite has published), this server's record JSON, or JSON
    lines (read as a stream). Records are stored N at a time (--batch-size),
    one transaction a batch: each record is stored whole, and a committed
    batch is kept even if the load is killed; run it again with
    --update-existing to finish. A bad record is reported with its file and
    line (and the JSON pointer of each problem) and skipped; the others
    load, and the exit status is 1. One DOI, one record per run. A progress
    line (records read, rate) goes to stderr every 5 s unless -q. After
    each batch the records' OAI payloads (oai_dc, oai_datacite, datacite)
    are rendered and kept for harvesting, unless --defer-payloads. A JSON
    lines load of more than one batch prepares the next batches in a second
    process while it writes, unless --no-prepare-ahead.
    """
    upgrade(services.engine)
    if new_version_of is not None:
        record = load_new_version(services, new_version_of, paths, lenient=lenient_identifiers)
        click.echo(f"stored {record.id} as version {record.version_index} of "
                   f"{record.concept_id}", err=True)
        return
    report = load_paths(services, paths, quiet=quiet, lenient=lenient_identifiers,
                        update_existing=update_existing, batch_size=batch_size,
                        render_payloads=not defer_payloads, prepare_ahead=prepare_ahead)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for _name, reason in report.failures:
        click.echo(f"error: {reason}", err=True)
    click.echo(report.summary(), err=True)
    if not report.ok:
        sys.exit(1)
