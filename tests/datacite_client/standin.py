"""A local stand-in for DataCite's REST API, for tests: a real HTTP server.

It speaks the parts of ``https://api.datacite.org/dois`` that oaiserver uses,
with DataCite's semantics:

- HTTP basic auth with the repository id and password (401 otherwise);
  each repository owns prefixes, and acting on a DOI under another prefix
  is 403;
- ``PUT /dois/{doi}`` is an upsert: 201 when it creates the DOI (a draft),
  200 when it updates; attributes are merged, ``event`` moves the state:
  ``publish`` draft/registered -> findable, ``register`` draft -> registered,
  ``hide`` findable -> registered; other transitions are ignored, as
  DataCite's state machine (``whiny_transitions: false``) does;
- a registered or findable DOI must have url, creators, titles, publisher,
  publicationYear and types.resourceTypeGeneral, else 422 with DataCite's
  body ``{"errors": [{"source": "creators", "title": "..."}]}``;
- ``GET /dois/{doi}`` 200 or 404; ``DELETE /dois/{doi}`` 204 for a draft,
  405 for a registered/findable DOI, 404 if there is none; other methods 405.

Fault injection (``Faults``): latency, 429 with ``Retry-After``, 500, and
dropped connections (the socket closed without an answer, before or after
the request took effect), each with a probability drawn from a seeded RNG;
and ``by_doi``: an HTTP status every request for that DOI gets (a poisoned
DOI), whatever the others get.

``standin.dois`` maps every DOI to its state and latest attributes, for
tests to inspect; ``standin.requests`` counts requests by outcome.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import unquote, urlsplit

__all__ = ["REQUIRED", "DataCiteStandIn", "Faults", "StoredDOI"]

JSON_API = "application/vnd.api+json"
REQUIRED = ("url", "creators", "titles", "publisher", "publicationYear", "types")


@dataclass
class Faults:
    """Probabilities (0..1) of each fault per request, drawn from ``seed``."""

    latency: tuple[float, float] = (0.0, 0.0)  # seconds, uniform
    p_500: float = 0.0
    p_429: float = 0.0
    p_drop: float = 0.0
    retry_after: str = "1"
    seed: int = 0
    by_doi: dict[str, int] = field(default_factory=dict)  # DOI (lower case) -> status


@dataclass
class StoredDOI:
    doi: str
    state: str = "draft"
    attributes: dict[str, Any] = field(default_factory=dict)
    owner: str = ""
    updates: int = 0


def _missing(attributes: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    for name in REQUIRED:
        value = attributes.get(name)
        if name == "types":
            ok = isinstance(value, dict) and bool(value.get("resourceTypeGeneral"))
            if not ok:
                errors.append({"source": "types", "title": "Resource type general can't be blank"})
            continue
        if name == "publisher" and isinstance(value, dict):
            value = value.get("name")
        if value in (None, "", [], {}):
            errors.append({"source": name, "title": f"{name[0].upper()}{name[1:]} can't be blank"})
    return errors


class DataCiteStandIn:
    """``with DataCiteStandIn(accounts={"USER": ("pw", ["10.1234"])}) as dc: dc.url``."""

    def __init__(
        self,
        accounts: dict[str, tuple[str, list[str]]] | None = None,
        faults: Faults | None = None,
    ):
        self.accounts = accounts or {"TEST.REPO": ("secret", ["10.1234"])}
        self.faults = faults or Faults()
        self.dois: dict[str, StoredDOI] = {}
        self.requests: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        self.log: list[tuple[str, str, int]] = []  # (method, doi, status); -1 = dropped
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)

    def draw(self) -> tuple[float, str | None]:
        """(latency, fault) for one request: fault in None/500/429/drop-before/drop-after."""
        with self._lock:
            f, rng = self.faults, self._rng
            delay = rng.uniform(*f.latency) if f.latency[1] > 0 else 0.0
            roll = rng.random()
            fault = None
            if roll < f.p_drop:
                fault = "drop-before" if rng.random() < 0.5 else "drop-after"
            elif roll < f.p_drop + f.p_500:
                fault = "500"
            elif roll < f.p_drop + f.p_500 + f.p_429:
                fault = "429"
            return delay, fault

    # -- the API's semantics (called with the lock held) ----------------------------
    def owns(self, user: str, doi: str) -> bool:
        prefix = doi.split("/", 1)[0]
        return prefix in self.accounts[user][1]

    def apply(self, method: str, user: str, doi: str, body: Any) -> tuple[int, Any]:
        stored = self.dois.get(doi)
        if method == "GET":
            if stored is None:
                return 404, _error(404, "The resource you are looking for doesn't exist.")
            return 200, self.document(stored)
        if not self.owns(user, doi):
            return 403, _error(403, "You are not authorized to access this resource.")
        if method == "DELETE":
            if stored is None:
                return 404, _error(404, "The resource you are looking for doesn't exist.")
            if stored.state != "draft":
                return 405, _error(405, "Method not allowed")
            del self.dois[doi]
            return 204, None
        if method != "PUT":
            return 405, _error(405, "Method not allowed")
        try:
            attributes = dict(body["data"]["attributes"])
        except (TypeError, KeyError):
            return 400, _error(400, "You need to provide a payload following the JSONAPI spec")
        if attributes.get("doi", doi).lower() != doi:
            return 422, {"errors": [{"source": "doi", "title": "Does not match the DOI in the URL"}]}
        event = attributes.pop("event", None)
        for key in ("doi", "state", "prefix", "suffix"):
            attributes.pop(key, None)
        merged = {**(stored.attributes if stored else {}), **attributes}
        state = stored.state if stored else "draft"
        new_state = state
        if event == "publish" and state in ("draft", "registered"):
            new_state = "findable"
        elif event == "register" and state == "draft" or event == "hide" and state == "findable":
            new_state = "registered"
        elif event not in (None, "publish", "register", "hide"):
            return 422, {"errors": [{"source": "event", "title": f"Unknown event {event}"}]}
        if new_state != "draft":
            errors = _missing(merged)
            if errors:
                return 422, {"errors": [{**e, "uid": doi} for e in errors]}
        created = stored is None
        if created:
            stored = StoredDOI(doi=doi, owner=user)
            self.dois[doi] = stored
        assert stored is not None
        stored.attributes, stored.state = merged, new_state
        stored.updates += 1
        return (201 if created else 200), self.document(stored)

    @staticmethod
    def document(stored: StoredDOI) -> dict[str, Any]:
        prefix, suffix = stored.doi.split("/", 1)
        attrs = {**stored.attributes, "doi": stored.doi, "prefix": prefix, "suffix": suffix,
                 "state": stored.state}
        return {"data": {"id": stored.doi, "type": "dois", "attributes": attrs}}

    # -- HTTP ------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # headers and body leave in one segment (no 40 ms delayed ACK)

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", JSON_API)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                standin.user_agents.add(self.headers.get("User-Agent", ""))
                path = unquote(urlsplit(self.path).path)
                doi = path[len("/dois/"):].lower() if path.startswith("/dois/") else ""
                delay, fault = standin.draw()
                if delay:
                    time.sleep(delay)
                poisoned = standin.faults.by_doi.get(doi)
                if poisoned is not None:
                    standin._note(method, doi, poisoned)
                    return self._send(poisoned, _error(poisoned, "Injected failure"))
                if fault == "drop-before":
                    standin._note(method, doi, -1)
                    return self._drop()
                if fault == "500":
                    standin._note(method, doi, 500)
                    return self._send(500, _error(500, "Internal server error"))
                if fault == "429":
                    standin._note(method, doi, 429)
                    return self._send(429, _error(429, "Too many requests"),
                                      {"Retry-After": standin.faults.retry_after})
                user = self._user()
                if user is None:
                    standin._note(method, doi, 401)
                    return self._send(401, _error(401, "Bad credentials."))
                if not doi or "/" not in doi:
                    standin._note(method, doi, 404)
                    return self._send(404, _error(404, "The resource you are looking for "
                                                       "doesn't exist."))
                body = None
                if method == "PUT":
                    if self.headers.get("Content-Type", "").split(";")[0] != JSON_API:
                        standin._note(method, doi, 415)
                        return self._send(415, _error(415, "Unsupported media type"))
                    try:
                        body = json.loads(raw or b"null")
                    except ValueError:
                        standin._note(method, doi, 400)
                        return self._send(400, _error(400, "Invalid JSON"))
                with standin._lock:
                    status, answer = standin.apply(method, user, doi, body)
                if fault == "drop-after":
                    standin._note(method, doi, -1)
                    return self._drop()
                standin._note(method, doi, status)
                self._send(status, answer)

            def _user(self) -> str | None:
                scheme, _, value = self.headers.get("Authorization", "").partition(" ")
                if scheme.lower() != "basic":
                    return None
                try:
                    user, _, password = base64.b64decode(value).decode().partition(":")
                except ValueError:
                    return None
                account = standin.accounts.get(user)
                if account is None or account[0] != password:
                    return None
                return user

        return Handler

    def _note(self, method: str, doi: str, status: int) -> None:
        with self._lock:
            self.requests[str(status) if status >= 0 else "dropped"] += 1
            self.log.append((method, doi, status))


class _QuietServer(ThreadingHTTPServer):
    """A client that went away (a timeout in a test) is no error of the server's."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _error(status: int, title: str) -> dict[str, Any]:
    return {"errors": [{"status": str(status), "title": title}]}
