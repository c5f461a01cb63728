"""The DOI machinery built from configuration: policy, client, life cycle, worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from datacite_client.client import DataCiteClient
from datacite_client.doi_policy import DOIPolicy
from datacite_client.lifecycle import DOILifecycle
from datacite_client.worker import OutboxWorker
from repository_core.service import RecordService
from serializers.context import ExportContext

from .config import Config

__all__ = ["DOIParts", "build_doi_parts"]


@dataclass
class DOIParts:
    lifecycle: DOILifecycle
    client: DataCiteClient | None
    worker: OutboxWorker | None


def build_doi_parts(
    config: Config, records: RecordService, engine: Engine, context: ExportContext
) -> DOIParts:
    """Minting is on only when DataCite's URL, username and prefix are configured."""
    policy = (DOIPolicy(config.datacite_prefix, config.datacite_suffix_pattern)
              if config.doi_minting_enabled else None)
    lifecycle = DOILifecycle(records, policy=policy, context=context)
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
