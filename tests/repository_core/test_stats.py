"""Usage statistics by COUNTER's rules, on crafted event streams.

Every expected figure is worked out by hand in the test from the Code of
Practice: robots out, clicks of one session on one record within 30 s
count once, a unique count per user-session (client and hour of day).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import Engine, func, inspect, select, text, update
from sqlalchemy.orm import Session

from repository_core.errors import InvalidUsageQuery
from repository_core.models import InstanceSettingRow, RecordRow
from repository_core.stats import (
    UsageRecorder,
    UsageTotals,
    dataset_report,
    item_totals,
    items_totals,
    process_usage,
    processing,
    usage_series,
    views_subquery,
)
from repository_core.stats.sessions import SALT_PREFIX
from repository_core.stats.tables import UsageDailyRow, UsageEventRow, UsageStateRow

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
OTHER_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Safari/605.1.15"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
T0 = datetime(2024, 3, 14, 10, 5, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)
SCHEMA = json.loads((Path(__file__).parent / "counter_dsr.schema.json").read_text())


@pytest.fixture
def recorder(engine: Engine) -> UsageRecorder:
    return UsageRecorder(engine)


def view(recorder: UsageRecorder, record_id: str, when: datetime, *, ip: str = "192.0.2.10",
         agent: str = BROWSER, method: str = "Regular") -> None:
    recorder.record(record_id, "investigation", method, ip, agent, when=when)


def totals(engine: Engine, record_id: str) -> UsageTotals:
    with Session(engine) as session:
        return item_totals(session, record_id)


def daily_rows(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        return [tuple(r) for r in session.execute(
            select(UsageDailyRow.record_id, UsageDailyRow.day, UsageDailyRow.access_method,
                   UsageDailyRow.total_investigations, UsageDailyRow.unique_investigations,
                   UsageDailyRow.total_requests, UsageDailyRow.unique_requests)
            .order_by(UsageDailyRow.record_id, UsageDailyRow.day, UsageDailyRow.access_method))]


def add_record(engine: Engine, record_id: str, *, doi: str | None, title: str) -> None:
    with Session(engine) as session, session.begin():
        session.add(RecordRow(
            id=record_id, doi=doi, collections=[], created=T0, datestamp=T0, revision=1,
            deleted=False, metadata_json={
                "titles": [{"title": title}], "publisher": {"name": "Example Data Centre"},
                "publicationYear": "2021", "types": {"resourceTypeGeneral": "Dataset"}}))


# -- COUNTER's rules ---------------------------------------------------------

def test_robot_from_the_list_is_left_out(engine, recorder):
    view(recorder, "a", T0, agent=GOOGLEBOT)
    view(recorder, "a", T0 + timedelta(minutes=5), agent=GOOGLEBOT, ip="192.0.2.99")
    view(recorder, "a", T0 + timedelta(minutes=10), agent="")  # no user agent: a robot too
    view(recorder, "a", T0)
    result = process_usage(engine, now=NOW)
    assert result.events == 4 and result.robots == 3
    assert totals(engine, "a") == UsageTotals(1, 1, 0, 0)


@pytest.mark.parametrize(("gap", "counted"), [(10, 1), (29, 1), (30, 1), (31, 2), (40, 2)])
def test_double_click_within_30_seconds_counts_once(engine, recorder, gap, counted):
    view(recorder, "a", T0)
    view(recorder, "a", T0 + timedelta(seconds=gap))
    process_usage(engine, now=NOW)
    # one client in one hour: one user-session, however many clicks count
    assert totals(engine, "a") == UsageTotals(counted, 1, 0, 0)


def test_a_chain_of_quick_clicks_counts_once(engine, recorder):
    for second in (0, 20, 40, 60):  # each within 30 s of the one before
        view(recorder, "a", T0 + timedelta(seconds=second))
    view(recorder, "a", T0 + timedelta(seconds=200))
    process_usage(engine, now=NOW)
    assert totals(engine, "a") == UsageTotals(2, 1, 0, 0)


def test_double_clicks_are_per_session_and_record(engine, recorder):
    view(recorder, "a", T0)
    view(recorder, "a", T0 + timedelta(seconds=5), ip="192.0.2.11")  # another client
    view(recorder, "b", T0 + timedelta(seconds=5))  # another record
    process_usage(engine, now=NOW)
    assert totals(engine, "a") == UsageTotals(2, 2, 0, 0)
    assert totals(engine, "b") == UsageTotals(1, 1, 0, 0)


def test_same_client_across_two_hours_is_two_sessions(engine, recorder):
    start = T0.replace(minute=50)  # 10:50, 10:55, then 11:05
    view(recorder, "a", start)
    view(recorder, "a", start + timedelta(minutes=5))
    view(recorder, "a", start + timedelta(minutes=15))
    view(recorder, "a", start + timedelta(minutes=15), agent=OTHER_BROWSER)  # another client
    process_usage(engine, now=NOW)
    # 3 counted clicks of client 1 + 1 of client 2; sessions: (1, 10h), (1, 11h), (2, 11h)
    assert totals(engine, "a") == UsageTotals(4, 3, 0, 0)


def test_session_hash_changes_with_the_day(engine, recorder):
    view(recorder, "a", T0)
    view(recorder, "a", T0 + timedelta(days=1))
    with Session(engine) as session:
        hashes = session.execute(select(UsageEventRow.session).order_by(UsageEventRow.id)).scalars()
        first, second = list(hashes)
    assert first != second and len(first) == 32


def test_access_methods_are_counted_apart(engine, recorder):
    view(recorder, "a", T0)
    view(recorder, "a", T0 + timedelta(seconds=5), method="Machine")
    process_usage(engine, now=NOW)
    assert daily_rows(engine) == [
        ("a", T0.date(), "Machine", 1, 1, 0, 0),
        ("a", T0.date(), "Regular", 1, 1, 0, 0),
    ]


def test_recorder_rejects_unknown_action_and_method(recorder):
    with pytest.raises(ValueError, match="action"):
        recorder.record("a", "download", "Regular", "192.0.2.1", BROWSER)
    with pytest.raises(ValueError, match="access method"):
        recorder.record("a", "investigation", "Browser", "192.0.2.1", BROWSER)


# -- processing: idempotent, resumable, purging ---------------------------------

def crafted_stream(recorder: UsageRecorder) -> None:
    """Two days, three records, humans and a robot, quick and slow clicks."""
    for day in range(2):
        base = T0 + timedelta(days=day)
        for i in range(6):
            view(recorder, "a", base + timedelta(seconds=40 * i))          # 6 counted
            view(recorder, "b", base + timedelta(seconds=10 * i))          # 1 counted
            view(recorder, "c", base + timedelta(minutes=25 * i), ip=f"192.0.2.{i}")
            view(recorder, "a", base + timedelta(seconds=i), agent=GOOGLEBOT)


# by hand: a: 6 a day, 1 session; b: 1 a day; c: 6 clients, 6 sessions a day
EXPECTED = {"a": UsageTotals(12, 2, 0, 0), "b": UsageTotals(2, 2, 0, 0),
            "c": UsageTotals(12, 12, 0, 0)}


def test_processing_twice_changes_nothing(engine, recorder):
    crafted_stream(recorder)
    process_usage(engine, batch_size=7, now=NOW)
    first = daily_rows(engine)
    again = process_usage(engine, batch_size=7, now=NOW)
    assert again.events == 0 and daily_rows(engine) == first
    # even when every event is taken in again from the start
    with Session(engine) as session, session.begin():
        session.execute(update(UsageStateRow).values(last_event_id=0))
    process_usage(engine, batch_size=5, now=NOW)
    assert daily_rows(engine) == first
    with Session(engine) as session:
        assert items_totals(session, ["a", "b", "c", "unused"]) == {
            **EXPECTED, "unused": UsageTotals()}


@pytest.mark.parametrize("batch_size", [1, 4, 1000])
def test_batches_split_anywhere_give_the_same_figures(engine, recorder, batch_size):
    crafted_stream(recorder)
    result = process_usage(engine, batch_size=batch_size, now=NOW)
    assert result.events == 48 and result.robots == 12
    with Session(engine) as session:
        assert items_totals(session, EXPECTED) == EXPECTED


def test_a_killed_run_is_resumed(engine, recorder, monkeypatch):
    crafted_stream(recorder)
    process_usage(engine, batch_size=10, now=NOW, max_batches=2)  # stopped between batches
    with Session(engine) as session:
        assert session.get(UsageStateRow, 1).last_event_id == 20

    real = processing.count_touched

    def dies_after_counting(connection, last_id):
        real(connection, last_id)  # the batch's figures are written, not committed
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(processing, "count_touched", dies_after_counting)
    with pytest.raises(KeyboardInterrupt):
        process_usage(engine, batch_size=10, now=NOW)  # killed inside the third batch
    with Session(engine) as session:
        assert session.get(UsageStateRow, 1).last_event_id == 20  # that batch rolled back
    monkeypatch.setattr(processing, "count_touched", real)

    process_usage(engine, batch_size=10, now=NOW)
    with Session(engine) as session:
        assert items_totals(session, EXPECTED) == EXPECTED


def test_retention_purges_old_processed_events_and_keeps_figures(engine, recorder):
    old, recent = NOW - timedelta(days=40), NOW - timedelta(days=5)
    view(recorder, "a", old)
    view(recorder, "a", recent)
    result = process_usage(engine, retention_days=30, now=NOW)
    assert result.purged == 1
    with Session(engine) as session:
        kept = session.execute(select(UsageEventRow.occurred)).scalars().all()
        assert kept == [recent]
        assert session.get(UsageStateRow, 1).purged_before == (NOW - timedelta(days=30)).date()
    assert totals(engine, "a") == UsageTotals(2, 2, 0, 0)

    # a late event of a purged day cannot be counted right: it is skipped,
    # and the day's figures stay as they were
    view(recorder, "a", old + timedelta(minutes=5), ip="192.0.2.200")
    late = process_usage(engine, retention_days=30, now=NOW)
    assert late.skipped_late == 1
    assert totals(engine, "a") == UsageTotals(2, 2, 0, 0)


def test_past_salts_are_forgotten(engine, recorder):
    view(recorder, "a", NOW - timedelta(days=2))
    view(recorder, "a", NOW)
    process_usage(engine, now=NOW)
    with Session(engine) as session:
        keys = session.execute(select(InstanceSettingRow.key).where(
            InstanceSettingRow.key.startswith(SALT_PREFIX))).scalars().all()
    assert keys == [f"{SALT_PREFIX}{NOW.date().isoformat()}"]


def test_no_address_or_user_agent_is_stored(engine):
    ip, ipv6 = "203.0.113.77", "2001:db8::7a"
    agent = "Mozilla/5.0 (X11; Linux x86_64) MarkerBrowser/77.7"
    recorder = UsageRecorder(engine)
    for i, address in enumerate([ip, ipv6]):
        recorder.record("a", "investigation", "Regular", address, agent,
                        when=NOW - timedelta(minutes=i))
    recorder.record("a", "investigation", "Machine", ip, GOOGLEBOT)
    process_usage(engine, now=NOW)
    needles = [ip, ipv6, "MarkerBrowser", "Googlebot", "203.0.113", "2001:db8"]
    with engine.connect() as connection:
        scanned = 0
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                blob = " ".join(str(value) for value in row)
                scanned += 1
                for needle in needles:
                    assert needle not in blob, f"{needle!r} stored in {table}"
    assert scanned >= 3  # the events and the daily row at least were read


# -- reading -------------------------------------------------------------------

def test_series_by_day_month_and_year(engine, recorder):
    view(recorder, "a", datetime(2024, 1, 31, 9, tzinfo=UTC))
    view(recorder, "a", datetime(2024, 2, 1, 9, tzinfo=UTC))
    view(recorder, "a", datetime(2024, 2, 1, 10, tzinfo=UTC))
    view(recorder, "a", datetime(2024, 3, 3, 9, tzinfo=UTC))
    process_usage(engine, now=NOW)
    with Session(engine) as session:
        months = usage_series(session, "a", "2024-01-01", "2024-04-30", "month")
        assert [(p.start, p.totals.total_investigations, p.totals.unique_investigations)
                for p in months] == [(date(2024, 1, 1), 1, 1), (date(2024, 2, 1), 2, 2),
                                     (date(2024, 3, 1), 1, 1), (date(2024, 4, 1), 0, 0)]
        days = usage_series(session, "a", "2024-01-31", "2024-02-02", "day")
        assert [p.totals.total_investigations for p in days] == [1, 2, 0]
        years = usage_series(session, "a", "2023", "2024", "year")
        assert [(p.start.year, p.totals.total_investigations) for p in years] == [(2023, 0),
                                                                                  (2024, 4)]
        assert months[1].as_dict() == {"period": "2024-02-01", "total_investigations": 2,
                                       "unique_investigations": 2, "total_requests": 0,
                                       "unique_requests": 0}


@pytest.mark.parametrize(("start", "end", "interval", "parameter"), [
    ("2024-01-01", "2024-02-01", "week", "interval"),
    ("2024-03-01", "2024-02-01", "month", "from"),
    ("2024-13-01", "2024-12-01", "month", "from"),
    ("yesterday", "2024-12-01", "month", "from"),
    ("2024-01-01", "2024-02-30", "day", "to"),
    ("1900-01-01", "2024-01-01", "day", "interval"),  # too many points
])
def test_bad_series_queries_are_refused(engine, start, end, interval, parameter):
    with Session(engine) as session, pytest.raises(InvalidUsageQuery) as caught:
        usage_series(session, "a", start, end, interval)
    assert caught.value.parameter == parameter


def test_records_sort_by_views(engine, recorder):
    for rid in ("low", "high", "none"):
        add_record(engine, rid, doi=None, title=rid)
    view(recorder, "low", T0)
    for i in range(3):
        view(recorder, "high", T0, ip=f"192.0.2.{i}")
    process_usage(engine, now=NOW)
    views = views_subquery()
    with Session(engine) as session:
        order = session.execute(
            select(RecordRow.id).outerjoin(views, views.c.record_id == RecordRow.id)
            .order_by(func.coalesce(views.c.views, 0).desc(), RecordRow.id)).scalars().all()
    assert order == ["high", "low", "none"]


# -- the COUNTER Dataset Report ---------------------------------------------------

def test_dataset_report_is_valid_and_right(engine, recorder):
    add_record(engine, "a", doi="10.5072/stats.a", title="Ocean temperatures")
    add_record(engine, "b", doi=None, title="Local only")
    crafted_stream(recorder)                                   # 14 and 15 March
    view(recorder, "a", T0 + timedelta(hours=2), method="Machine")
    view(recorder, "a", datetime(2024, 4, 2, 8, tzinfo=UTC))   # April: outside
    view(recorder, "ghost", T0)                                # no such record
    process_usage(engine, now=NOW)
    with Session(engine) as session:
        report = dataset_report(session, "2024-03", "2024-03", platform="Example Repository",
                                institution_name="Example University",
                                created_by="oaiserver", now=datetime(2024, 4, 5, tzinfo=UTC))
    jsonschema.validate(report, SCHEMA)
    header = report["Report_Header"]
    assert header["Report_ID"] == "DSR" and header["Release"] == "5"
    assert header["Report_Filters"] == [{"Name": "Begin_Date", "Value": "2024-03-01"},
                                        {"Name": "End_Date", "Value": "2024-03-31"}]
    assert header["Exceptions"] == []
    items = {(d["Dataset_ID"][0]["Value"], d["Access_Method"]): d
             for d in report["Report_Datasets"]}
    assert set(items) == {("10.5072/stats.a", "Regular"), ("10.5072/stats.a", "Machine"),
                          ("Example Repository:b", "Regular")}
    regular = items[("10.5072/stats.a", "Regular")]
    assert regular["Dataset_Title"] == "Ocean temperatures"
    assert regular["Publisher"] == "Example Data Centre" and regular["YOP"] == "2021"
    assert regular["Performance"] == [{
        "Period": {"Begin_Date": "2024-03-01", "End_Date": "2024-03-31"},
        "Instance": [{"Metric_Type": "Total_Dataset_Investigations", "Count": 12},
                     {"Metric_Type": "Unique_Dataset_Investigations", "Count": 2}],
    }]
    assert items[("Example Repository:b", "Regular")]["Performance"][0]["Instance"] == [
        {"Metric_Type": "Total_Dataset_Investigations", "Count": 2},
        {"Metric_Type": "Unique_Dataset_Investigations", "Count": 2}]


def test_dataset_report_without_usage_says_so(engine):
    with Session(engine) as session:
        report = dataset_report(session, "2024-01-01", "2024-01-31", platform="P",
                                institution_name="I", created_by="oaiserver", now=NOW)
    jsonschema.validate(report, SCHEMA)
    assert report["Report_Datasets"] == []
    assert [e["Code"] for e in report["Report_Header"]["Exceptions"]] == [3030]


def test_schema_rejects_a_broken_report(engine):
    with Session(engine) as session:
        report = dataset_report(session, "2024-01", "2024-01", platform="P",
                                institution_name="I", created_by="oaiserver", now=NOW)
    report["Report_Header"]["Report_ID"] = "TR"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, SCHEMA)


@pytest.mark.parametrize(("begin", "end"), [
    ("2024-02-01", "2024-01-01"), ("2024-02", "soon"), ("2020-01", "2024-01")])
def test_bad_report_periods_are_refused(engine, begin, end):
    with Session(engine) as session, pytest.raises(InvalidUsageQuery):
        dataset_report(session, begin, end, platform="P", institution_name="I",
                       created_by="oaiserver", now=NOW)
