"""The thread of ``serve`` that harvests every source every few minutes.

On only when ``OAISERVER_HARVEST_INTERVAL_MINUTES`` is above 0. Each round
runs :meth:`Harvester.run_all`; a source that fails is logged and kept in
its status (``oaiserver harvest status``), and the others go on.
"""

from __future__ import annotations

import threading

from ..background import BackgroundThread
from .harvester import Harvester

__all__ = ["HarvestThread"]


class HarvestThread(BackgroundThread):
    failure = "harvesting failed"

    def __init__(self, harvester: Harvester, *, interval: float):
        super().__init__("oaiserver-harvest")
        self.harvester = harvester
        self.interval = interval
        #: completed rounds (for tests and status)
        self.rounds = 0

    def step(self, stop: threading.Event) -> None:
        self.harvester.run_all()
        self.rounds += 1
        stop.wait(self.interval)

    def retry_delay(self) -> float:
        return self.interval
