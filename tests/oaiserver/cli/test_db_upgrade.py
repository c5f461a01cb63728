"""`oaiserver db upgrade` on PostgreSQL says whether the search's RUM index is
there (the optional ``rum`` extension), and makes it where the extension is."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from oaiserver.cli import cli
from oaiserver.config import load_config
from oaiserver.services import build_services
from repository_core.db import make_engine
from repository_core.search.rank_index import RANK_INDEX
from tests.databases import POSTGRES_URL, postgres_schema, require_rum


@pytest.mark.postgres
def test_upgrade_makes_the_rank_index_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for schema in postgres_schema():
        require_rum()
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        monkeypatch.setenv("OAISERVER_DATABASE_URL", url)
        services = build_services(load_config())
        try:
            result = CliRunner().invoke(cli, ["db", "upgrade"], obj=services)
        finally:
            services.close()
        assert result.exit_code == 0, result.output
        assert "search: the rum extension is installed; its index ranks one-word searches" \
            in result.output
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT to_regclass('{RANK_INDEX}') IS NOT NULL")).scalar()
        engine.dispose()
