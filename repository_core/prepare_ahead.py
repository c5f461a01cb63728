"""Preparing the next batches of a load in a process of its own.

Why: a load spends about as long parsing, normalising and validating
records (pure Python, no database) as it does writing them. On a machine
with more than one core, a child process prepares batch N+1 (and N+2)
while this process writes batch N, so the two overlap.

The child is started with ``spawn`` (a fresh interpreter: forking a
process that holds database connections or threads is not safe), lazily,
and only when a load has a second batch: a small load never pays its
start-up. It ignores SIGINT (Ctrl-C stops the parent, which stops it),
and a thread of its own watches the parent: if the parent is killed, the
child exits within a fraction of a second (it holds the parent's standard
output and error open, so a caller waiting for them would hang). Anything that goes
wrong with the child (it cannot start, it dies, the work does not pickle)
makes the chunk be prepared here instead, with the same answer, and the
rest of the load continues here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["PrepareAhead"]

log = logging.getLogger(__name__)

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

#: chunks submitted to the child and not yet taken: bounds the memory held
IN_FLIGHT = 2
#: how often the child checks that its parent is alive
PARENT_CHECK_SECONDS = 0.2


class PrepareAhead(Generic[Chunk, Result]):
    """``map`` a picklable ``work(chunk, *args)`` over chunks in order, the
    first chunk here and the others in a child process, ``IN_FLIGHT`` ahead."""

    def __init__(self, work: Callable[..., Result], *, enabled: bool = True):
        self.work = work
        self.enabled = enabled and (os.cpu_count() or 1) > 1 and _picklable(work)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PrepareAhead[Chunk, Result]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, chunks: Iterable[Chunk], *args: Any, first: Chunk) -> Iterator[Result]:
        """``work(first, *args)``, then ``work(chunk, *args)`` for each of ``chunks``."""
        pending: deque[tuple[Chunk, Future[Result] | None]] = deque()
        rest = iter(chunks)
        self._top_up(pending, rest, args)  # the child starts while ``first`` is prepared here
        yield self.work(first, *args)
        while pending:
            chunk, future = pending.popleft()
            self._top_up(pending, rest, args)
            yield self._result(chunk, future, args)

    def _top_up(self, pending: deque[tuple[Chunk, Future[Result] | None]],
                rest: Iterator[Chunk], args: tuple[Any, ...]) -> None:
        while len(pending) < IN_FLIGHT:
            chunk = next(rest, None)
            if chunk is None:
                return
            pending.append((chunk, self._submit(chunk, args)))

    def _submit(self, chunk: Chunk, args: tuple[Any, ...]) -> Future[Result] | None:
        if not self.enabled:
            return None
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child, initargs=(os.getpid(),))
            return self._pool.submit(self.work, chunk, *args)
        except (OSError, RuntimeError) as exc:
            self._give_up(exc)
            return None

    def _result(self, chunk: Chunk, future: Future[Result] | None,
                args: tuple[Any, ...]) -> Result:
        if future is not None:
            try:
                return future.result()
            except Exception as exc:  # noqa: BLE001  # a broken child or pickling: redo it here
                self._give_up(exc)
        return self.work(chunk, *args)

    def _give_up(self, exc: BaseException) -> None:
        if self.enabled:
            log.warning("preparing ahead in a process of its own stopped (%s); "
                        "the load continues in this process", exc.__class__.__name__)
        self.enabled = False
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _picklable(work: Callable[..., Any]) -> bool:
    try:
        pickle.dumps(work)
    except (pickle.PicklingError, TypeError, AttributeError):  # lambdas, closures
        return False
    return True


def _start_child(parent: int) -> None:
    """In the child: ignore Ctrl-C, and exit when ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)
