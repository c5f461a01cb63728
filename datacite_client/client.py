"""A client for DataCite's REST API (``/dois``), with typed errors and retries.

When to use: every call to DataCite from oaiserver (the outbox worker, the
CLI). It is a thin layer over ``requests``: one method a REST operation,
JSON:API bodies (``application/vnd.api+json``), a timeout on every call,
retries with backoff on 429/5xx/no answer (``retry.py``), and one error tree
(``errors.py``). The HTTP session is injectable (``Session.mount`` is the
test seam); the client holds no other state, so one instance can be shared
by threads if its session is.

When not to use: deciding *which* DOI or *when* to send is not here
(``doi_policy.py``, ``lifecycle.py``, ``worker.py``).

Every write is ``PUT /dois/{doi}``: DataCite treats it as an upsert, so a
request that is sent twice (a retry after a dropped connection) ends in the
same state. State changes are the ``event`` attribute of that PUT:
``publish`` (-> findable), ``register`` (draft -> registered), ``hide``
(findable -> registered). Only drafts can be deleted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote

import requests

from .errors import DOINotFound, NetworkError, UnexpectedResponse, error_for_status
from .retry import RetryPolicy, call_with_retries, parse_retry_after

__all__ = ["JSON_API", "TEST_API_URL", "DOIDocument", "DataCiteClient", "user_agent"]

JSON_API = "application/vnd.api+json"
TEST_API_URL = "https://api.test.datacite.org"
EVENTS = ("publish", "register", "hide")


def _version() -> str:
    try:
        return version("oaiserver")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def user_agent(contact: str = "") -> str:
    """``oaiserver/<version> (+<contact>)``, as DataCite asks API users to identify."""
    base = f"oaiserver/{_version()}"
    return f"{base} (+{contact})" if contact else base


@dataclass(frozen=True)
class DOIDocument:
    """A DOI as DataCite answered: its state and attributes."""

    doi: str
    state: str
    attributes: dict[str, Any] = field(default_factory=dict)
    created: bool = False  # True when a PUT created it (201)

    @property
    def url(self) -> str | None:
        return self.attributes.get("url")


class DataCiteClient:
    """``PUT``/``GET``/``DELETE`` on ``{api_url}/dois/{doi}``."""

    def __init__(
        self,
        api_url: str,
        *,
        auth: tuple[str, str],
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = 10.0,
        retry: RetryPolicy | None = None,
        contact: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.api_url = api_url.rstrip("/")
        self.auth = auth
        self.session = session or requests.Session()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.user_agent = user_agent(contact)
        self._sleep = sleep
        self.retries = 0  # how many retries this client made (for logs and tests)

    def __repr__(self) -> str:
        return f"<DataCiteClient {self.api_url} as {self.auth[0]}>"

    # -- operations ---------------------------------------------------------
    def get_doi(self, doi: str) -> DOIDocument:
        """The DOI's state and attributes; ``DOINotFound`` if DataCite has none."""
        _status, body = self._call("GET", doi)
        return self._document(doi, body, created=False)

    def put_doi(
        self, doi: str, attributes: Mapping[str, Any], *, event: str | None = None
    ) -> DOIDocument:
        """Create or update the DOI with these attributes (an idempotent upsert)."""
        attrs = dict(attributes)
        attrs["doi"] = doi
        if event is not None:
            if event not in EVENTS:
                raise ValueError(f"unknown DataCite event {event!r}; one of {EVENTS}")
            attrs["event"] = event
        else:
            attrs.pop("event", None)
        payload = {"data": {"id": doi, "type": "dois", "attributes": attrs}}
        status, body = self._call("PUT", doi, payload)
        return self._document(doi, body, created=status == 201)

    def publish(self, doi: str, attributes: Mapping[str, Any] | None = None) -> DOIDocument:
        """Make the DOI findable (from draft or registered)."""
        return self.put_doi(doi, attributes or {}, event="publish")

    def register(self, doi: str, attributes: Mapping[str, Any] | None = None) -> DOIDocument:
        """Make a draft DOI registered (resolvable, not in DataCite's search)."""
        return self.put_doi(doi, attributes or {}, event="register")

    def hide(self, doi: str, attributes: Mapping[str, Any] | None = None) -> DOIDocument:
        """Take a findable DOI out of DataCite's search (it becomes registered)."""
        return self.put_doi(doi, attributes or {}, event="hide")

    def delete_doi(self, doi: str) -> None:
        """Delete a draft DOI. ``MethodNotAllowed`` if it is registered or findable.

        A 404 on a *retried* DELETE means the first attempt did it: success.
        """
        attempt = {"n": 0}

        def once() -> tuple[int, Any]:
            attempt["n"] += 1
            try:
                return self._request("DELETE", doi, None)
            except DOINotFound:
                if attempt["n"] > 1:
                    return 204, None
                raise

        call_with_retries(once, self.retry, sleep=self._sleep, on_retry=self._count)

    # -- plumbing -------------------------------------------------------------
    def _url(self, doi: str) -> str:
        return f"{self.api_url}/dois/{quote(doi, safe='/')}"

    def _count(self, _retry: int, _exc: BaseException, _wait: float) -> None:
        self.retries += 1

    def _call(self, method: str, doi: str, payload: Any = None) -> tuple[int, Any]:
        return call_with_retries(
            lambda: self._request(method, doi, payload),
            self.retry,
            sleep=self._sleep,
            on_retry=self._count,
        )

    def _request(self, method: str, doi: str, payload: Any) -> tuple[int, Any]:
        url = self._url(doi)
        headers = {"Accept": JSON_API, "User-Agent": self.user_agent}
        data = None
        if payload is not None:
            headers["Content-Type"] = JSON_API
            data = json.dumps(payload).encode("utf-8")
        try:
            resp = self.session.request(
                method, url, data=data, headers=headers, auth=self.auth, timeout=self.timeout
            )
        except requests.RequestException as exc:  # refused, dropped, timed out
            raise NetworkError(
                f"no answer from DataCite: {type(exc).__name__}: {exc}", method=method, url=url
            ) from exc
        body = _json_or_none(resp)
        if resp.status_code >= 400:
            errors = body.get("errors") if isinstance(body, dict) else None
            if not isinstance(errors, list):
                errors = [{"status": str(resp.status_code), "title": resp.text[:500]}]
            raise error_for_status(
                resp.status_code,
                [e if isinstance(e, dict) else {"title": str(e)} for e in errors],
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                method=method,
                url=url,
            )
        return resp.status_code, body

    @staticmethod
    def _document(doi: str, body: Any, *, created: bool) -> DOIDocument:
        try:
            data = body["data"]
            attrs = dict(data.get("attributes") or {})
            return DOIDocument(
                doi=str(data.get("id") or attrs.get("doi") or doi).lower(),
                state=str(attrs.get("state") or ""),
                attributes=attrs,
                created=created,
            )
        except (TypeError, KeyError, AttributeError) as exc:
            raise UnexpectedResponse(f"not a JSON:API DOI document: {exc!r}") from exc


def _json_or_none(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None
