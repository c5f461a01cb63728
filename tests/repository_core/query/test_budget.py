"""The time budget of a search stops the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from repository_core.errors import QueryTooComplex, QueryTooExpensive
from repository_core.search.budget import time_budget

SLOW = {
    # ten million rows counted one by one: seconds, far beyond the budget
    "sqlite": ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
               "WHERE i < 10000000) SELECT count(*) FROM n"),
    "postgresql": "SELECT count(*) FROM pg_sleep(5)",
}


def test_a_statement_past_the_budget_is_stopped(engine: Engine) -> None:
    with pytest.raises(QueryTooExpensive) as caught, Session(engine) as session, \
            session.begin(), time_budget(session, 0.05, "the query"):
        session.execute(text(SLOW[engine.dialect.name]))
    exc = caught.value
    assert isinstance(exc, QueryTooComplex)
    assert (exc.limit, exc.value) == ("max_seconds", 0.05)
    # the connection is usable again, without the budget
    with Session(engine) as session, session.begin():
        assert session.execute(text("SELECT 1")).scalar_one() == 1


def test_a_statement_within_the_budget_runs(engine: Engine) -> None:
    with Session(engine) as session, session.begin(), time_budget(session, 5.0):
        assert session.execute(text("SELECT 2")).scalar_one() == 2


def test_no_budget_means_no_limit(engine: Engine) -> None:
    with Session(engine) as session, session.begin(), time_budget(session, None):
        assert session.execute(text("SELECT 3")).scalar_one() == 3


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_statements_of_a_search_share_one_deadline(engine: Engine) -> None:
    """PostgreSQL's timeout is per statement: three statements of 0.3 s each
    under a budget of 0.5 s are stopped at the deadline (the second), not
    let run 0.9 s because none of them alone is over. (SQLite's progress
    handler keeps one deadline by itself.)"""
    started = time.monotonic()
    with pytest.raises(QueryTooExpensive), Session(engine) as session, session.begin(), \
            time_budget(session, 0.5):
        for _ in range(3):
            session.execute(text("SELECT count(*) FROM pg_sleep(0.3)"))
    elapsed = time.monotonic() - started
    assert elapsed < 0.5 + 0.5 / 20 + 0.15, elapsed
