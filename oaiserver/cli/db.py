"""``oaiserver db``: the database schema."""

from __future__ import annotations

import click

from oaiserver.services import Services
from repository_core.migrate import upgrade
from repository_core.search.rank_index import rum_schema

from .context import pass_services

__all__ = ["db"]


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@pass_services
def db_upgrade(services: Services) -> None:
    """Create or migrate the database schema to the latest version.

    On PostgreSQL it also says whether the optional ``rum`` extension is
    installed (an upgrade adds its index of the search vectors when it is).
    """
    upgrade(services.engine)
    click.echo(f"database at revision head ({services.engine.url.render_as_string(hide_password=True)})")
    if services.engine.dialect.name == "postgresql":
        with services.engine.connect() as connection:
            installed = rum_schema(connection) is not None
        click.echo("search: the rum extension is installed; its index ranks one-word searches"
                   if installed else
                   "search: the rum extension is not installed (optional: see the README, "
                   "\"Search and OAI sets\")")
