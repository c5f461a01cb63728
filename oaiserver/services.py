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

from repository_core.db import make_engine
from repository_core.service import RecordService
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

    def close(self) -> None:
        self.engine.dispose()


def build_services(config: Config, *, engine: Engine | None = None) -> Services:
    engine = engine or make_engine(config.effective_database_url)
    records = RecordService(engine)
    context = ExportContext(
        base_url=config.base_url.rstrip("/"),
        repository_id=config.repository_id,
        repository_name=config.repository_name,
        datacentre_symbol=config.datacentre_symbol or None,
    )
    return Services(config=config, engine=engine, records=records, export_context=context)
