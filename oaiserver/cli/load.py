"""``oaiserver load``: records from files, folders or standard input."""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import SQLAlchemyError

from oaiserver.services import Services
from repository_core.child_worker import IN_FLIGHT, ChildWorker
from repository_core.errors import RepositoryError
from repository_core.loading import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    FileRejected,
    LoadReport,
    expand_paths,
    fold_write_ahead_log,
    load_source,
)
from repository_core.migrate import upgrade

from .context import pass_services
from .load_version import load_new_version

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from oaiserver.oai.sql import RenderedBatch

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
    render_payloads: bool = True, one_process: bool = False,
) -> LoadReport:
    """Load every file under ``paths`` (``-``: standard input), ``batch_size``
    records a transaction, with a progress line every few seconds.

    ``render_payloads``: after each committed batch, its records' OAI
    payloads (``oai_dc``, ``oai_datacite``, ``datacite``) are rendered and
    kept, so the first harvest reads them; other formats render on their
    first request. Off, every payload waits for its first request.
    ``one_process``: no process of its own preparing the next batches
    (:func:`repository_core.loading.load_source`'s ``prepare_ahead``) or
    rendering payloads."""
    report = LoadReport(stored_hint=UPDATE_HINT)
    renderer = _PayloadRenderer(services, in_child=not one_process) if render_payloads else None
    try:
        _load_sources(services, paths, report, quiet=quiet, lenient=lenient,
                      update_existing=update_existing, batch_size=batch_size,
                      renderer=renderer, one_process=one_process)
    finally:
        if renderer is not None:
            renderer.finish()
        fold_write_ahead_log(services.engine)
    return report


def _load_sources(services: Services, paths: Sequence[str], report: LoadReport, *,
                  quiet: bool, lenient: bool, update_existing: bool, batch_size: int,
                  renderer: _PayloadRenderer | None, one_process: bool) -> None:
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
                committed=renderer, prepare_ahead=not one_process,
            )
        except (RepositoryError, SQLAlchemyError) as exc:
            reason = str(exc)
            if not reason.startswith(name):
                reason = f"{name}: {reason}"
            if isinstance(exc, FileRejected) and exc.stored:
                reason += UPDATE_HINT
            report.failures.append((name, reason))


class _PayloadRenderer:
    """Renders and keeps each committed batch's OAI payloads (``oai_dc``,
    ``oai_datacite``, ``datacite``); a failure only logs (the payloads render
    on their first request instead).

    The first batch renders here; later ones in a process of its own, which
    reads the committed records itself (rendering is CPU work the writer need
    not wait for, and the writer neither reads the batch back nor sends it),
    their payloads kept here a batch or two later, and all of them by
    :meth:`finish`. A database only this process can see (SQLite in memory)
    renders here."""

    def __init__(self, services: Services, *, in_child: bool = True):
        self.services = services
        self.url = _shared_url(services.engine)
        self.worker = ChildWorker(enabled=in_child and self.url is not None,
                                  what="rendering payloads")
        self.batches = 0
        self.pending: deque[tuple[list[str], Future[list[RenderedBatch]] | None]] = deque()

    def __call__(self, record_ids: list[str]) -> None:
        from oaiserver.oai.sql import render_committed

        self.batches += 1
        future = (self.worker.submit(render_committed, self.url,
                                     self.services.export_context, record_ids)
                  if self.batches > 1 else None)
        self.pending.append((record_ids, future))
        while len(self.pending) > IN_FLIGHT or (self.pending and self.pending[0][1] is None):
            self._keep(*self.pending.popleft())

    def finish(self) -> None:
        """Keep every payload still being rendered; stop the child."""
        try:
            while self.pending:
                self._keep(*self.pending.popleft())
        finally:
            self.worker.close()

    def _keep(self, record_ids: list[str], future: Future[list[RenderedBatch]] | None) -> None:
        from oaiserver.oai.sql import SQLPayloadCache, render_committed

        export = self.services.export_context
        try:
            rendered = self.worker.result(future, render_committed, self.services.engine,
                                          export, record_ids)
            cache = SQLPayloadCache(self.services.engine, export)
            for batch in rendered:
                cache.keep(batch.prefix, list(zip(batch.keys, batch.payloads, strict=True)))
        except SQLAlchemyError as exc:
            log.warning("payloads of a batch not kept: %s", exc.__class__.__name__)


def _shared_url(engine: Engine) -> str | None:
    """The engine's URL for another process, password included; None for an
    SQLite database in memory (no other process sees it)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


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
@click.option("--one-process", is_flag=True,
              help="Do all the work in this process: without it, a load of more than "
                   "one batch parses and validates the next batches of JSON lines in a "
                   "second process, and renders payloads in a third, while this one "
                   "writes (they use the other cores).")
@click.option("--new-version-of", "new_version_of", metavar="ID",
              help="Store the one record of the one file given as the next version "
                   "of record ID (any of its versions).")
@pass_services
def load(services: Services, paths: tuple[str, ...], quiet: bool, batch_size: int,
         lenient_identifiers: bool, update_existing: bool, defer_payloads: bool,
         one_process: bool, new_version_of: str | None) -> None:
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
    are rendered and kept for harvesting, unless --defer-payloads. A load of
    more than one batch prepares the next batches of JSON lines, and renders
    payloads, in processes of their own while it writes, unless --one-process.
    """
    upgrade(services.engine)
    if new_version_of is not None:
        record = load_new_version(services, new_version_of, paths, lenient=lenient_identifiers)
        click.echo(f"stored {record.id} as version {record.version_index} of "
                   f"{record.concept_id}", err=True)
        return
    report = load_paths(services, paths, quiet=quiet, lenient=lenient_identifiers,
                        update_existing=update_existing, batch_size=batch_size,
                        render_payloads=not defer_payloads, one_process=one_process)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for _name, reason in report.failures:
        click.echo(f"error: {reason}", err=True)
    click.echo(report.summary(), err=True)
    if not report.ok:
        sys.exit(1)
