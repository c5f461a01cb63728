"""The Flask application factory: the HTTP face of oaiserver.

``create_app()`` reads configuration (or takes it), builds the services once
and registers the blueprints. Views stay thin: parse, call a service,
return; domain errors become RFC 9457 problems here, in one place.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from oaiserver.config import Config, load_config
from oaiserver.documents import isoformat
from oaiserver.oai.views import bp as oai_endpoint
from oaiserver.services import Services, build_services
from oaiserver.syndication.views import bp as syndication
from repository_core.errors import RecordDeleted, RepositoryError

from .api.doi import bp as doi_api
from .api.openapi import bp as openapi_api
from .api.records import bp as records_api
from .api.sets import bp as sets_api
from .api.stats import bp as stats_api
from .api.versions import bp as versions_api
from .api.versions import concepts_bp as concepts_api
from .current import current_services
from .health import bp as health
from .pages.records import bp as record_pages
from .pages.site import bp as site_pages
from .problems import describe_failure, problem, problem_from_error, problem_from_http
from .ratelimit import install_rate_limits
from .security import add_security_headers

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(config: Config | None = None, *, services: Services | None = None) -> Flask:
    config = config or (services.config if services else load_config())
    services = services or build_services(config)
    app = Flask(__name__, static_folder=None)  # /static is the pages blueprint's
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["oaiserver"] = services

    app.register_blueprint(records_api)
    app.register_blueprint(versions_api)
    app.register_blueprint(concepts_api)
    app.register_blueprint(record_pages)
    app.register_blueprint(doi_api)
    app.register_blueprint(oai_endpoint)
    app.register_blueprint(sets_api)
    app.register_blueprint(stats_api)
    app.register_blueprint(health)
    app.register_blueprint(syndication)  # sitemaps, robots.txt, ResourceSync
    app.register_blueprint(openapi_api)
    app.register_blueprint(site_pages)
    _register_errors(app)
    install_rate_limits(app, config)
    app.after_request(_location_from_base_url)
    app.after_request(add_security_headers)

    return app


def _location_from_base_url(response: Response) -> Response:
    """Point a redirect that Werkzeug built from the request's ``Host`` at the base URL.

    Werkzeug's routing redirects (a path with ``//`` merged, say) are absolute
    URLs made from the ``Host`` header, which the client chose: a Host-header
    injection. ``OAISERVER_BASE_URL`` is the only source of absolute URLs.
    """
    location = response.headers.get("Location")
    if not location:
        return response
    target = urlsplit(location)
    if not target.netloc or target.netloc != request.host:
        return response
    base = urlsplit(current_services().config.base_url)
    if (target.scheme, target.netloc) == (base.scheme, base.netloc):
        return response
    path = target.path
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    rebuilt = base.path.rstrip("/") + path
    response.headers["Location"] = urlunsplit((base.scheme, base.netloc, rebuilt, target.query, ""))
    return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(RecordDeleted)
    def _gone(exc: RecordDeleted) -> Response:
        record: Any = exc.record
        return problem(410, "Gone", str(exc), id=record.id,
                       deleted=isoformat(record.datestamp))

    @app.errorhandler(RepositoryError)
    def _domain(exc: RepositoryError) -> Response:
        return problem_from_error(exc)

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError) -> Response:
        # A uniqueness race the service's checks could not see: retrying helps.
        log.warning("integrity conflict on %s %s: %s", request.method, request.path, exc.orig)
        return problem(409, "Conflict", "the write conflicts with another one; read and retry")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return problem_from_http(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return problem_from_http(exc)
        log.error("unexpected error on %s %s: %s", request.method, request.path,
                  describe_failure(exc))
        return problem(500, "Internal server error",
                       "the server failed; the error was logged")
