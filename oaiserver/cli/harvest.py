"""``oaiserver harvest``: harvest other OAI-PMH providers into this repository.

``add`` names a source (its base URL, a metadataPrefix this repository can
read: ``datacite``, ``oai_datacite`` or ``oai_dc``, optionally a set and a
collection tag its records get); ``run`` harvests one source or all, page
by page (a progress line a page on standard error), each page committed
with the resumption token of the next, so a run that is killed resumes
where it stopped; the next run asks only for what changed (``from=`` the
source's ``responseDate``). ``list`` and ``status`` show the sources, what
the runs did and which records were refused and why; ``remove`` ends a
source (its records stay, or become tombstones with ``--delete-records``).
``serve`` can harvest on a schedule (``OAISERVER_HARVEST_INTERVAL_MINUTES``).

Exit codes: 0 done, 1 a source failed or is unknown (the message says why),
2 usage errors.
"""

from __future__ import annotations

from datetime import datetime

import click

from oaiserver.services import build_harvester
from repository_core.harvest.harvester import HarvestFailed, PageReport
from repository_core.harvest.mapping import PREFIXES
from repository_core.harvest.sources import (
    HarvestError,
    add_source,
    list_sources,
    remove_source,
    source_status,
)

from .context import services_of

__all__ = ["harvest"]


@click.group()
def harvest() -> None:
    """Harvest other OAI-PMH providers (records keep their provenance; no DOIs are minted)."""


@harvest.command()
@click.argument("name")
@click.argument("url")
@click.option("--prefix", required=True, type=click.Choice(PREFIXES),
              help="The metadataPrefix to harvest in.")
@click.option("--set", "set_spec", default=None, help="Harvest only this setSpec.")
@click.option("--collection", default=None,
              help="A collection tag the harvested records get (usable in set queries).")
@click.pass_context
def add(ctx: click.Context, name: str, url: str, prefix: str, set_spec: str | None,
        collection: str | None) -> None:
    """Add a source NAME at the OAI-PMH base URL."""
    services = services_of(ctx)
    try:
        with services.records.transaction() as s:
            add_source(s, name, url, prefix, set_spec=set_spec, collection=collection)
    except HarvestError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added source {name}: {url} ({prefix}{', set ' + set_spec if set_spec else ''})")


@harvest.command()
@click.argument("name", required=False)
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.pass_context
def run(ctx: click.Context, name: str | None, quiet: bool) -> None:
    """Harvest source NAME, or every source."""
    services = services_of(ctx)
    harvester = build_harvester(services.config, services.records)

    def progress(source: str, page_number: int, page: PageReport) -> None:
        if not quiet:
            click.echo(f"{source}: page {page_number}: {page.summary()}", err=True)

    if name is None:
        with services.records.reading() as s:
            names = [row.name for row in list_sources(s)]
    else:
        names = [name]
    failed = []
    for source in names:
        try:
            report = harvester.run(source, progress=progress)
        except HarvestFailed as exc:
            failed.append(source)
            click.echo(f"{source}: failed: {exc} (the next run resumes from the last "
                       "committed page)", err=True)
            continue
        except HarvestError as exc:
            raise click.ClickException(str(exc)) from None
        resumed = " (resumed)" if report.resumed else ""
        click.echo(f"{source}: {report.pages} page(s){resumed}: {report.summary()}")
        for identifier, reason in report.refusals:
            click.echo(f"  refused {identifier}: {reason}", err=True)
    if failed:
        raise click.ClickException(f"harvest failed for {', '.join(failed)}")


@harvest.command(name="list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """The sources, one a line: name, prefix, set, base URL, harvested until."""
    services = services_of(ctx)
    with services.records.reading() as s:
        rows = list_sources(s)
        for row in rows:
            click.echo("\t".join([row.name, row.metadata_prefix, row.set_spec or "-",
                                  row.base_url, row.harvested_until or "never"]))
    if not rows:
        click.echo("no harvest sources (add one with `oaiserver harvest add`)", err=True)


@harvest.command()
@click.argument("name", required=False)
@click.option("--refusals", default=10, show_default=True, type=click.IntRange(min=0),
              help="Refused records shown per source.")
@click.pass_context
def status(ctx: click.Context, name: str | None, refusals: int) -> None:
    """What the runs of NAME (or of every source) did, and what was refused and why."""
    services = services_of(ctx)
    with services.records.reading() as s:
        names = [name] if name else [row.name for row in list_sources(s)]
        try:
            states = [source_status(s, n, refusals_shown=refusals) for n in names]
        except HarvestError as exc:
            raise click.ClickException(str(exc)) from None
    for st in states:
        click.echo(f"{st.name}: {st.base_url} ({st.metadata_prefix}"
                   f"{', set ' + st.set_spec if st.set_spec else ''}"
                   f"{', collection ' + st.collection if st.collection else ''})")
        click.echo(f"  records: {st.records} live, {st.tombstones} tombstone(s)")
        click.echo(f"  harvested until: {st.harvested_until or 'never'}; last run started "
                   f"{_when(st.last_run_started)}, finished {_when(st.last_run_finished)}")
        if st.in_progress:
            click.echo(f"  a run is under way or was interrupted after {st.pages_of_run} "
                       "page(s): the next run resumes it")
        click.echo(f"  all runs: {st.created} created, {st.updated} updated, {st.deleted} "
                   f"deleted, {st.unchanged} unchanged, {st.refused} refused")
        if st.last_error:
            click.echo(f"  last error: {st.last_error}")
        for identifier, reason in st.refusals:
            click.echo(f"  refused {identifier}: {reason}")


@harvest.command()
@click.argument("name")
@click.option("--delete-records", is_flag=True,
              help="Turn the source's records into tombstones (default: they stay).")
@click.pass_context
def remove(ctx: click.Context, name: str, delete_records: bool) -> None:
    """End source NAME; its records stay (or become tombstones)."""
    services = services_of(ctx)
    try:
        deleted = remove_source(services.records, name, delete_records=delete_records)
    except HarvestError as exc:
        raise click.ClickException(str(exc)) from None
    kept = f"{deleted} record(s) now tombstones" if delete_records else "its records stay"
    click.echo(f"removed source {name}: {kept}")


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else "never"
