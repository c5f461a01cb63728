"""``oaiserver db``: the database schema."""

from __future__ import annotations

import click

from oaiserver.services import Services
from repository_core.migrate import upgrade

from .context import pass_services

__all__ = ["db"]


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@pass_services
def db_upgrade(services: Services) -> None:
    """Create or migrate the database schema to the latest version."""
    upgrade(services.engine)
    click.echo(f"database at revision head ({services.engine.url.render_as_string(hide_password=True)})")
