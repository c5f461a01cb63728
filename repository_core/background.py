"""A daemon thread that repeats one step until it is stopped (the workers of ``serve``).

The DOI outbox worker and usage-statistics processing both run this way:
``start()`` and ``stop()`` from the server, ``running`` for tests and status.
A step that raises never kills the thread silently: the error is logged,
kept in ``last_error``, and the step runs again after ``retry_delay()``.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

__all__ = ["BackgroundThread"]

log = logging.getLogger(__name__)


class BackgroundThread(ABC):
    """Subclasses say what one ``step`` is and how long to wait after a failed one."""

    #: the log line's words when a step fails
    failure = "background work failed"

    def __init__(self, name: str):
        self.name = name
        self.last_error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def step(self, stop: threading.Event) -> None:
        """One round of work; waits between rounds on ``stop`` so that stopping is prompt."""

    @abstractmethod
    def retry_delay(self) -> float:
        """Seconds to wait after a failed step."""

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                self.step(self._stop)
            except Exception as exc:  # keep serving; say why
                self.last_error = exc
                log.exception("%s; trying again in %s s", self.failure, self.retry_delay())
                self._stop.wait(self.retry_delay())
