"""``oaiserver serve`` and ``oaiserver demo``: the HTTP server (waitress, or gunicorn with --workers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from oaiserver.config import Config
from oaiserver.openaire_sets import ensure_openaire_sets
from oaiserver.services import Services
from repository_core.migrate import upgrade

from .context import invocation
from .doi import follow_base_url
from .load import load_paths

__all__ = ["demo", "http_server", "prepare", "serve", "web_app"]

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def web_app(config: Config | None = None, *, services: Services | None = None) -> Any:
    """The Flask application: the one place the command line reaches the web layer
    (imported here, when a server starts, so other commands never load Flask's views)."""
    from oaiserver.http.app import create_app

    return create_app(config, services=services)


def http_server(services: Services, host: str, port: int, threads: int) -> Any:
    """The waitress server ``serve`` runs (not started); port 0 picks a free one."""
    import waitress.server

    # waitress buffers a whole body before the application sees it: the
    # limit must be its own, or a 1 GiB upload is read before any 413
    return waitress.server.create_server(
        web_app(services=services), host=host, port=port, threads=threads,
        ident="oaiserver", max_request_body_size=services.config.max_request_body_bytes,
    )


def prepare(services: Services) -> None:
    """What every start does before it serves: migrate the schema, queue the DOIs'
    new landing-page URLs if the base URL changed, then bring the sets the
    configuration defines (OAISERVER_OPENAIRE_SETS) in line with it."""
    upgrade(services.engine)
    follow_base_url(services)
    for line in ensure_openaire_sets(services.sets, enabled=services.config.openaire_sets):
        click.echo(f"  {line}", err=True)


def _serve(services: Services, host: str, port: int, threads: int) -> None:
    server = http_server(services, host, port, threads)
    worker = _start_doi_worker(services)
    usage_worker = _start_usage_worker(services)
    harvest_worker = _start_harvest_worker(services)
    base = services.config.base_url.rstrip("/")
    click.echo(f"oaiserver listening on {host}:{port}, public URL {base}/", err=True)
    click.echo(f"  records: {base}/api/records", err=True)
    click.echo(f"  OAI-PMH: {base}/oai?verb=Identify", err=True)
    try:
        server.run()
    finally:
        server.close()
        if worker is not None:
            worker.stop()
        if usage_worker is not None:
            usage_worker.stop()
        if harvest_worker is not None:
            harvest_worker.stop()


def _start_doi_worker(services: Services) -> Any:
    """With OAISERVER_DATACITE_WORKER, the DOI outbox is sent from a thread of the server."""
    from datacite_client.worker import WorkerThread

    doi_worker = services.doi.worker
    if not services.config.datacite_worker or doi_worker is None:
        return None
    thread = WorkerThread(doi_worker)
    thread.start()
    click.echo("  DOI worker: sending the outbox to DataCite in the background", err=True)
    return thread


def _start_usage_worker(services: Services) -> Any:
    """With statistics and OAISERVER_STATS_WORKER on, usage events are processed
    from a thread of the server every OAISERVER_STATS_WORKER_INTERVAL_SECONDS."""
    from repository_core.stats.worker import ProcessingThread

    config = services.config
    if services.usage is None or not config.stats_worker:
        return None
    thread = ProcessingThread(services.engine, interval=config.stats_worker_interval_seconds,
                              retention_days=config.stats_retention_days)
    thread.start()
    click.echo(f"  usage statistics: processed every {config.stats_worker_interval_seconds} s "
               "in the background", err=True)
    return thread


def _start_harvest_worker(services: Services) -> Any:
    """With OAISERVER_HARVEST_INTERVAL_MINUTES above 0, every harvest source is
    harvested from a thread of the server that often (``oaiserver harvest``)."""
    from oaiserver.services import build_harvester
    from repository_core.harvest.worker import HarvestThread

    minutes = services.config.harvest_interval_minutes
    if minutes <= 0:
        return None
    thread = HarvestThread(build_harvester(services.config, services.records),
                           interval=minutes * 60)
    thread.start()
    click.echo(f"  harvesting: every source every {minutes} min in the background", err=True)
    return thread


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=16, show_default=True, type=int,
              help="Worker threads; keep above OAISERVER_OAI_MAX_CONCURRENT_LISTS so that "
                   "harvests past that limit get 503 + Retry-After instead of waiting.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Web processes. 1: waitress, background work in threads. More: "
                   "gunicorn with that many processes, background work in processes "
                   "of its own (POSIX only).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, workers: int) -> None:
    """Serve HTTP with a production WSGI server (waitress, or gunicorn with --workers)."""
    run = invocation(ctx)
    run.listen_on(host, port)
    prepare(run.services)
    if workers == 1:
        _serve(run.services, host, port, threads)
    else:
        _serve_processes(run.services, host, port, workers, threads)


def _serve_processes(services: Services, host: str, port: int, workers: int,
                     threads: int) -> None:
    from .processes import background_processes, run_gunicorn, stop_processes

    config = services.config
    services.close()  # each process opens its own connections
    base = config.base_url.rstrip("/")
    click.echo(f"oaiserver: {workers} processes x {threads} threads on {host}:{port}, "
               f"public URL {base}/", err=True)
    if config.ratelimit_enabled and not config.ratelimit_storage_url:
        click.echo("warning: rate limits are counted per process (in memory); set "
                   "OAISERVER_RATELIMIT_STORAGE_URL=redis://... to share them", err=True)
    background = background_processes(
        config, doi=config.datacite_worker and services.doi.worker is not None,
        usage=services.usage is not None and config.stats_worker,
        harvest=config.harvest_interval_minutes > 0)
    for process in background:
        click.echo(f"  {process.name}: pid {process.pid}", err=True)
    try:
        run_gunicorn(lambda: web_app(config), host, port, workers, threads)
    finally:
        stop_processes(background)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, host: str, port: int) -> None:
    """Set up the database, load the demo records on first start, and serve."""
    run = invocation(ctx)
    run.listen_on(host, port)
    services = run.services
    prepare(services)
    _, total = services.records.list(limit=1)
    if total == 0:
        # DataCite's own examples hold a few identifiers that fail their
        # checks (made-up ROR ids, a wrong ISNI check digit): kept, with a note.
        report = load_paths(services, [str(FIXTURES / "datacite-examples")], lenient=True)
        for warning in report.warnings:
            click.echo(f"note: {warning}", err=True)
        for _name, reason in report.failures:
            click.echo(f"not loaded: {reason}", err=True)
        click.echo(f"loaded {report.loaded} demo record(s)", err=True)
    _serve(services, host, port, threads=16)
