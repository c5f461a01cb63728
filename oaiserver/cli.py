"""The ``oaiserver`` command line.

Conventions: ``--help`` everywhere, ``-`` for standard input, errors on
standard error with the file (and line) they concern, exit code 0 on
success, 1 when some input failed, 2 for usage errors (click's own).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from repository_core.errors import RecordDeleted, RepositoryError
from repository_core.loading import LoadReport, expand_paths, load_source
from repository_core.migrate import upgrade
from serializers.registry import FORMATS

from .config import ConfigError, load_config
from .doi_cli import doi
from .search_cli import search
from .services import Services, build_services
from .sets_cli import sets

__all__ = ["cli", "main"]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class Context:
    def __init__(self) -> None:
        self._services: Services | None = None
        self.overrides: dict[str, Any] = {}

    @property
    def services(self) -> Services:
        if self._services is None:
            try:
                self._services = build_services(load_config(self.overrides))
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._services

    def listen_on(self, host: str, port: int) -> None:
        """Without a configured public URL, the server's own address is it."""
        try:
            configured = "base_url" in load_config().explicit
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        if not configured:
            shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
            if ":" in shown:
                shown = f"[{shown}]"
            self.overrides["base_url"] = f"http://{shown}:{port}"


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oaiserver")
def cli() -> None:
    """Metadata server for research repositories: DataCite, OAI-PMH, DOIs.

    Configuration comes from OAISERVER_* environment variables and the TOML
    file named by OAISERVER_CONFIG.
    """


@cli.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database schema to the latest version."""
    upgrade(ctx.services.engine)
    click.echo(f"database at revision head ({_safe_url(ctx.services)})")


def _safe_url(services: Services) -> str:
    return services.engine.url.render_as_string(hide_password=True)


def load_paths(
    services: Services, paths: Sequence[str], *, quiet: bool = False, lenient: bool = False
) -> LoadReport:
    report = LoadReport()
    sources = list(expand_paths(paths))
    with click.progressbar(sources, label="loading", file=sys.stderr,
                           hidden=quiet or len(sources) < 2,
                           item_show_func=lambda s: s and Path(s).name) as bar:
        for source in bar:
            try:
                stream = sys.stdin.buffer if source == "-" else None
                report.loaded += load_source(
                    services.records, "<stdin>" if source == "-" else source, stream,
                    lenient_identifiers=lenient, warnings=report.warnings,
                )
            except (RepositoryError, SQLAlchemyError) as exc:
                name = "<stdin>" if source == "-" else source
                reason = str(exc)
                if not reason.startswith(name):
                    reason = f"{name}: {reason}"
                report.failures.append((name, reason))
    return report


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--lenient-identifiers", is_flag=True,
              help="Keep identifiers that fail their checksum or syntax check "
                   "(legacy records), with a warning for each.")
@pass_context
def load(ctx: Context, paths: tuple[str, ...], quiet: bool, lenient_identifiers: bool) -> None:
    """Load records from files, folders (recursively) or '-' (stdin).

    DataCite XML (kernel 4.0 to 4.7), DataCite JSON (attributes or a REST
    API document), this server's record JSON, or JSON lines. Each file
    loads whole or not at all.
    """
    upgrade(ctx.services.engine)
    report = load_paths(ctx.services, paths, quiet=quiet, lenient=lenient_identifiers)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for _name, reason in report.failures:
        click.echo(f"error: {reason}", err=True)
    click.echo(f"loaded {report.loaded} record(s), {len(report.failures)} file(s) failed",
               err=True)
    if not report.ok:
        sys.exit(1)


def _serve(services: Services, host: str, port: int, threads: int) -> None:
    import waitress

    from .app import create_app

    app = create_app(services=services)
    worker = _start_doi_worker(services)
    base = services.config.base_url.rstrip("/")
    click.echo(f"oaiserver listening on {host}:{port}, public URL {base}/", err=True)
    click.echo(f"  records: {base}/api/records", err=True)
    click.echo(f"  OAI-PMH: {base}/oai?verb=Identify", err=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="oaiserver")
    finally:
        if worker is not None:
            worker.stop()


def _start_doi_worker(services: Services) -> Any:
    """With OAISERVER_DATACITE_WORKER, the DOI outbox is sent from a thread of the server."""
    from datacite_client.worker import WorkerThread

    doi_worker = services.parts["doi"].worker
    if not services.config.datacite_worker or doi_worker is None:
        return None
    thread = WorkerThread(doi_worker)
    thread.start()
    click.echo("  DOI worker: sending the outbox to DataCite in the background", err=True)
    return thread


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=16, show_default=True, type=int,
              help="Worker threads; keep above OAISERVER_OAI_MAX_CONCURRENT_LISTS so that "
                   "harvests past that limit get 503 + Retry-After instead of waiting.")
@pass_context
def serve(ctx: Context, host: str, port: int, threads: int) -> None:
    """Serve HTTP with a production WSGI server (waitress)."""
    ctx.listen_on(host, port)
    upgrade(ctx.services.engine)
    _serve(ctx.services, host, port, threads)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_context
def demo(ctx: Context, host: str, port: int) -> None:
    """Set up the database, load the demo records on first start, and serve."""
    ctx.listen_on(host, port)
    services = ctx.services
    upgrade(services.engine)
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


@cli.group()
def records() -> None:
    """Show and delete single records."""


@records.command("show")
@click.argument("record_id")
@pass_context
def records_show(ctx: Context, record_id: str) -> None:
    """Print a record as REST JSON."""
    import json

    from .api.documents import record_document

    try:
        record = ctx.services.records.get(record_id, include_deleted=True)
    except RepositoryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(record_document(record, ctx.services.config.base_url),
                          indent=2, ensure_ascii=False))


@records.command("delete")
@click.argument("record_id")
@pass_context
def records_delete(ctx: Context, record_id: str) -> None:
    """Delete a record (its tombstone stays)."""
    try:
        record = ctx.services.records.delete(record_id)
    except RecordDeleted:
        raise click.ClickException(f"record {record_id!r} is already deleted") from None
    except RepositoryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"deleted {record.id} (revision {record.revision})")


@cli.command()
@click.argument("record_id")
@click.option("-f", "--format", "format_name", default="datacite", show_default=True,
              help="A format name: " + ", ".join(FORMATS.names()))
@click.option("-o", "--output", type=click.File("wb"), default="-",
              help="Write to this file instead of standard output.")
@pass_context
def export(ctx: Context, record_id: str, format_name: str, output: Any) -> None:
    """Print a record in one of the registered formats (the bytes the server sends)."""
    from serializers.export_errors import ExportError

    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise click.BadParameter(
            f"unknown format {format_name!r}; choose from {', '.join(FORMATS.names())}",
            param_hint="--format")
    try:
        record = ctx.services.records.get(record_id)
        if not fmt.available(record):
            raise click.ClickException(f"record {record_id!r} cannot be exported as "
                                       f"{format_name} (DataCite XML needs a DOI)")
        output.write(fmt.dump(record, ctx.services.export_context))
    except (RepositoryError, ExportError) as exc:
        raise click.ClickException(str(exc)) from None


cli.add_command(doi)
cli.add_command(sets)
cli.add_command(search)


def main(argv: Sequence[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="oaiserver")
