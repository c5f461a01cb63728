"""``oaiserver doi``: push queued DOI work to DataCite, and show the queue.

``doi sync`` runs the outbox worker until the queue is empty (``--loop``:
for ever), with a progress bar; ``doi status`` prints the rows by state,
every failed row with DataCite's reason, and every pending row whose sends
have failed so far (retrying) with its attempts, last error and next try;
``doi retry`` puts failed rows back in the queue once their cause is fixed
(with a fresh retry budget).
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta

import click
from sqlalchemy.orm import Session

from datacite_client.errors import BadCredentials
from datacite_client.worker import BatchResult
from oaiserver.services import Services
from repository_core import outbox
from repository_core.db import write_engine

from .context import services_of

__all__ = ["doi", "follow_base_url"]


def follow_base_url(services: Services) -> None:
    """With minting configured, queue every managed DOI's update when the
    public base URL changed since the DOIs were last queued (their landing
    pages moved with it)."""
    if services.doi.worker is None:
        return
    with Session(write_engine(services.engine)) as session, session.begin():
        queued = outbox.requeue_for_base_url(session, services.config.base_url)
    if queued:
        click.echo(f"the base URL is now {services.config.base_url}: {queued} DOI(s) "
                   "queued to point DataCite at their new landing pages", err=True)


@click.group()
def doi() -> None:
    """Register DOIs with DataCite (the outbox worker)."""


@doi.command()
@click.option("--loop", is_flag=True, help="Keep running, waiting for new work.")
@click.option("--lease", type=float, default=None,
              help="Seconds a claimed row is ours before another worker may take it "
                   "(default 300): after a crash, its rows wait this long.")
@click.option("--batch", type=int, default=None,
              help="DOIs claimed at a time (default 20).")
@click.option("--max-attempts", type=click.IntRange(min=0), default=None,
              help="Attempts at a DOI before it is given up as failed (default: "
                   "OAISERVER_DATACITE_MAX_ATTEMPTS, 20; "
                   "0: never give up).")
@click.option("--max-age", type=click.FloatRange(min=0), default=None,
              help="Hours a DOI may keep failing in the queue before it is given up "
                   "(default: OAISERVER_DATACITE_MAX_AGE_HOURS, "
                   "72; 0: no limit).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def sync(ctx: click.Context, loop: bool, lease: float | None, batch: int | None,
         max_attempts: int | None, max_age: float | None, quiet: bool) -> None:
    """Send queued DOI work to DataCite until the queue is empty."""
    services = services_of(ctx)
    worker = services.doi.worker
    if worker is None:
        raise click.ClickException("DOI minting is not configured (OAISERVER_DATACITE_URL, "
                                   "_USERNAME, _PASSWORD, _PREFIX)")
    follow_base_url(services)
    if lease is not None:
        worker.lease = timedelta(seconds=lease)
    if batch is not None:
        worker.batch = batch
    if max_attempts is not None:
        worker.max_attempts = max_attempts or None
    if max_age is not None:
        worker.max_age = timedelta(hours=max_age) if max_age else None
    total = worker.remaining()
    stop = threading.Event()
    with click.progressbar(length=max(total, 1), label="DOIs", file=sys.stderr,
                           hidden=quiet or loop or total == 0) as bar:
        def progress(result: BatchResult) -> None:
            bar.update(result.rows_finished)

        try:
            result = worker.run(until_empty=not loop, stop=stop, on_progress=progress)
        except BadCredentials as exc:
            raise click.ClickException(f"DataCite refused the credentials: {exc}") from None
        except KeyboardInterrupt:  # pragma: no cover - interactive
            stop.set()
            raise click.Abort() from None
    click.echo(f"sent {result.sent} DOI(s), {result.failed} failed, "
               f"{result.rows_finished} queue row(s) finished")
    if result.failed:
        ctx.exit(1)


@doi.command()
@click.option("--limit", type=int, default=50, show_default=True,
              help="Failed rows, and retrying rows, to list.")
@click.pass_context
def status(ctx: click.Context, limit: int) -> None:
    """Queue rows by state; failed rows with the reason; retrying rows with the last error."""
    services = services_of(ctx)
    with Session(services.engine) as s, s.begin():
        counts = outbox.counts(s)
        failed = outbox.failed_rows(s, limit=limit)
        retrying = outbox.pending_rows(s, failing=True, limit=limit)
        for state, n in counts.items():
            click.echo(f"{state:<11} {n}")
        for row in failed:
            click.echo(f"failed #{row.id} {row.doi} (record {row.record_id}, {row.reason}, "
                       f"{row.attempts} attempt(s)): {row.last_error}")
        for row in retrying:
            if row.state == "sending":
                due = f"being sent, lease until {_when(row.lease_until)}"
            else:
                due = f"next try {_when(row.not_before)}"
            click.echo(f"retrying #{row.id} {row.doi} (record {row.record_id}, {row.reason}, "
                       f"{row.attempts} attempt(s), {due}): {row.last_error}")


def _when(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z") if at else "-"


@doi.command()
@click.argument("dois", nargs=-1)
@click.pass_context
def retry(ctx: click.Context, dois: tuple[str, ...]) -> None:
    """Queue failed rows again (all, or those of the DOIs given), with a fresh budget."""
    services = services_of(ctx)
    with Session(write_engine(services.engine)) as s, s.begin():
        n = outbox.requeue_failed(s, [d.lower() for d in dois] if dois else None)
    click.echo(f"{n} row(s) queued again")
