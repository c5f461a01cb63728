from __future__ import annotations

import pytest

from oaiserver.config import ConfigError, load_config


def test_precedence_defaults_toml_env_overrides(tmp_path):
    path = tmp_path / "oaiserver.toml"
    path.write_text('base_url = "https://toml.example.org"\noai_page_size = 50\n'
                    'repository_name = "From TOML"\n')
    env = {"OAISERVER_CONFIG": str(path), "OAISERVER_OAI_PAGE_SIZE": "20",
           "OAISERVER_API_TOKENS": "a, b"}
    config = load_config({"repository_name": "Override"}, environ=env)
    assert config.base_url == "https://toml.example.org"
    assert config.oai_page_size == 20
    assert config.api_tokens == ("a", "b")
    assert config.repository_name == "Override"
    assert load_config(environ={}).oai_page_size == 100


@pytest.mark.parametrize("env, needle", [
    ({"OAISERVER_OAI_PAGE_SIZE": "x"}, "OAISERVER_OAI_PAGE_SIZE"),
    ({"OAISERVER_DATACITE_AUTO": "maybe"}, "OAISERVER_DATACITE_AUTO"),
    ({"OAISERVER_CONFIG": "/nonexistent/oaiserver.toml"}, "oaiserver.toml"),
    ({"OAISERVER_OAI_PAGE_SIZE": "0"}, "oai_page_size"),
    ({"OAISERVER_STATS_ENABLED": "perhaps"}, "OAISERVER_STATS_ENABLED"),
    ({"OAISERVER_STATS_RETENTION_DAYS": "-1"}, "OAISERVER_STATS_RETENTION_DAYS"),
    ({"OAISERVER_STATS_WORKER_INTERVAL_SECONDS": "0"}, "OAISERVER_STATS_WORKER_INTERVAL"),
])
def test_bad_values_name_themselves(env, needle):
    with pytest.raises(ConfigError, match=needle):
        load_config(environ=env)


def test_statistics_are_on_by_default_and_can_be_turned_off():
    config = load_config(environ={})
    assert (config.stats_enabled, config.stats_retention_days, config.stats_worker) == (
        True, 30, True)
    off = load_config(environ={"OAISERVER_STATS_ENABLED": "false",
                               "OAISERVER_STATS_RETENTION_DAYS": "7"})
    assert off.stats_enabled is False and off.stats_retention_days == 7


def test_bad_toml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('base_url = "x"\noai_page_size = = 3\n')
    with pytest.raises(ConfigError, match=r"bad.toml.*line 2"):
        load_config(environ={"OAISERVER_CONFIG": str(path)})


def test_unknown_toml_key_is_an_error_with_a_suggestion(tmp_path):
    path = tmp_path / "oaiserver.toml"
    path.write_text('base_url = "https://x.example.org"\noai_page_sise = 50\n')
    with pytest.raises(ConfigError, match=r"oaiserver.toml.*'oai_page_sise'.*did you mean oai_page_size"):
        load_config(environ={"OAISERVER_CONFIG": str(path)})


def test_unknown_variable_is_an_error_with_a_suggestion():
    with pytest.raises(ConfigError, match="OAISERVER_BASE_UR.*did you mean OAISERVER_BASE_URL"):
        load_config(environ={"OAISERVER_BASE_UR": "https://x.example.org"})
    with pytest.raises(ConfigError, match="OAISERVER_NOTHING_LIKE_IT$"):
        load_config(environ={"OAISERVER_NOTHING_LIKE_IT": "1"})


def test_test_variables_are_reserved_and_others_ignored():
    config = load_config(environ={"OAISERVER_TEST_REQUIRE_POSTGRES": "1",
                                  "OAISERVER_TEST_ANYTHING": "x", "OTHER_BASE_UR": "y"})
    assert config.base_url == "http://127.0.0.1:5000"


@pytest.mark.parametrize("tokens", [("real", ""), ("real", "  ")])
def test_an_empty_api_token_is_refused(tmp_path, tokens):
    path = tmp_path / "oaiserver.toml"
    path.write_text("api_tokens = [" + ", ".join(f'"{t}"' for t in tokens) + "]\n")
    with pytest.raises(ConfigError, match="api_tokens: an empty token"):
        load_config(environ={"OAISERVER_CONFIG": str(path)})
    with pytest.raises(ConfigError, match="api_tokens: an empty token"):
        load_config({"api_tokens": list(tokens)}, environ={})
    # a trailing comma in the variable is a separator, not an empty token
    assert load_config(environ={"OAISERVER_API_TOKENS": "real,"}).api_tokens == ("real",)


@pytest.mark.parametrize("env, needle", [
    ({"OAISERVER_BASE_UR": "https://x.example.org"}, "OAISERVER_BASE_URL"),
    ({"OAISERVER_CONFIG": "{toml}"}, "empty token"),
])
def test_startup_with_a_configuration_mistake_exits_non_zero(tmp_path, env, needle):
    """The real command, as an operator starts it: exit 1 and the message on stderr."""
    import os
    import subprocess
    import sys

    toml = tmp_path / "bad.toml"
    toml.write_text('api_tokens = ["good", ""]\n')
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OAISERVER_")}
    clean.update({k: v.format(toml=toml) for k, v in env.items()})
    clean["OAISERVER_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run([sys.executable, "-m", "oaiserver", "serve", "--port", "1"],
                          check=False, env=clean, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert needle in done.stderr


@pytest.mark.parametrize("env, symbol", [
    ({"OAISERVER_DATACENTRE_SYMBOL": "EXPLICIT.SYMBOL", "OAISERVER_DATACITE_USERNAME": "cern.zenodo"},
     "EXPLICIT.SYMBOL"),
    ({"OAISERVER_DATACITE_USERNAME": "cern.zenodo"}, "CERN.ZENODO"),
    ({}, "repo.example.org"),
], ids=["explicit", "datacite-account", "repository-id"])
def test_datacentre_symbol_of_oai_datacite(tmp_path, env, symbol):
    """DataCite's own OAI-PMH server shows the repository account (CERN.ZENODO)."""
    from datetime import UTC, datetime

    from lxml import etree

    from oaiserver.services import build_services
    from repository_core.records import Record
    from serializers import oai_datacite
    from tests.sample_metadata import minimal

    config = load_config(environ={"OAISERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                                  "OAISERVER_REPOSITORY_ID": "repo.example.org", **env})
    services = build_services(config)
    try:
        now = datetime(2024, 1, 1, tzinfo=UTC)
        record = Record(id="r1", metadata=minimal(doi="10.1234/abc"), created=now, datestamp=now)
        root = etree.fromstring(oai_datacite.dump(record, services.export_context))
        ns = {"o": "http://schema.datacite.org/oai/oai-1.1/"}
        assert root.findtext("o:datacentreSymbol", namespaces=ns) == symbol
    finally:
        services.close()
