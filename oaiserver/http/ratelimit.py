"""Rate limits with Flask-Limiter: guests, token holders and harvesters each their own budget.

Defaults are Zenodo's published ones: REST guests 60 requests a minute and
2,000 an hour, token holders 100 and 5,000; OAI-PMH 120 requests a minute
per client and at most 2 list requests of one client at a time (a single
sequential harvester is never slowed). Every limit is configuration.

- The client is the socket peer, or, when the peer is one of
  ``OAISERVER_TRUSTED_PROXIES``, the right-most address of
  ``X-Forwarded-For`` that is not a trusted proxy. The limiter's keys are
  an HMAC of that address with the installation's secret, never the
  address itself; a token holder's key is an HMAC of the token.
- REST answers 429 with ``Retry-After`` and ``X-RateLimit-*``; OAI-PMH
  answers 503 with ``Retry-After``, the protocol's own flow control.
- Counters live in memory (one budget a process) or, with
  ``OAISERVER_RATELIMIT_STORAGE_URL`` (``redis://...``), in Redis, so that
  several server processes share one budget.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit

from oaiserver.config import Config

from .clients import client_address, trusted_networks
from .current import current_services
from .health import HEALTH_ENDPOINTS
from .problems import problem

__all__ = ["ListGate", "RateLimits", "install_rate_limits"]

def _bearer() -> str | None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return given.strip() or None


class ListGate:
    """At most ``per_client`` concurrent OAI list requests of one client (in this process)."""

    def __init__(self, per_client: int):
        self.per_client = max(1, per_client)
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()

    @contextmanager
    def enter(self, client: str) -> Iterator[bool]:
        with self._lock:
            admitted = self._running[client] < self.per_client
            if admitted:
                self._running[client] += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._running[client] -= 1
                    if not self._running[client]:
                        del self._running[client]


class RateLimits:
    """The limiter of one app and the keys it counts by."""

    def __init__(self, config: Config, secret: Any):
        self.config = config
        self.trusted = trusted_networks(config.trusted_proxies)
        self._secret = secret  # callable: the installation's key, read on first use
        self.lists = ListGate(config.oai_max_lists_per_client)

    def _mac(self, value: str) -> str:
        key = str(self._secret()).encode()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def client(self) -> str:
        """The hashed client address (also the OAI list gate's key)."""
        return self._mac(client_address(request.remote_addr,
                                        request.headers.get("X-Forwarded-For"), self.trusted))

    def _is_token_holder(self) -> bool:
        given = _bearer()
        if given is None:
            return False
        return any(hmac.compare_digest(t.encode(), given.encode()) for t in self.config.api_tokens)

    def key(self) -> str:
        if request.path.startswith("/oai"):
            return "oai:" + self.client()
        if self._is_token_holder():
            return "token:" + self._mac("token:" + (_bearer() or ""))
        return "guest:" + self.client()

    def limit(self) -> str:
        if request.path.startswith("/oai"):
            return self.config.ratelimit_oai
        if self._is_token_holder():
            return self.config.ratelimit_token
        return self.config.ratelimit_guest


def _breached(limit: RequestLimit) -> Response:
    retry = str(max(1, math.ceil(limit.reset_at - time.time())))
    if request.path.startswith("/oai"):
        response = Response(f"Too many requests; retry in {retry} seconds.\n", status=503,
                            mimetype="text/plain")
    else:
        response = problem(429, "Too many requests",
                           f"the limit is {limit.limit}; retry after {retry} seconds")
    response.headers["Retry-After"] = retry
    return response


#: never limited: stylesheets (the pages' and the OAI XSL) come with every page
#: view, and the health checks a load balancer polls
_EXEMPT = frozenset({"oai.static", "site.static"}) | HEALTH_ENDPOINTS


def install_rate_limits(app: Flask, config: Config) -> RateLimits | None:
    """Attach the limiter to ``app`` (nothing when ``ratelimit_enabled`` is off)."""
    if not config.ratelimit_enabled:
        return None
    limits = RateLimits(config, lambda: current_services().signing_key)
    limiter = Limiter(
        limits.key,
        app=app,
        application_limits=[limits.limit],
        headers_enabled=True,
        storage_uri=config.ratelimit_storage_url or "memory://",
        strategy="moving-window" if not config.ratelimit_storage_url else "fixed-window",
        key_prefix="oaiserver",
        on_breach=_breached,
        application_limits_exempt_when=lambda: request.endpoint in _EXEMPT,
    )
    app.extensions["oaiserver.ratelimits"] = limits
    app.extensions["oaiserver.limiter"] = limiter
    return limits
