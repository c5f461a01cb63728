"""Processing usage events from a background thread (``oaiserver serve``).

When to use: an installation that runs no scheduled ``oaiserver stats
process``; ``serve`` starts one :class:`ProcessingThread` when
``OAISERVER_STATS_WORKER`` is on. Several server processes may each run one:
a batch locks the processing state row, so no event is counted twice.

When not to use: in tests or scripts that want figures now (call
``process_usage`` directly).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from ..background import BackgroundThread
from .processing import DEFAULT_BATCH_SIZE, DEFAULT_RETENTION_DAYS, ProcessingResult, process_usage

__all__ = ["ProcessingThread"]

log = logging.getLogger(__name__)


class ProcessingThread(BackgroundThread):
    """Runs ``process_usage`` every ``interval`` seconds in a daemon thread.

    A failed run is logged (with its exception kept in ``last_error``) and
    tried again after the interval; it never stops the thread.
    """

    failure = "usage statistics processing failed"

    def __init__(self, engine: Engine, *, interval: float,
                 retention_days: int = DEFAULT_RETENTION_DAYS,
                 batch_size: int = DEFAULT_BATCH_SIZE, name: str = "usage-statistics"):
        super().__init__(name)
        self.engine = engine
        self.interval = interval
        self.retention_days = retention_days
        self.batch_size = batch_size
        self.runs = 0
        self.last_result: ProcessingResult | None = None

    def run_once(self) -> ProcessingResult:
        result = process_usage(self.engine, self.batch_size, self.retention_days)
        self.runs += 1
        self.last_result = result
        return result

    def step(self, stop: threading.Event) -> None:
        result = self.run_once()
        if result.events:
            log.info("usage statistics: processed %d events (%d robots)",
                     result.events, result.robots)
        stop.wait(self.interval)

    def retry_delay(self) -> float:
        return self.interval
