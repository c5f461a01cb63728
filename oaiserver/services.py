"""The running application's parts, built once from configuration.

``build_services(config)`` is the one place where objects are wired
together: the engine, the record service with its write hooks, the set
service with its restamp hooks, the search engine, the DOI machinery and the
OAI-PMH endpoint. The Flask app keeps the result in
``app.extensions["oaiserver"]`` (views read it with
``oaiserver.http.current.current_services()``); the CLI builds its own
(``oaiserver.cli.context``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from datacite_client.client import DataCiteClient
from datacite_client.doi_policy import DOIPolicy
from datacite_client.lifecycle import DOILifecycle
from datacite_client.worker import OutboxWorker
from repository_core.db import make_engine
from repository_core.harvest.harvester import Harvester, HarvestSettings
from repository_core.instance import instance_secret
from repository_core.outbox import outbox_hook
from repository_core.payloads import forget_payloads
from repository_core.query import index_record_terms
from repository_core.search import EmbeddedSearch, SearchBackend, index_search_document
from repository_core.search.embedded import index_search_documents_many
from repository_core.service import RecordService
from repository_core.sets import SetMembershipHook, SetService
from repository_core.stats import UsageRecorder
from repository_core.write_hooks import WithBatchForm
from serializers.context import ExportContext

from .config import Config
from .oai.endpoint import OAIEndpoint
from .oai.sql import SQLPayloadCache, SQLRepository
from .oai.tokens import TokenCodec
from .oai.verbs import Identity

if TYPE_CHECKING:
    from repository_core.search.elastic import ElasticsearchBackend

__all__ = ["DOIParts", "Services", "build_harvester", "build_services"]


@dataclass
class DOIParts:
    """The DOI machinery: the life cycle always; client and worker when minting is on."""

    lifecycle: DOILifecycle
    client: DataCiteClient | None
    worker: OutboxWorker | None


@dataclass
class Services:
    config: Config
    engine: Engine
    records: RecordService
    sets: SetService
    export_context: ExportContext
    #: what answers ``GET /api/records?q=``: the embedded engine or Elasticsearch
    search: SearchBackend
    #: the external engine (reindex, queue), when one is configured
    search_engine: ElasticsearchBackend | None
    doi: DOIParts
    oai: OAIEndpoint
    #: appends COUNTER usage events on the request path; None when statistics are off
    usage: UsageRecorder | None
    #: the key for signed tokens (see :func:`signing_key_source`)
    signing_key_source: Callable[[], str]

    @property
    def signing_key(self) -> str:
        return self.signing_key_source()

    def close(self) -> None:
        self.engine.dispose()


def build_services(config: Config, *, engine: Engine | None = None) -> Services:
    """Wire the parts.

    Write hooks run in this order inside every write's transaction: the
    query terms (what set queries and search match), the full-text row, set
    membership, the DOI outbox, dropping the kept OAI payloads, the
    Elasticsearch queue (if configured),
    then (auto mode) minting a DOI for a new record, which updates the
    record and so runs the hooks once more. The hooks with a batch form
    (``repository_core.write_hooks``) write a batch of new records at once
    (``RecordService.create_many``); the others are called record by record.
    """
    engine = engine or make_engine(config.effective_database_url)
    records = RecordService(engine, hooks=[
        index_record_terms, WithBatchForm(index_search_document, index_search_documents_many),
        SetMembershipHook(), outbox_hook,
        forget_payloads,
    ])
    sets = SetService(records)
    context = ExportContext(
        base_url=config.base_url.rstrip("/"),
        repository_id=config.repository_id,
        repository_name=config.repository_name,
        datacentre_symbol=config.effective_datacentre_symbol,
    )
    search: SearchBackend = EmbeddedSearch(records.reading)
    search_engine = None
    if config.search_url:
        from repository_core.search.elastic import ElasticsearchBackend, make_client
        from repository_core.search.queue import queue_hook, queue_restamped

        search_engine = ElasticsearchBackend(make_client(config.search_url),
                                             prefix=config.search_index_prefix,
                                             sessions=lambda: Session(engine))
        records.hooks.append(queue_hook)
        sets.restamp_hooks.append(queue_restamped)
        search = search_engine
    doi = build_doi_parts(config, records, engine, context)
    if config.datacite_auto and config.doi_minting_enabled:
        records.hooks.append(doi.lifecycle.auto_mint_hook())
    signing_key = signing_key_source(config, engine)
    return Services(
        config=config, engine=engine, records=records, sets=sets, export_context=context,
        search=search, search_engine=search_engine, doi=doi,
        oai=build_oai_endpoint(config, engine, context, signing_key),
        signing_key_source=signing_key,
        usage=UsageRecorder(engine) if config.stats_enabled else None,
    )


def signing_key_source(config: Config, engine: Engine) -> Callable[[], str]:
    """The key for signed tokens: configured, or the installation's own random key.

    Read on first use and then kept: the installation's key lives in the
    database, which ``oaiserver db upgrade`` may be about to create.
    """
    @cache
    def key() -> str:
        return config.secret_key or instance_secret(engine)

    return key


def build_doi_parts(
    config: Config, records: RecordService, engine: Engine, context: ExportContext
) -> DOIParts:
    """Minting is on only when DataCite's URL, username and prefix are configured."""
    policy = (DOIPolicy(config.datacite_prefix, config.datacite_suffix_pattern)
              if config.doi_minting_enabled else None)
    lifecycle = DOILifecycle(records, policy=policy, context=context,
                             concept_dois=config.datacite_concept_dois)
    client = worker = None
    if config.doi_minting_enabled:
        client = DataCiteClient(config.datacite_url,
                                auth=(config.datacite_username, config.datacite_password),
                                contact=config.datacite_contact or config.admin_email)
        worker = OutboxWorker(
            engine, client, context,
            max_attempts=config.datacite_max_attempts or None,
            max_age=(timedelta(hours=config.datacite_max_age_hours)
                     if config.datacite_max_age_hours else None),
        )
    return DOIParts(lifecycle, client, worker)


def build_harvester(config: Config, records: RecordService) -> Harvester:
    """Harvesting other OAI-PMH providers into ``records``, retries from configuration."""
    return Harvester(records, HarvestSettings(
        max_attempts=config.harvest_max_attempts,
        max_retry_after=float(config.harvest_max_retry_after_seconds),
        backoff=float(config.harvest_backoff_seconds),
        timeout=float(config.harvest_timeout_seconds),
    ), lease=timedelta(seconds=config.harvest_lease_seconds))


def build_oai_endpoint(config: Config, engine: Engine, context: ExportContext,
                       signing_key: Callable[[], str]) -> OAIEndpoint:
    """The OAI-PMH endpoint over the database, its settings from configuration."""
    base = config.base_url.rstrip("/")
    payloads = SQLPayloadCache(engine, context)
    return OAIEndpoint(
        repo=SQLRepository(engine, payloads),
        identity=Identity(
            repository_name=config.repository_name,
            base_url=f"{base}/oai",
            repository_id=config.repository_id,
            admin_emails=tuple(e.strip() for e in config.admin_email.split(",") if e.strip()),
        ),
        codec=TokenCodec(signing_key),
        export=context,
        page_size=config.oai_page_size,
        token_lifetime=timedelta(hours=config.oai_token_lifetime_hours),
        max_concurrent_lists=config.oai_max_concurrent_lists,
        retry_after_seconds=config.oai_retry_after_seconds,
        payloads=payloads,
    )
