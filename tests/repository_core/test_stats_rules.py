"""The SQL that counts usage against a plain Python statement of COUNTER's rules.

Processing counts set-wise in SQL (a window function for double clicks,
``COUNT(DISTINCT ...)`` for user-sessions). Here random streams, with gaps
around exactly 30 seconds to the microsecond, clicks across hour and day
boundaries, robots, both actions and both access methods, are counted by
both and must agree row for row, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from repository_core.stats import UsageRecorder, process_usage
from repository_core.stats.processing import DOUBLE_CLICK
from repository_core.stats.tables import UsageDailyRow, UsageEventRow

START = datetime(2024, 3, 14, 22, 40, 0, tzinfo=UTC)  # crosses 23:00 and midnight
NOW = datetime(2024, 3, 20, tzinfo=UTC)
GAPS = [timedelta(0), timedelta(seconds=10), DOUBLE_CLICK - timedelta(microseconds=1),
        DOUBLE_CLICK, DOUBLE_CLICK + timedelta(microseconds=1), timedelta(seconds=95),
        timedelta(minutes=27, microseconds=123_457)]

Event = tuple[str, str, str, bool, str, datetime]  # record, action, method, robot, session, when


def random_stream(seed: int, n: int) -> list[Event]:
    rng = random.Random(seed)
    events: list[Event] = []
    clock = {}
    for _ in range(n):
        key = (rng.choice("abc"), rng.choice(("investigation", "request")),
               rng.choice(("Regular", "Machine")), f"{rng.randrange(4):032x}")
        clock[key] = clock.get(key, START) + rng.choice(GAPS)
        events.append((key[0], key[1], key[2], rng.random() < 0.15, key[3], clock[key]))
    rng.shuffle(events)  # recorded out of time order, as concurrent requests are
    return events


def by_hand(events: list[Event]) -> list[tuple[object, ...]]:
    """COUNTER's rules, one event at a time, the obvious way."""
    clicks: dict[tuple[str, date, str, str, str], list[datetime]] = defaultdict(list)
    for record, action, method, robot, session, when in events:
        if not robot:
            clicks[(record, when.date(), method, action, session)].append(when)
    figures: dict[tuple[str, date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    sessions: dict[tuple[str, date, str, str], set[tuple[str, int]]] = defaultdict(set)
    for (record, day, method, action, session), times in clicks.items():
        times.sort()
        counted = 1 + sum(1 for a, b in pairwise(times) if b - a > DOUBLE_CLICK)
        figures[(record, day, method)][0 if action == "investigation" else 2] += counted
        sessions[(record, day, method, action)].update((session, t.hour) for t in times)
    for (record, day, method, action), seen in sessions.items():
        figures[(record, day, method)][1 if action == "investigation" else 3] = len(seen)
    return sorted((*key, *values) for key, values in figures.items())


def stored(engine: Engine) -> list[tuple[object, ...]]:
    d = UsageDailyRow
    with Session(engine) as session:
        return [tuple(r) for r in session.execute(
            select(d.record_id, d.day, d.access_method, d.total_investigations,
                   d.unique_investigations, d.total_requests, d.unique_requests)
            .order_by(d.record_id, d.day, d.access_method))]


@pytest.mark.parametrize(("seed", "batch_size"), [(1, 1_000), (2, 37), (3, 5)])
def test_sql_counts_as_the_rules_say(engine, seed, batch_size):
    events = random_stream(seed, 800)
    with engine.begin() as connection:
        connection.execute(insert(UsageEventRow), [
            {"record_id": r, "action": a, "access_method": m, "is_robot": robot,
             "session": s, "occurred": when} for r, a, m, robot, s, when in events])
    expected = by_hand(events)
    assert len({row[1] for row in expected}) >= 2  # the stream crosses midnight
    assert len({when.hour for *_, when in events}) >= 3  # and hours within a day
    result = process_usage(engine, batch_size=batch_size, now=NOW)
    assert result.events == len(events)
    assert stored(engine) == expected


def test_recorded_events_are_stored_as_sqlalchemy_stores_them(engine):
    """The recorder writes on a raw connection; its rows must compare and
    count exactly as rows written through SQLAlchemy (midnight on the dot,
    microseconds kept)."""
    midnight = datetime(2024, 3, 15, tzinfo=UTC)
    recorder = UsageRecorder(engine)
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    for when in (midnight, midnight + timedelta(microseconds=1), midnight - timedelta(microseconds=1)):
        recorder.record("a", "investigation", "Regular", "192.0.2.1", agent, when=when)
    with Session(engine) as session:
        assert session.execute(select(UsageEventRow.occurred).order_by(UsageEventRow.id)
                               ).scalars().all() == [
            midnight, midnight + timedelta(microseconds=1), midnight - timedelta(microseconds=1)]
        assert session.execute(select(UsageEventRow.id).where(
            UsageEventRow.occurred >= midnight)).scalars().all() == [1, 2]
    process_usage(engine, now=NOW)
    assert stored(engine) == [("a", midnight.date() - timedelta(days=1), "Regular", 1, 1, 0, 0),
                              ("a", midnight.date(), "Regular", 1, 1, 0, 0)]
