"""``oaiserver search``: rebuild the search indexes; drain the Elasticsearch queue.

The database stays the source of truth: the embedded indexes (query terms
and the full-text table) are rebuilt from the records in one transaction;
an Elasticsearch / OpenSearch index is rebuilt beside the live one and the
alias swapped, so searches never see a half-built index.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import func, select

from repository_core.models import RecordRow
from repository_core.query import reindex_terms
from repository_core.search import reindex_search
from repository_core.store import row_to_record

from .context import services_of

__all__ = ["search"]

BATCH = 500


@click.group()
def search() -> None:
    """Rebuild search indexes (embedded and Elasticsearch)."""


@search.command("reindex")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def reindex(ctx: click.Context, quiet: bool) -> None:
    """Rebuild the embedded indexes and, if configured, the Elasticsearch index."""
    services = services_of(ctx)
    with services.records.transaction() as session:
        total = session.execute(select(func.count()).select_from(RecordRow)).scalar_one()
        rows = session.execute(select(RecordRow).order_by(RecordRow.id)).scalars()
        with click.progressbar(length=total, label="query terms", file=sys.stderr,
                               hidden=quiet) as bar:
            batch: list[Any] = []
            for row in rows:
                batch.append(row_to_record(row))
                if len(batch) == BATCH:
                    reindex_terms(session, batch)
                    bar.update(len(batch))
                    batch = []
            reindex_terms(session, batch)
            bar.update(len(batch))
        documents = reindex_search(session)
    click.echo(f"embedded index: {total} record(s), {documents} full-text row(s)", err=True)
    backend = services.search_engine
    if backend is not None:
        index = backend.reindex()
        click.echo(f"Elasticsearch: alias now points at {index}", err=True)


@search.command("sync")
@click.pass_context
def sync(ctx: click.Context) -> None:
    """Send queued record changes to Elasticsearch (kept while the cluster is down)."""
    services = services_of(ctx)
    backend = services.search_engine
    if backend is None:
        raise click.ClickException("no search engine configured (OAISERVER_SEARCH_URL)")
    sent = backend.process_queue()
    click.echo(f"sent {sent} queued change(s)", err=True)
