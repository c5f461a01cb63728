"""Stateless, signed resumption tokens.

A token carries everything needed to continue a list request sequence: the
verb and selective-harvesting arguments, the snapshot bound taken at the
first page, the keyset cursor ``(datestamp, id)`` of the last item sent,
the count sent so far (``cursor``), the complete list size estimated at the
first page, and an expiry. It is signed with HMAC (itsdangerous), so it
cannot be forged or altered, and it needs no server-side state: it survives
restarts and works across several server processes that share the key.

The key is ``Services.signing_key``: ``Config.secret_key`` when set, else the
installation's random secret kept in its database, so all processes of one
installation agree without any coordination.

Not for access control: a token grants nothing a harvester could not ask for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer

from .errors import BadResumptionToken

__all__ = ["TokenCodec", "TokenState"]

_SALT = "oaiserver.oai.resumptionToken.v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _to_us(value: datetime | None) -> int | None:
    if value is None:
        return None
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    return _EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True)
class TokenState:
    """Where a list request sequence stands."""

    verb: str
    metadata_prefix: str | None
    set_spec: str | None
    since: datetime | None  # inclusive lower datestamp bound (from)
    until: datetime | None  # inclusive upper datestamp bound (until), before the snapshot
    bound: datetime | None  # snapshot bound of the first page
    after_datestamp: datetime | None  # keyset cursor: strictly after this position
    after_id: str | None
    cursor: int  # items sent before this page
    complete_list_size: int
    expires: datetime

    def advance(self, after_datestamp: datetime | None, after_id: str, sent: int,
                expires: datetime) -> TokenState:
        return replace(self, after_datestamp=after_datestamp, after_id=after_id,
                       cursor=self.cursor + sent, expires=expires)


class TokenCodec:
    """Turns a :class:`TokenState` into an opaque URL-safe string and back."""

    def __init__(self, key: bytes | str | Callable[[], bytes | str]):
        """``key`` may be a function, called on first use (the installation's
        key is read from a database that may not be migrated yet)."""
        self._key = key
        self._serializer_made: URLSafeSerializer | None = None

    @property
    def _serializer(self) -> URLSafeSerializer:
        if self._serializer_made is None:
            key = self._key() if callable(self._key) else self._key
            self._serializer_made = URLSafeSerializer(key, salt=_SALT)
        return self._serializer_made

    def dumps(self, state: TokenState) -> str:
        payload = [
            state.verb,
            state.metadata_prefix,
            state.set_spec,
            _to_us(state.since),
            _to_us(state.until),
            _to_us(state.bound),
            _to_us(state.after_datestamp),
            state.after_id,
            state.cursor,
            state.complete_list_size,
            int(state.expires.timestamp()),
        ]
        token = self._serializer.dumps(payload)
        assert isinstance(token, str)
        return token

    def loads(self, token: str, *, now: datetime) -> TokenState:
        """The state in ``token``; ``BadResumptionToken`` if forged, malformed or expired."""
        try:
            payload = self._serializer.loads(token)
        except BadData:
            raise BadResumptionToken("The resumptionToken is not one this repository issued.")
        try:
            (verb, prefix, set_spec, since, until, bound, after_ds, after_id,
             cursor, size, expires) = payload
            state = TokenState(
                verb=str(verb),
                metadata_prefix=prefix,
                set_spec=set_spec,
                since=_from_us(since),
                until=_from_us(until),
                bound=_from_us(bound),
                after_datestamp=_from_us(after_ds),
                after_id=after_id,
                cursor=int(cursor),
                complete_list_size=int(size),
                expires=datetime.fromtimestamp(int(expires), UTC),
            )
        except (TypeError, ValueError, OverflowError):
            raise BadResumptionToken("The resumptionToken is malformed.")
        if state.expires < now:
            raise BadResumptionToken("The resumptionToken has expired; start the list again.")
        return state
