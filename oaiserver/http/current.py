"""The one way a view reaches the application's parts: :func:`current_services`."""

from __future__ import annotations

from flask import current_app

from oaiserver.services import Services

__all__ = ["current_services"]


def current_services() -> Services:
    """The services the running app was built with (``create_app``)."""
    services: Services = current_app.extensions["oaiserver"]
    return services
