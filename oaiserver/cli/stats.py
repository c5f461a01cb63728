"""``oaiserver stats``: turn recorded usage events into COUNTER figures.

``stats process`` takes in every event recorded since the last run (robots
left out, double clicks removed, unique counts per user-session), with a
progress bar, then purges raw events older than the retention period
(``OAISERVER_STATS_RETENTION_DAYS``) and past days' salts. It is idempotent
and resumable: run it from cron as often as you like, kill it at any time.
``serve`` can do the same from a thread (``OAISERVER_STATS_WORKER``).

Exit codes: 0 done, 1 statistics are off or the database cannot be used
(the message says why), 2 usage errors.
"""

from __future__ import annotations

import io
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from repository_core.stats import process_usage
from repository_core.stats.processing import DEFAULT_BATCH_SIZE, BatchResult, pending_events

from .context import services_of

__all__ = ["stats"]


@click.group()
def stats() -> None:
    """Usage statistics (COUNTER Code of Practice for Research Data)."""


@stats.command()
@click.option("--batch", type=click.IntRange(min=1), default=DEFAULT_BATCH_SIZE,
              show_default=True, help="Events taken in per transaction.")
@click.option("--retention-days", type=click.IntRange(min=0), default=None,
              help="Days raw events are kept after processing "
                   "(default: OAISERVER_STATS_RETENTION_DAYS, 30).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def process(ctx: click.Context, batch: int, retention_days: int | None, quiet: bool) -> None:
    """Process recorded usage events into daily COUNTER figures."""
    services = services_of(ctx)
    if services.usage is None:
        raise click.ClickException("usage statistics are off (OAISERVER_STATS_ENABLED=false)")
    retention = (services.config.stats_retention_days if retention_days is None
                 else retention_days)
    try:
        pending = pending_events(services.engine)
        with click.progressbar(length=pending, label="processing usage events",
                               file=io.StringIO() if quiet else sys.stderr, show_pos=True) as bar:
            def advance(done: BatchResult) -> None:
                bar.update(done.events)

            result = process_usage(services.engine, batch, retention, on_batch=advance)
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"cannot process usage events: {getattr(exc, 'orig', None) or exc} "
            "(has `oaiserver db upgrade` been run?)") from None
    click.echo(f"processed {result.events} event(s) in {result.batches} batch(es): "
               f"{result.robots} from robots left out, {result.days} record-day(s) "
               f"recomputed, {result.skipped_late} too late to count; "
               f"purged {result.purged} raw event(s) older than {retention} day(s)")
