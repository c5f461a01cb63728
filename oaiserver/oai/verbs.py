"""The six OAI-PMH verbs, pure given a :class:`~.repository.Repository`.

``handle(params, ctx)`` is the whole protocol: it checks the arguments
(every error found together), runs one verb and returns a :class:`Reply`,
a plain description of the response that :mod:`.xml` turns into bytes. No
Flask, no SQL, no clock here: the context brings the repository, the
formats, the token codec and ``now``.

Consistency while records change (spec 3.5.1): the first page of a list
takes a snapshot bound from the repository (``serve_bound``: no later write
gets a datestamp at or below it) and every later page keeps that upper
limit, read from the signed token. So a harvest started at T returns every
record with a datestamp <= T that did not change meanwhile exactly once
(keyset order is stable), and a later ``from=T`` harvest returns everything
that changed, since all of it carries datestamps > T. The bound is ``now``
rounded up to the whole second, so a list includes every write committed
before it began; the first page's ``responseDate`` is that bound (less than
a second ahead of the clock), so a harvester that keeps it as T is right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from lxml import etree

from repository_core.records import (
    Cursor,
    Provenance,
    Record,
    local_id_from_oai_identifier,
    oai_identifier,
)
from serializers.context import ExportContext

from .arguments import OAIRequest, check_request
from .errors import (
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
)
from .payloads import serialize
from .repository import Entry, KeptEntry, PayloadCache, Repository
from .tokens import TokenCodec, TokenState

__all__ = [
    "EMPTY_REPOSITORY_EARLIEST",
    "Context",
    "FormatSource",
    "Header",
    "IdentifyBody",
    "Identity",
    "KeptRecords",
    "MetadataFormatItem",
    "OAIFormat",
    "RecordItem",
    "Reply",
    "Resumption",
    "SetItem",
    "handle",
]

#: earliestDatestamp of a repository with no record yet: a lower limit of any datestamp.
EMPTY_REPOSITORY_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


class OAIFormat(Protocol):
    """What the endpoint needs of a ``serializers.registry.Format``."""

    oai_prefix: str | None
    schema: str | None
    namespace: str | None
    oai_payload: Callable[[Record, ExportContext], etree._Element] | None
    available: Callable[[Record], bool]


class FormatSource(Protocol):
    """What the endpoint needs of ``serializers.registry.FORMATS``."""

    def by_oai_prefix(self, prefix: str) -> Any: ...

    def oai_formats(self, record: Record | None = None) -> list[Any]: ...


@dataclass(frozen=True)
class Identity:
    """The repository as Identify describes it (from configuration)."""

    repository_name: str
    base_url: str
    repository_id: str
    admin_emails: tuple[str, ...]
    sample_local_id: str = "k3d9f-2m8qa"


@dataclass(frozen=True)
class Context:
    repo: Repository
    formats: FormatSource
    export: ExportContext
    identity: Identity
    codec: TokenCodec
    now: datetime
    page_size: int
    token_lifetime: timedelta
    #: kept payloads (None: every payload rendered on each request)
    payloads: PayloadCache | None = None


# -- the reply, described ---------------------------------------------------
@dataclass(frozen=True)
class Header:
    identifier: str
    datestamp: datetime
    sets: tuple[str, ...] = ()
    deleted: bool = False


@dataclass(frozen=True)
class RecordItem:
    header: Header
    #: the ``<metadata>`` child: serialized (:func:`.payloads.serialize`) or an element
    metadata: bytes | etree._Element | None = None
    #: a harvested record's origin, shown in ``<about>`` (OAI provenance schema)
    about: Provenance | None = None


@dataclass(frozen=True)
class KeptRecords:
    """The records of a list page written from their kept payloads
    (:meth:`.repository.Repository.list_page`): one item for the whole page,
    which :mod:`.xml` writes as it writes the :class:`RecordItem` values (or,
    without ``metadata``, the :class:`Header` values) of :meth:`items`,
    without building them."""

    repository_id: str
    entries: tuple[KeptEntry, ...]
    #: ListRecords; False for ListIdentifiers (headers only)
    metadata: bool = True

    def items(self) -> tuple[RecordItem, ...] | tuple[Header, ...]:
        headers = tuple(Header(oai_identifier(self.repository_id, e.id), e.datestamp, e.sets)
                        for e in self.entries)
        if not self.metadata:
            return headers
        return tuple(RecordItem(header, e.payload, e.provenance)
                     for header, e in zip(headers, self.entries, strict=True))


@dataclass(frozen=True)
class MetadataFormatItem:
    prefix: str
    schema: str
    namespace: str


@dataclass(frozen=True)
class SetItem:
    spec: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class IdentifyBody:
    repository_name: str
    base_url: str
    admin_emails: tuple[str, ...]
    earliest_datestamp: datetime
    repository_id: str
    sample_identifier: str


@dataclass(frozen=True)
class Resumption:
    """A ``resumptionToken`` element; ``token`` empty on the last page."""

    token: str
    cursor: int
    complete_list_size: int
    expiration: datetime | None = None


@dataclass(frozen=True)
class Reply:
    response_date: datetime
    #: attributes of <request>: empty after badVerb/badArgument (spec 3.2)
    request: tuple[tuple[str, str], ...]
    verb: str | None
    errors: tuple[OAIError, ...] = ()
    identify: IdentifyBody | None = None
    items: tuple[Any, ...] = field(default_factory=tuple)
    resumption: Resumption | None = None


# -- dispatch -----------------------------------------------------------------
def handle(params: Mapping[str, Sequence[str]], ctx: Context) -> Reply:
    """The reply to one request, given its raw ``key -> [values]`` arguments."""
    checked = check_request(params)
    if isinstance(checked, list):
        return Reply(ctx.now, (), None, errors=tuple(checked))
    try:
        return _VERBS[checked.verb](checked, ctx)
    except _Errors as exc:
        return Reply(ctx.now, checked.arguments, checked.verb, errors=tuple(exc.errors))
    except OAIError as exc:
        return Reply(ctx.now, checked.arguments, checked.verb, errors=(exc,))


class _Errors(Exception):
    def __init__(self, errors: list[OAIError]):
        self.errors = errors


def _raise_all(errors: list[OAIError]) -> None:
    if errors:
        raise _Errors(errors)


def _ok(req: OAIRequest, ctx: Context, **body: Any) -> Reply:
    return Reply(ctx.now, req.arguments, req.verb, **body)


def _header(entry: Entry, ctx: Context) -> Header:
    return Header(
        identifier=oai_identifier(ctx.identity.repository_id, entry.record.id),
        datestamp=entry.datestamp,
        sets=entry.sets,
        deleted=entry.deleted,
    )


def _record_items(
    entries: Sequence[Entry], fmt: Any, ctx: Context, *, look_up: bool = False
) -> tuple[RecordItem, ...]:
    """The records with their payloads: the kept ones still valid (``Entry.payload``,
    or from the cache when ``look_up``), the others rendered now and handed to the
    cache to keep."""
    prefix = fmt.oai_prefix
    kept: Mapping[str, bytes] = {}
    if look_up and ctx.payloads is not None:
        missing = [e.record for e in entries if not e.deleted and e.payload is None]
        kept = ctx.payloads.lookup(prefix, missing) if missing else {}
    fresh: list[tuple[Record, bytes]] = []
    items = []
    for entry in entries:
        if entry.deleted:
            items.append(RecordItem(_header(entry, ctx)))
            continue
        payload = entry.payload or kept.get(entry.record.id)
        if payload is None:
            payload = serialize(fmt.oai_payload(entry.record, ctx.export))
            fresh.append((entry.record, payload))
        items.append(RecordItem(_header(entry, ctx), payload, entry.provenance))
    if fresh and ctx.payloads is not None:
        ctx.payloads.keep(prefix, fresh)
    return tuple(items)


def _entry_for(identifier: str, ctx: Context) -> Entry:
    local = local_id_from_oai_identifier(ctx.identity.repository_id, identifier)
    entry = ctx.repo.get(local) if local is not None else None
    if entry is None:
        raise IdDoesNotExist(f"No item has the identifier {identifier!r} in this repository.")
    return entry


def _format(prefix: str, ctx: Context) -> Any:
    fmt = ctx.formats.by_oai_prefix(prefix)
    if fmt is None or fmt.oai_payload is None:
        raise CannotDisseminateFormat(
            f"The metadata format {prefix!r} is not supported by this repository."
        )
    return fmt


# -- Identify -------------------------------------------------------------------
def identify(req: OAIRequest, ctx: Context) -> Reply:
    earliest = ctx.repo.earliest_datestamp() or EMPTY_REPOSITORY_EARLIEST
    ident = ctx.identity
    return _ok(req, ctx, identify=IdentifyBody(
        repository_name=ident.repository_name,
        base_url=ident.base_url,
        admin_emails=ident.admin_emails,
        earliest_datestamp=earliest.replace(microsecond=0),
        repository_id=ident.repository_id,
        sample_identifier=oai_identifier(ident.repository_id, ident.sample_local_id),
    ))


# -- GetRecord and ListMetadataFormats --------------------------------------------
def get_record(req: OAIRequest, ctx: Context) -> Reply:
    assert req.identifier is not None and req.metadata_prefix is not None
    errors: list[OAIError] = []
    fmt = entry = None
    try:
        fmt = _format(req.metadata_prefix, ctx)
    except OAIError as exc:
        errors.append(exc)
    try:
        entry = _entry_for(req.identifier, ctx)
    except OAIError as exc:
        errors.append(exc)
    _raise_all(errors)
    assert fmt is not None and entry is not None
    if not fmt.available(entry.record):
        raise CannotDisseminateFormat(
            f"The format {req.metadata_prefix!r} is not available for this item."
        )
    return _ok(req, ctx, items=_record_items([entry], fmt, ctx, look_up=True))


def list_metadata_formats(req: OAIRequest, ctx: Context) -> Reply:
    if req.identifier is not None:
        entry = _entry_for(req.identifier, ctx)
        formats = ctx.formats.oai_formats(entry.record)
        if not formats:
            raise NoMetadataFormats()
    else:
        formats = ctx.formats.oai_formats()
    items = tuple(
        MetadataFormatItem(f.oai_prefix, f.schema, f.namespace)
        for f in formats
        if f.oai_payload is not None
    )
    if not items:
        raise NoMetadataFormats()
    return _ok(req, ctx, items=items)


# -- ListRecords and ListIdentifiers -------------------------------------------------
def list_records(req: OAIRequest, ctx: Context) -> Reply:
    return _list(req, ctx, with_metadata=True)


def list_identifiers(req: OAIRequest, ctx: Context) -> Reply:
    return _list(req, ctx, with_metadata=False)


def _require_doi(fmt: Any) -> bool:
    """True when the format is available exactly for records with a DOI (an SQL filter)."""
    return bool(fmt.requires_doi)


def _start(req: OAIRequest, ctx: Context) -> tuple[TokenState, Any, datetime]:
    """The state of a new list: checks, then the snapshot bound."""
    assert req.metadata_prefix is not None
    errors: list[OAIError] = []
    fmt = None
    try:
        fmt = _format(req.metadata_prefix, ctx)
    except OAIError as exc:
        errors.append(exc)
    if req.set_spec is not None and not ctx.repo.has_sets():
        errors.append(NoSetHierarchy("This repository has no sets; the set argument cannot be used."))
    _raise_all(errors)
    # The bound is the next whole second: the list includes every write
    # committed before it began, and later writes get datestamps above it.
    bound = ctx.repo.snapshot_bound(ctx.now)
    state = TokenState(
        verb=req.verb,
        metadata_prefix=req.metadata_prefix,
        set_spec=req.set_spec,
        since=req.from_.start if req.from_ else None,
        until=req.until.end if req.until else None,
        bound=bound,
        after_datestamp=None,
        after_id=None,
        cursor=0,
        complete_list_size=0,
        expires=ctx.now,
    )
    return state, fmt, bound


def _ceil_second(value: datetime) -> datetime:
    whole = value.replace(microsecond=0)
    return whole if whole == value else whole + timedelta(seconds=1)


def _resume(req: OAIRequest, ctx: Context) -> tuple[TokenState, Any]:
    assert req.resumption_token is not None
    state = ctx.codec.loads(req.resumption_token, now=ctx.now)
    if state.verb != req.verb:
        raise BadResumptionToken(f"This resumptionToken continues a {state.verb} list.")
    fmt = None
    if state.metadata_prefix is not None:
        fmt = ctx.formats.by_oai_prefix(state.metadata_prefix)
        if fmt is None or fmt.oai_payload is None:
            raise BadResumptionToken("The metadata format of this list is no longer supported.")
    return state, fmt


def _after(state: TokenState) -> Cursor | None:
    if state.after_id is None or state.after_datestamp is None:
        return None
    return Cursor(state.after_datestamp, state.after_id)


def _fetch(
    ctx: Context, state: TokenState, fmt: Any, *, since: datetime | None, until: datetime | None,
) -> tuple[list[KeptEntry], list[Entry], bool]:
    """Up to a page of records after the cursor, and whether more follow (limit + 1):
    as :class:`KeptEntry` values when the repository found every one live with a
    valid kept payload in the format (the first list, the second empty), else as
    entries (the second).

    When the endpoint keeps payloads, the repository is asked for them (for
    ListIdentifiers too): a record with a valid one was available in the format
    when it was rendered, at the same revision; the others are checked here.
    """
    limit = ctx.page_size
    after = _after(state)
    found: list[Entry] = []
    payload_format = fmt.oai_prefix if ctx.payloads is not None else None
    batch: list[Entry] | list[KeptEntry]
    first = True
    while True:
        if payload_format is not None and first:
            first = False
            batch = ctx.repo.list_page(
                set_spec=state.set_spec, since=since, until=until, after=after,
                limit=limit + 1, require_doi=_require_doi(fmt), payload_format=payload_format,
            )
            if batch and isinstance(batch[0], KeptEntry):
                return batch[:limit], [], len(batch) > limit
            entries = cast(list[Entry], batch)
        else:
            entries = ctx.repo.list_records(
                set_spec=state.set_spec, since=since, until=until, after=after,
                limit=limit + 1, require_doi=_require_doi(fmt), payload_format=payload_format,
            )
        found.extend(e for e in entries if e.payload is not None or fmt.available(e.record))
        if len(found) > limit or len(entries) <= limit:
            return [], found[:limit], len(found) > limit
        after = entries[-1].position


def _list(req: OAIRequest, ctx: Context, *, with_metadata: bool) -> Reply:
    first = req.resumption_token is None
    if first:
        state, fmt, response_date = _start(req, ctx)
    else:
        state, fmt = _resume(req, ctx)
        response_date = ctx.now
    upper = state.bound if state.until is None else min(state.until, state.bound or state.until)

    kept, entries, more = _fetch(ctx, state, fmt, since=state.since, until=upper)
    if not entries and not kept:
        if first:
            raise NoRecordsMatch("No record matches the from, until, set and metadataPrefix given.")
        # Everything after the cursor changed since the list began (it moved
        # past the snapshot bound): spec 3.5.1 allows showing moved records.
        assert state.bound is not None
        since = max(state.since or state.bound, state.bound + _TICK)
        kept, entries, _ = _fetch(ctx, state, fmt, since=since, until=state.until)
        more = False
        if not entries and not kept:
            raise BadResumptionToken("The list changed while it was harvested; start it again.")

    size = state.complete_list_size
    if first:
        size = ctx.repo.count_records(
            set_spec=state.set_spec, since=state.since, until=upper,
            require_doi=_require_doi(fmt),
        )
    count = len(kept) or len(entries)
    sent = state.cursor + count
    size = max(size, sent + 1) if more else sent

    resumption = None
    if more:
        expires = (ctx.now + ctx.token_lifetime).replace(microsecond=0)
        last = kept[-1].position if kept else entries[-1].position
        next_state = replace(state, complete_list_size=size).advance(
            last.datestamp, last.id, count, expires
        )
        resumption = Resumption(ctx.codec.dumps(next_state), state.cursor, size, expires)
    elif not first:
        resumption = Resumption("", state.cursor, size)

    items: tuple[Any, ...]
    if kept:
        items = (KeptRecords(ctx.identity.repository_id, tuple(kept), with_metadata),)
    elif with_metadata:
        items = _record_items(entries, fmt, ctx)
    else:
        items = tuple(_header(e, ctx) for e in entries)
    return Reply(response_date, req.arguments, req.verb, items=items, resumption=resumption)


# -- ListSets -----------------------------------------------------------------------
def list_sets(req: OAIRequest, ctx: Context) -> Reply:
    if not ctx.repo.has_sets():
        raise NoSetHierarchy("This repository does not support sets: none is defined.")
    if req.resumption_token is not None:
        state, _ = _resume(req, ctx)
        first = False
    else:
        state = TokenState("ListSets", None, None, None, None, None, None, None, 0,
                           ctx.repo.count_sets(), ctx.now)
        first = True
    limit = ctx.page_size
    sets = ctx.repo.list_sets(after=state.after_id, limit=limit + 1)
    more = len(sets) > limit
    sets = sets[:limit]
    if not sets:
        raise BadResumptionToken("The sets changed while they were listed; start again.")
    sent = state.cursor + len(sets)
    size = max(state.complete_list_size, sent + 1) if more else sent
    resumption = None
    if more:
        expires = (ctx.now + ctx.token_lifetime).replace(microsecond=0)
        next_state = replace(state, complete_list_size=size).advance(
            None, sets[-1].spec, len(sets), expires
        )
        resumption = Resumption(ctx.codec.dumps(next_state), state.cursor, size, expires)
    elif not first:
        resumption = Resumption("", state.cursor, size)
    items = tuple(SetItem(s.spec, s.name, s.description) for s in sets)
    return _ok(req, ctx, items=items, resumption=resumption)


_VERBS: dict[str, Callable[[OAIRequest, Context], Reply]] = {
    "GetRecord": get_record,
    "Identify": identify,
    "ListIdentifiers": list_identifiers,
    "ListMetadataFormats": list_metadata_formats,
    "ListRecords": list_records,
    "ListSets": list_sets,
}
