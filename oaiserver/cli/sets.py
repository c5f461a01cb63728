"""``oaiserver sets add|list|update|remove``: manage OAI sets from the shell.

Errors print to standard error and exit 1; a query that does not parse
names its position.
"""

from __future__ import annotations

import json
from typing import Any

import click

from repository_core.errors import InvalidQuery, InvalidRecord, RepositoryError

from .context import services_of

__all__ = ["sets"]


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
    services = services_of(ctx)
    try:
        services.sets.create(spec, name=name, query=query, description=description)
    except RepositoryError as exc:
        raise _fail(exc) from None
    click.echo(f"created set {spec}")


@sets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the sets."""
    services = services_of(ctx)
    found = services.sets.list()
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
    services = services_of(ctx)
    kwargs: dict[str, Any] = {"name": name, "query": query}
    if description is not None:
        kwargs["description"] = description
    try:
        services.sets.update(spec, **kwargs)
    except RepositoryError as exc:
        raise _fail(exc) from None
    click.echo(f"updated set {spec}")


@sets.command("remove")
@click.argument("spec")
@click.pass_context
def remove(ctx: click.Context, spec: str) -> None:
    """Remove set SPEC and its membership."""
    services = services_of(ctx)
    try:
        services.sets.delete(spec)
    except RepositoryError as exc:
        raise _fail(exc) from None
    click.echo(f"removed set {spec}")
