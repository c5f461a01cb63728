"""A long harvest keeps PostgreSQL's planner figures current, as a load does."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from oaiserver.cli import cli
from repository_core.planner_statistics import StatisticsSchedule

from .harvest_support import harvester, sink_services, source_repository


def test_a_harvest_analyzes_the_tables_it_grows_page_after_page(engine, tmp_path):
    with source_repository(tmp_path, page_size=4) as src:
        src.create(12)
        sink = sink_services(engine)
        added = CliRunner().invoke(cli, ["harvest", "add", "peer", src.url,
                                         "--prefix", "oai_datacite"], obj=sink)
        assert added.exit_code == 0, added.output
        run = harvester(sink)
        run.statistics = StatisticsSchedule(first_after=4, growth=0.5,
                                            tables=run.statistics.tables)
        report = run.run("peer")
    assert report.complete and report.pages == 3 and report.created == 12
    if engine.dialect.name != "postgresql":
        assert run.statistics.runs == 0
        return
    # pages of 4: after the first (4 records), the second (half of 4 is 2), the
    # third (half of 8 is 4)
    assert run.statistics.runs == 3
    with engine.connect() as conn:
        rows = {name: conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = "
                                        "to_regclass(:name)"), {"name": name}).scalar()
                for name in ("records", "harvested_records")}
    assert rows == {"records": 12, "harvested_records": 12}
