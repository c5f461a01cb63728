"""How a command reaches the application's parts: :func:`pass_services`.

The services are built once per invocation, from configuration
(``OAISERVER_*`` and the TOML file), when the first command asks for them.
A test or an embedding program may hand in its own: ``obj=services`` on
``cli.main`` or ``CliRunner.invoke`` is used as it is. A configuration
error becomes a usage-style error message and exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from oaiserver.config import ConfigError, load_config
from oaiserver.services import Services, build_services

__all__ = ["Invocation", "invocation", "pass_services", "services_of"]

F = TypeVar("F", bound=Callable[..., Any])


class Invocation:
    """One run of the command line: configuration overrides, then the services."""

    def __init__(self) -> None:
        self.overrides: dict[str, Any] = {}
        self._services: Services | None = None

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


def invocation(ctx: click.Context) -> Invocation:
    """This run's :class:`Invocation` (made on first use, kept on the root context)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Invocation):
        root.obj = Invocation()
    return root.obj


def services_of(ctx: click.Context) -> Services:
    """The services handed in (``obj=services``), else this run's own."""
    obj = ctx.find_root().obj
    if isinstance(obj, Services):
        return obj
    return invocation(ctx).services


def pass_services(command: F) -> F:
    """Call the command with the services as its first argument."""
    @click.pass_context
    @wraps(command)
    def wrapper(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        return command(services_of(ctx), *args, **kwargs)

    return wrapper  # type: ignore[return-value]
