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
])
def test_bad_values_name_themselves(env, needle):
    with pytest.raises(ConfigError, match=needle):
        load_config(environ=env)


def test_bad_toml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('base_url = "x"\noai_page_size = = 3\n')
    with pytest.raises(ConfigError, match=r"bad.toml.*line 2"):
        load_config(environ={"OAISERVER_CONFIG": str(path)})
