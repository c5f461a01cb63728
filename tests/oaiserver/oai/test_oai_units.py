"""Pure parts of the OAI-PMH endpoint: dates, arguments, tokens, and the verbs
against a fake repository (no database, no Flask)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import oaiserver.oai
from oaiserver.oai.arguments import OAIRequest, check_request
from oaiserver.oai.dates import Granularity, format_datestamp, parse_utc_date
from oaiserver.oai.errors import BadResumptionToken
from oaiserver.oai.repository import Entry, SetInfo
from oaiserver.oai.tokens import TokenCodec, TokenState
from oaiserver.oai.verbs import Context, Identity, handle
from repository_core.datestamps import ceil_second
from repository_core.records import Cursor, Record
from serializers.registry import FORMATS
from tests.contexts import export_context

NOW = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)


def test_public_api() -> None:
    assert sorted(oaiserver.oai.__all__) == sorted([
        "Entry", "OAIEndpoint", "OAIError", "Repository", "Reply", "SetInfo", "handle",
    ])


def test_dates() -> None:
    day = parse_utc_date("2024-02-29")
    assert day.granularity is Granularity.DAY
    assert day.start == datetime(2024, 2, 29, tzinfo=UTC)
    assert day.end == datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    second = parse_utc_date("2024-02-29T10:11:12Z")
    assert second.end == datetime(2024, 2, 29, 10, 11, 12, 999999, tzinfo=UTC)
    # the extremes of the form: the last day/second covers up to datetime.max
    # (no overflow), the first day starts at year 1
    last = datetime.max.replace(tzinfo=UTC)
    assert parse_utc_date("9999-12-31").end == last
    assert parse_utc_date("9999-12-31T23:59:59Z").end == last
    assert parse_utc_date("9999-12-31T23:59:58Z").end == last - timedelta(seconds=1)
    assert parse_utc_date("0001-01-01").start == datetime.min.replace(tzinfo=UTC)
    assert parse_utc_date("0001-01-01").end == datetime(1, 1, 1, 23, 59, 59, 999999, tzinfo=UTC)
    for bad in ("2023-02-29", "2024-2-1", "2024-01-01T10:00Z", "2024-01-01T10:00:00+01:00",
                "2024-01-01 10:00:00Z", "20240101", "",
                "2024-01-01\n", "2024-01-01T10:00:00Z\n"):
        with pytest.raises(ValueError):
            parse_utc_date(bad)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11, minutes=-30))])))
def test_datestamps_are_written_in_seconds_in_utc_and_read_back(value: datetime) -> None:
    text = format_datestamp(value)
    assert len(text) == 20  # YYYY-MM-DDThh:mm:ssZ: four digits for years before 1000 too
    assert parse_utc_date(text).start == value.astimezone(UTC).replace(microsecond=0)


def test_arguments_are_echoed_verbatim_in_order() -> None:
    request = check_request({"until": ["2020-01-01"], "verb": ["ListRecords"],
                             "metadataPrefix": ["oai_dc"]})
    assert isinstance(request, OAIRequest)
    assert request.arguments == (("verb", "ListRecords"), ("until", "2020-01-01"),
                                 ("metadataPrefix", "oai_dc"))


states = st.builds(
    TokenState,
    verb=st.sampled_from(["ListRecords", "ListIdentifiers", "ListSets"]),
    metadata_prefix=st.none() | st.sampled_from(["oai_dc", "datacite"]),
    set_spec=st.none() | st.from_regex(r"[a-z]{1,8}(:[a-z]{1,8})?", fullmatch=True),
    since=st.none() | st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 2),
                                   max_value=datetime(2200, 1, 1)),
    until=st.none() | st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 2),
                                   max_value=datetime(2200, 1, 1)),
    bound=st.none() | st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 2),
                                   max_value=datetime(2200, 1, 1)),
    after_datestamp=st.none() | st.datetimes(timezones=st.just(UTC),
                                             min_value=datetime(1970, 1, 2),
                                             max_value=datetime(2200, 1, 1)),
    after_id=st.none() | st.text(min_size=1, max_size=64),
    cursor=st.integers(0, 10**9),
    complete_list_size=st.integers(0, 10**9),
    expires=st.just(datetime(2030, 1, 1, tzinfo=UTC)),
)


@given(states)
def test_token_round_trip(state: TokenState) -> None:
    codec = TokenCodec("k")
    token = codec.dumps(state)
    assert all(c.isalnum() or c in "-_." for c in token), "URL-safe"
    assert codec.loads(token, now=NOW) == state


def test_token_is_signed_and_expires() -> None:
    state = TokenState("ListRecords", "oai_dc", None, None, None, NOW, NOW, "x", 7, 20,
                       NOW + timedelta(hours=24))
    token = TokenCodec("k").dumps(state)
    with pytest.raises(BadResumptionToken):
        TokenCodec("another key").loads(token, now=NOW)
    with pytest.raises(BadResumptionToken):
        TokenCodec("k").loads(token.replace(".", "x.", 1), now=NOW)
    with pytest.raises(BadResumptionToken):
        TokenCodec("k").loads(token, now=NOW + timedelta(hours=25))


# -- verbs against a fake repository ------------------------------------------------
@dataclass
class FakeRepository:
    """Records in memory; ``bound`` is what snapshot_bound answers."""

    records: dict[str, Record] = field(default_factory=dict)
    sets: list[SetInfo] = field(default_factory=list)

    def put(self, rid: str, stamp: datetime, *, deleted: bool = False) -> None:
        self.records[rid] = Record(id=rid, metadata={"titles": [{"title": rid}]},
                                   created=stamp, datestamp=stamp, deleted=deleted)

    def earliest_datestamp(self):
        return min((r.datestamp for r in self.records.values()), default=None)

    def snapshot_bound(self, now):
        return ceil_second(now)  # as repository_core.datestamps.serve_bound does

    def get(self, record_id):
        r = self.records.get(record_id)
        return None if r is None else Entry(r, r.datestamp, r.deleted, ())

    def has_sets(self):
        return bool(self.sets)

    def _select(self, since, until, after):
        rows = sorted(self.records.values(), key=lambda r: (r.datestamp, r.id))
        return [r for r in rows
                if (since is None or r.datestamp >= since)
                and (until is None or r.datestamp <= until)
                and (after is None or (r.datestamp, r.id) > (after.datestamp, after.id))]

    def list_records(self, *, set_spec, since, until, after: Cursor | None, limit,
                     require_doi=False, payload_format=None):
        return [Entry(r, r.datestamp, r.deleted, ())
                for r in self._select(since, until, after)[:limit]]

    def count_records(self, *, set_spec, since, until, require_doi=False):
        return len(self._select(since, until, None))

    def list_sets(self, *, after, limit):
        return [s for s in self.sets if after is None or s.spec > after][:limit]

    def count_sets(self):
        return len(self.sets)


def context(repo: FakeRepository, now: datetime = NOW, page_size: int = 2) -> Context:
    return Context(
        repo=repo, formats=FORMATS, export=export_context(),
        identity=Identity("Test", "http://example.org/oai", "example.org", ("a@example.org",)),
        codec=TokenCodec("k"), now=now, page_size=page_size, token_lifetime=timedelta(hours=72),
    )


def test_verbs_are_pure_given_a_repository() -> None:
    repo = FakeRepository()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(5):
        repo.put(f"r{i}", t0 + timedelta(minutes=i))
    reply = handle({"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"]}, context(repo))
    assert [h.identifier for h in reply.items] == ["oai:example.org:r0", "oai:example.org:r1"]
    assert reply.resumption.cursor == 0 and reply.resumption.complete_list_size == 5
    # the snapshot bound is the next whole second, and the first responseDate
    assert reply.response_date == datetime(2026, 3, 1, 12, 0, 1, tzinfo=UTC)


def test_resumed_page_when_the_rest_of_the_list_moved() -> None:
    """Spec 3.5.1: a re-issued list may show records that moved out of the range;
    a page is never empty, and the list still ends with an empty token."""
    repo = FakeRepository()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(3):
        repo.put(f"r{i}", t0 + timedelta(minutes=i))
    first = handle({"verb": ["ListRecords"], "metadataPrefix": ["oai_dc"]}, context(repo))
    token = first.resumption.token
    repo.put("r2", NOW + timedelta(seconds=5))  # changed after the harvest began
    later = NOW + timedelta(seconds=10)
    reply = handle({"verb": ["ListRecords"], "resumptionToken": [token]}, context(repo, later))
    assert [i.header.identifier for i in reply.items] == ["oai:example.org:r2"]
    assert reply.resumption.token == ""
    # a list whose remaining records vanished entirely cannot be resumed
    del repo.records["r2"]
    reply = handle({"verb": ["ListRecords"], "resumptionToken": [token]}, context(repo, later))
    assert [e.code for e in reply.errors] == ["badResumptionToken"]
