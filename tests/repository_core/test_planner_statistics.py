"""A long load analyzes the tables it grows on PostgreSQL, on a schedule of
growth, so the planner's cached plans are made again from the real sizes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from fixtures.synthetic import generate
from oaiserver.config import load_config
from oaiserver.services import build_services
from repository_core.loading import LoadReport, load_source
from repository_core.planner_statistics import LOADED_TABLES, StatisticsSchedule
from tests.databases import migrated_engine


def _load(engine: Engine, path: Path, schedule: StatisticsSchedule, *,
          sets: dict[str, str] | None = None) -> None:
    services = build_services(load_config({"ratelimit_enabled": False}, environ={}), engine=engine)
    for spec, query in (sets or {}).items():
        services.sets.create(spec, name=spec, query=query)
    report = LoadReport(statistics=schedule)
    load_source(services.records, str(path), report=report, batch_size=10)
    assert report.ok, report.failures


def _planner_rows(engine: Engine) -> dict[str, float]:
    with engine.connect() as conn:
        return {name: conn.execute(text("SELECT reltuples FROM pg_class "
                                        "WHERE oid = to_regclass(:name)"), {"name": name}).scalar()
                for name in LOADED_TABLES}


def _lines(path: Path, count: int, seed: int) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in generate(count, seed=seed)))
    return path


def test_a_load_analyzes_after_the_first_records_then_at_each_half_again(engine: Engine,
                                                                         tmp_path: Path) -> None:
    schedule = StatisticsSchedule(first_after=10, growth=0.5)
    _load(engine, _lines(tmp_path / "a.jsonl", 100, seed=3), schedule,
          sets={"all": "*", "datasets": "types.resourceTypeGeneral:Dataset"})
    if engine.dialect.name != "postgresql":
        assert schedule.runs == 0  # nothing to keep on SQLite
        return
    # batches of 10: after 10, 20, 30 (at least 10 each), 50 (half of 30 is 15,
    # reached at 20), 80 (half of 50: 25, reached at 30); 100 is 20 short of 40
    assert schedule.runs == 5
    rows = _planner_rows(engine)
    assert rows["records"] == 80 and rows["concepts"] == 80
    assert rows["set_membership"] >= 80  # every record is in "all"
    assert rows["query_terms"] > 80
    # and every other table it fills (-1: never analyzed; payloads render after the load)
    assert all(rows[name] >= 0 for name in LOADED_TABLES), rows


@pytest.fixture
def postgres_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from migrated_engine("postgresql", tmp_path)


@pytest.mark.postgres
def test_a_load_waits_for_growth_on_what_the_planner_already_knows(postgres_engine: Engine,
                                                                    tmp_path: Path) -> None:
    engine = postgres_engine
    first = StatisticsSchedule(first_after=10, growth=0.5)
    _load(engine, _lines(tmp_path / "a.jsonl", 20, seed=4), first)
    assert first.runs == 2 and _planner_rows(engine)["records"] == 20
    # a new run: the planner knows of 20 records, so half again is 10 more
    second = StatisticsSchedule(first_after=5, growth=0.5)
    _load(engine, _lines(tmp_path / "b.jsonl", 30, seed=5), second)
    assert second.runs == 2  # after 10 (30 known), after 30 (half of 30 is 15: at 20)
    assert _planner_rows(engine)["records"] == 50
