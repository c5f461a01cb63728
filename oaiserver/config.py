"""Configuration: defaults in code, an optional TOML file, then environment.

Precedence (last wins): the defaults below, the TOML file named by
``OAISERVER_CONFIG`` (keys are the field names, lower case), environment
variables ``OAISERVER_<FIELD>``, and finally explicit overrides (tests).
The public base URL is configuration, never the request's Host header.

The defaults here are the only ones: the parts built from a configuration
(the OAI endpoint, the serializers' context, the DOI worker) have none of
their own. Mistakes stop the program: an unknown key in the file or an
unknown ``OAISERVER_*`` variable is an error that names it and suggests the
nearest known one, and so is an empty API token. ``OAISERVER_TEST_*`` is
reserved for the test suite and CI.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

__all__ = ["Config", "ConfigError", "load_config"]

PREFIX = "OAISERVER_"
#: variables of that prefix that are not settings
RESERVED = frozenset({PREFIX + "CONFIG"})
RESERVED_PREFIX = PREFIX + "TEST_"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Config:
    data_dir: str = "data"
    database_url: str = ""  # default: sqlite:///<data_dir>/oaiserver.db
    base_url: str = "http://127.0.0.1:5000"
    repository_id: str = "oaiserver.example.org"
    repository_name: str = "oaiserver demo repository"
    admin_email: str = "admin@example.org"
    api_tokens: tuple[str, ...] = ()
    max_request_body_bytes: int = 8 * 1024 * 1024  # larger bodies: 413 before they are read
    ratelimit_enabled: bool = True
    ratelimit_guest: str = "60/minute;2000/hour"  # REST without a token, per client address
    ratelimit_token: str = "100/minute;5000/hour"  # REST with a token, per token
    ratelimit_oai: str = "120/minute"  # OAI-PMH requests per client address
    ratelimit_storage_url: str = ""  # memory; redis://host:6379/0 shares limits between processes
    oai_max_lists_per_client: int = 2  # concurrent ListRecords/ListIdentifiers of one client
    trusted_proxies: tuple[str, ...] = ()  # addresses/networks whose X-Forwarded-For is believed
    secret_key: str = ""  # signs resumption tokens; default derived from data_dir
    oai_page_size: int = 100
    oai_max_concurrent_lists: int = 8
    oai_token_lifetime_hours: int = 72
    oai_retry_after_seconds: int = 10  # the 503 beyond oai_max_concurrent_lists
    search_url: str = ""
    search_index_prefix: str = "oaiserver"
    datacite_url: str = ""
    datacite_username: str = ""
    datacite_password: str = ""
    datacite_prefix: str = ""
    datacite_auto: bool = False
    datacite_suffix_pattern: str = "{id}"
    datacite_concept_dois: bool = True  # a concept DOI (all versions) beside each version's
    datacite_contact: str = ""
    datacite_worker: bool = False
    datacite_max_attempts: int = 20  # 0: retry for ever
    datacite_max_age_hours: int = 72  # 0: no age limit
    datacentre_symbol: str = ""
    stats_enabled: bool = True  # record usage events and show COUNTER figures
    stats_retention_days: int = 30  # raw events kept this many days after processing
    stats_worker: bool = True  # process usage events from a thread of ``serve``
    stats_worker_interval_seconds: int = 300
    # OpenAIRE: the sets `openaire` (literature) and `openaire_data` (datasets),
    # created at startup when on, removed when off (oaiserver/openaire_sets.py)
    openaire_sets: bool = False
    # -- sitemaps and ResourceSync (oaiserver.syndication) --
    # landing pages a sitemap page lists: the protocol allows 50,000, but writing 50,000
    # URLs takes about a second; 10,000 keep a crawler's request well under it
    sitemap_page_size: int = 10_000
    # records a ResourceSync list page covers: each is rendered and hashed, so far fewer
    resourcesync_page_size: int = 1_000
    # -- the web pages (home, search, sets)
    repository_description: str = (  # the home page's introduction, plain text
        "A research data repository: metadata in the DataCite schema, "
        "harvestable over OAI-PMH, searchable here.")
    # -- harvesting other OAI-PMH providers (oaiserver harvest) --
    harvest_interval_minutes: int = 0  # serve harvests every source this often; 0: off
    harvest_max_attempts: int = 5  # tries of one request (503 Retry-After, network errors)
    harvest_max_retry_after_seconds: int = 120  # a longer Retry-After is cut to this
    harvest_backoff_seconds: int = 2  # first wait after a network error; doubles each try
    harvest_timeout_seconds: int = 60  # per HTTP request to a source
    harvest_lease_seconds: int = 600  # a run's claim on a source; a dead run's lapses after it
    explicit: frozenset[str] = frozenset()  # the keys set by file, environment or overrides

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir) / 'oaiserver.db'}"

    @property
    def effective_datacentre_symbol(self) -> str:
        """``datacentreSymbol`` of ``oai_datacite``: the explicit symbol, else the
        DataCite repository account (upper case, as DataCite's own OAI-PMH
        server shows it: ``CERN.ZENODO``), else the repository id."""
        if self.datacentre_symbol:
            return self.datacentre_symbol
        if self.datacite_username:
            return self.datacite_username.upper()
        return self.repository_id

    @property
    def doi_minting_enabled(self) -> bool:
        return bool(self.datacite_url and self.datacite_username and self.datacite_prefix)


def _coerce(name: str, kind: Any, value: Any) -> Any:
    text = isinstance(value, str)
    try:
        if kind is bool:
            if text:
                lowered = value.strip().lower()
                if lowered in {"1", "true", "yes", "on"}:
                    return True
                if lowered in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            return bool(value)
        if kind is int:
            return int(value)
        if kind == tuple[str, ...]:
            if text:
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        if kind is str:
            return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: cannot use {value!r} as {getattr(kind, '__name__', kind)}")
    return value


def load_config(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration from defaults, TOML file, environment, overrides."""
    env = os.environ if environ is None else environ
    hints = get_type_hints(Config)
    names = {f.name for f in dataclasses.fields(Config)} - {"explicit"}
    values: dict[str, Any] = {}

    path = env.get(PREFIX + "CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}")
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}")
        for key, value in data.items():
            if key not in names:
                raise ConfigError(f"{path}: unknown configuration key {key!r}"
                                  + _did_you_mean(key, names))
            values[key] = _coerce(f"{path}: {key}", hints[key], value)

    env_names = {PREFIX + key.upper() for key in names}
    for env_key in sorted(env):
        if (env_key.startswith(PREFIX) and env_key not in env_names
                and env_key not in RESERVED and not env_key.startswith(RESERVED_PREFIX)):
            close = _nearest(env_key.removeprefix(PREFIX).lower(),
                             {name.removeprefix(PREFIX).lower() for name in env_names | RESERVED})
            raise ConfigError(f"unknown configuration variable {env_key}"
                              + (f"; did you mean {PREFIX}{close.upper()}?" if close else ""))

    for key in names:
        env_key = PREFIX + key.upper()
        if env_key in env:
            values[key] = _coerce(env_key, hints[key], env[env_key])

    for key, value in (overrides or {}).items():
        if key not in names:
            raise ConfigError(f"unknown configuration key {key!r}" + _did_you_mean(key, names))
        values[key] = _coerce(key, hints[key], value)

    config = Config(**values, explicit=frozenset(values))
    if config.oai_page_size < 1:
        raise ConfigError("oai_page_size must be at least 1")
    if config.stats_retention_days < 0:
        raise ConfigError("stats_retention_days must not be negative "
                          "(OAISERVER_STATS_RETENTION_DAYS)")
    if config.stats_worker_interval_seconds < 1:
        raise ConfigError("stats_worker_interval_seconds must be at least 1 "
                          "(OAISERVER_STATS_WORKER_INTERVAL_SECONDS)")
    for key in ("harvest_interval_minutes", "harvest_max_retry_after_seconds",
                "harvest_backoff_seconds"):
        if getattr(config, key) < 0:
            raise ConfigError(f"{key} must not be negative ({PREFIX}{key.upper()})")
    for key in ("harvest_max_attempts", "harvest_timeout_seconds", "harvest_lease_seconds"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{key} must be at least 1 ({PREFIX}{key.upper()})")
    if any(not token.strip() for token in config.api_tokens):
        raise ConfigError("api_tokens: an empty token would let any request with an empty "
                          "bearer write; remove it (OAISERVER_API_TOKENS)")
    _check_rate_limits(config)
    _check_syndication(config)
    return config


#: the sitemaps.org protocol's (and so ResourceSync's) limit of URLs in one document
MAX_SITEMAP_URLS = 50_000


def _check_syndication(config: Config) -> None:
    """A sitemap page lists a URL a record, a ResourceSync page two (DataCite XML and JSON)."""
    for key, most in (("sitemap_page_size", MAX_SITEMAP_URLS),
                      ("resourcesync_page_size", MAX_SITEMAP_URLS // 2)):
        if not 1 <= getattr(config, key) <= most:
            raise ConfigError(f"{key} must be between 1 and {most:,}: a page holds at most "
                              f"{MAX_SITEMAP_URLS:,} URLs ({PREFIX}{key.upper()})")


def _check_rate_limits(config: Config) -> None:
    """Limits in the ``limits`` package's notation ("60/minute;2000/hour"), proxies as networks."""
    import ipaddress

    from limits import parse_many

    for key in ("ratelimit_guest", "ratelimit_token", "ratelimit_oai"):
        try:
            parse_many(getattr(config, key))
        except ValueError:
            raise ConfigError(f"{key}: {getattr(config, key)!r} is not a rate limit like "
                              f"'60/minute;2000/hour' ({PREFIX}{key.upper()})") from None
    for proxy in config.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"trusted_proxies: {proxy!r} is not an address or network "
                              f"({PREFIX}TRUSTED_PROXIES)") from None
    if config.oai_max_lists_per_client < 1:
        raise ConfigError("oai_max_lists_per_client must be at least 1")


def _nearest(name: str, known: set[str]) -> str | None:
    """The known name closest to ``name``, if one is close."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return close[0] if close else None


def _did_you_mean(name: str, known: set[str]) -> str:
    close = _nearest(name, known)
    return f"; did you mean {close}?" if close else ""
