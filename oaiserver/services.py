"""The running application's parts, built once from configuration.

``build_services(config)`` is the one place where objects are wired
together (no import strings): the engine, the record service with its write
hooks, the export context serializers need. The Flask app keeps the result
in ``app.extensions["oaiserver"]``; the CLI builds its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from repository_core.db import make_engine
from repository_core.outbox import outbox_hook
from repository_core.query import index_record_terms
from repository_core.search import index_search_document
from repository_core.service import RecordService
from repository_core.sets import SetMembershipHook
from serializers.context import ExportContext

from .config import Config

__all__ = ["Services", "build_services"]


@dataclass
class Services:
    config: Config
    engine: Engine
    records: RecordService
    export_context: ExportContext
    parts: dict[str, Any] = field(default_factory=dict)

    @property
    def signing_key(self) -> str:
        """Key for signed tokens: configured, or the installation's own random key."""
        if self.config.secret_key:
            return self.config.secret_key
        if "signing_key" not in self.parts:
            from repository_core.instance import instance_secret

            self.parts["signing_key"] = instance_secret(self.engine)
        return str(self.parts["signing_key"])

    def close(self) -> None:
        self.engine.dispose()


def build_services(config: Config, *, engine: Engine | None = None) -> Services:
    """Wire the parts.

    Write hooks run in this order inside every write's transaction: the
    query terms (what set queries and search match), the full-text row, set
    membership, the DOI outbox, the Elasticsearch queue (if configured),
    then (auto mode) minting a DOI for a new record, which updates the
    record and so runs the hooks once more.
    """
    from .doi_parts import build_doi_parts
    from .search_api import make_search_api

    engine = engine or make_engine(config.effective_database_url)
    records = RecordService(engine, hooks=[
        index_record_terms, index_search_document, SetMembershipHook(), outbox_hook,
    ])
    context = ExportContext(
        base_url=config.base_url.rstrip("/"),
        repository_id=config.repository_id,
        repository_name=config.repository_name,
        datacentre_symbol=config.datacentre_symbol or None,
    )
    services = Services(config=config, engine=engine, records=records, export_context=context)
    services.parts["search_api"] = make_search_api(services)
    if config.search_url:
        from repository_core.search.elastic import ElasticsearchBackend, make_client
        from repository_core.search.queue import queue_hook
        from repository_core.search.queue import queue_restamped as restamp_hook

        backend = ElasticsearchBackend(make_client(config.search_url),
                                       prefix=config.search_index_prefix,
                                       sessions=lambda: Session(engine))
        records.hooks.append(queue_hook)
        services.parts["search_backend"] = backend
        services.parts["search_api"] = make_search_api(services, backend)
        services.parts["sets_on_restamp"] = restamp_hook
    doi = services.parts["doi"] = build_doi_parts(config, records, engine, context)
    if config.datacite_auto and config.doi_minting_enabled:
        records.hooks.append(doi.lifecycle.auto_mint_hook())
    return services
