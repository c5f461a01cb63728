"""The OAI-PMH endpoint of one running server: its parts wired from configuration.

:class:`OAIEndpoint` holds the repository adapter, the formats, the token
codec, the identity and the overload gate, and answers one request with
bytes. Its settings are required arguments: the configuration
(``oaiserver.config``) is their only source of defaults, and
``oaiserver.services`` builds the endpoint from it; tests build one by hand
(a fake repository, a fixed clock).

Not for HTTP details (methods, compression, 503): that is :mod:`.views`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from serializers.context import ExportContext
from serializers.registry import FORMATS

from .errors import OAIError
from .repository import PayloadCache, Repository
from .tokens import TokenCodec
from .verbs import Context, FormatSource, Identity, Reply, handle
from .xml import render

__all__ = ["MIN_TOKEN_LIFETIME", "OAIEndpoint"]

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
    page_size: int
    token_lifetime: timedelta
    max_concurrent_lists: int
    retry_after_seconds: int
    formats: FormatSource = FORMATS
    clock: Callable[[], datetime] = _utcnow
    #: rendered payloads kept between requests; None renders every payload every time
    payloads: PayloadCache | None = None
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
            payloads=self.payloads,
        )
        return handle(params, ctx)

    def respond(self, params: Mapping[str, Sequence[str]], *, stylesheet: str | None = None) -> bytes:
        return render(self.reply(params), base_url=self.identity.base_url, stylesheet=stylesheet)

    def refuse(self, error: OAIError, *, stylesheet: str | None = None) -> bytes:
        """An error found before the arguments could be read (an undecodable body, say).

        Rendered as ``handle`` renders badVerb and badArgument: the
        ``<request>`` element without attributes.
        """
        reply = Reply(self.clock(), (), None, errors=(error,))
        return render(reply, base_url=self.identity.base_url, stylesheet=stylesheet)
