"""The OAI-PMH endpoint of one running server: its parts wired from configuration.

:class:`OAIEndpoint` holds the repository adapter, the formats, the token
codec, the identity and the overload gate, and answers one request with
bytes. ``endpoint_from_services(services)`` builds it from the application's
:class:`~oaiserver.services.Services`; tests build one by hand (a fake
repository, a fixed clock).

Not for HTTP details (methods, compression, 503): that is :mod:`.views`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from oaiserver.services import Services
from serializers.context import ExportContext
from serializers.registry import FORMATS

from .repository import Repository, SQLRepository
from .tokens import TokenCodec
from .verbs import Context, FormatSource, Identity, Reply, handle
from .xml import render

__all__ = ["MIN_TOKEN_LIFETIME", "OAIEndpoint", "endpoint_from_services"]

#: expirationDate is always at least this far ahead.
MIN_TOKEN_LIFETIME = timedelta(hours=24)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class OAIEndpoint:
    repo: Repository
    identity: Identity
    codec: TokenCodec
    export: ExportContext
    formats: FormatSource = FORMATS
    page_size: int = 100
    token_lifetime: timedelta = timedelta(hours=72)
    max_concurrent_lists: int = 8
    retry_after_seconds: int = 10
    clock: Callable[[], datetime] = _utcnow
    gate: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.gate = threading.BoundedSemaphore(max(1, self.max_concurrent_lists))
        self.token_lifetime = max(self.token_lifetime, MIN_TOKEN_LIFETIME)

    def reply(self, params: Mapping[str, Sequence[str]]) -> Reply:
        ctx = Context(
            repo=self.repo,
            formats=self.formats,
            export=self.export,
            identity=self.identity,
            codec=self.codec,
            now=self.clock(),
            page_size=self.page_size,
            token_lifetime=self.token_lifetime,
        )
        return handle(params, ctx)

    def respond(self, params: Mapping[str, Sequence[str]], *, stylesheet: str | None = None) -> bytes:
        return render(self.reply(params), base_url=self.identity.base_url, stylesheet=stylesheet)


def endpoint_from_services(services: Services) -> OAIEndpoint:
    """The endpoint for the application's services (``oaiserver.services.Services``)."""
    config = services.config
    base = config.base_url.rstrip("/")
    return OAIEndpoint(
        repo=SQLRepository(services.engine),
        identity=Identity(
            repository_name=config.repository_name,
            base_url=f"{base}/oai",
            repository_id=config.repository_id,
            admin_emails=tuple(e.strip() for e in config.admin_email.split(",") if e.strip()),
        ),
        codec=TokenCodec(services.signing_key),
        export=services.export_context,
        page_size=config.oai_page_size,
        token_lifetime=timedelta(hours=config.oai_token_lifetime_hours),
        max_concurrent_lists=config.oai_max_concurrent_lists,
    )
