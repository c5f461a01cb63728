"""``oaiserver sets add|list|update|remove``: manage OAI sets from the shell.

The main CLI adds the group (``cli.add_command(sets)``). Services come
from ``ctx.obj.services`` when the parent provides them, else from the
configuration (``OAISERVER_*``). Errors print to standard error and exit 1;
a query that does not parse names its position.
"""

from __future__ import annotations

import json
from typing import Any

import click

from repository_core.errors import InvalidQuery, InvalidRecord, RepositoryError
from repository_core.sets import create_set, delete_set, list_sets, update_set

__all__ = ["sets"]


def _services(ctx: click.Context) -> Any:
    node: click.Context | None = ctx
    while node is not None:
        if node.obj is not None and hasattr(node.obj, "services"):
            return node.obj.services
        node = node.parent
    from .config import ConfigError, load_config
    from .services import build_services

    try:
        services = build_services(load_config())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.call_on_close(services.close)
    return services


def _fail(exc: RepositoryError) -> click.ClickException:
    message = str(exc)
    if isinstance(exc, InvalidQuery) and exc.position is not None:
        pointer = " " * exc.position + "^"
        message = f"{message}\n  {exc.query}\n  {pointer}"
    if isinstance(exc, InvalidRecord):
        message = "; ".join(f"{p.pointer}: {p.message}" for p in exc.problems)
    return click.ClickException(message)


@click.group("sets")
def sets() -> None:
    """Manage OAI sets (defined by queries; membership kept up to date)."""


@sets.command("add")
@click.argument("spec")
@click.option("--name", required=True, help="Human-readable set name.")
@click.option("--query", "-q", required=True, help="The set's query (Lucene syntax).")
@click.option("--description", default=None, help="Optional description.")
@click.pass_context
def add(ctx: click.Context, spec: str, name: str, query: str, description: str | None) -> None:
    """Define set SPEC and fill it from the stored records."""
    services = _services(ctx)
    try:
        with services.records.transaction() as session:
            create_set(session, spec, name=name, query=query, description=description,
                       on_restamp=services.parts.get("sets_on_restamp"))
    except RepositoryError as exc:
        raise _fail(exc) from None
    click.echo(f"created set {spec}")


@sets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the sets."""
    services = _services(ctx)
    with services.records.reading() as session:
        found = list_sets(session)
    for s in found:
        if as_json:
            click.echo(json.dumps(s.as_dict(), ensure_ascii=False))
        else:
            click.echo(f"{s.spec}\t{s.name}\t{s.query}")


@sets.command("update")
@click.argument("spec")
@click.option("--name", default=None)
@click.option("--query", "-q", default=None)
@click.option("--description", default=None)
@click.pass_context
def update(ctx: click.Context, spec: str, name: str | None, query: str | None,
           description: str | None) -> None:
    """Change set SPEC; a new query re-evaluates its membership."""
    services = _services(ctx)
    kwargs: dict[str, Any] = {"name": name, "query": query}
    if description is not None:
        kwargs["description"] = description
    try:
        with services.records.transaction() as session:
            update_set(session, spec, on_restamp=services.parts.get("sets_on_restamp"),
                       **kwargs)
    except RepositoryError as exc:
        raise _fail(exc) from None
    click.echo(f"updated set {spec}")


@sets.command("remove")
@click.argument("spec")
@click.pass_context
def remove(ctx: click.Context, spec: str) -> None:
    """Remove set SPEC and its membership."""
    services = _services(ctx)
    try:
        with services.records.transaction() as session:
            delete_set(session, spec, on_restamp=services.parts.get("sets_on_restamp"))
    except RepositoryError as exc:
        raise _fail(exc) from None
    click.echo(f"removed set {spec}")
