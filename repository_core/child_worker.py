"""Work handed to a process of its own, so that it overlaps with this one's.

Why: a load spends about as long parsing, normalising and validating
records (pure Python, no database) as it does writing them, and then
renders their OAI payloads. On a machine with more than one core, a child
process prepares batch N+1 (and N+2) while this process writes batch N
(:class:`PrepareAhead`), and another renders a committed batch's payloads
(:class:`ChildWorker`, used by ``oaiserver load``).

A child is started with ``spawn`` (a fresh interpreter: forking a process
that holds database connections or threads is not safe), lazily, on the
first piece of work given to it: a small load never pays its start-up. It
ignores SIGINT (Ctrl-C stops the parent, which stops it), and a thread of
its own watches the parent: if the parent is killed, the child exits
within a fraction of a second (it holds the parent's standard output and
error open, so a caller waiting for them would hang). Anything that goes
wrong with a child (it cannot start, it dies, the work does not pickle)
makes the work be done here instead, with the same answer, and the rest
of the run continues here.
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
from typing import Any, Generic, Self, TypeVar

__all__ = ["IN_FLIGHT", "ChildWorker", "PrepareAhead"]

log = logging.getLogger(__name__)

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

#: chunks submitted to the child and not yet taken: bounds the memory held
IN_FLIGHT = 2
#: how often the child checks that its parent is alive
PARENT_CHECK_SECONDS = 0.2


class ChildWorker:
    """One child process, started on the first :meth:`submit`; or, when it
    cannot be had (one core, ``enabled=False``, a failure), none: then
    :meth:`submit` answers None and the caller does the work itself."""

    def __init__(self, *, enabled: bool = True, what: str = "work"):
        self.enabled = enabled and (os.cpu_count() or 1) > 1
        self.what = what  # for the warning: "preparing ahead", "rendering payloads"
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(wait=kind is None)

    def close(self, *, wait: bool = True) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def submit(self, work: Callable[..., Result], *args: Any) -> Future[Result] | None:
        """``work(*args)`` in the child (``work`` and ``args`` must pickle); None: do it here."""
        if not self.enabled:
            return None
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child, initargs=(os.getpid(),))
            return self._pool.submit(work, *args)
        except (OSError, RuntimeError) as exc:
            self._give_up(exc)
            return None

    def result(self, future: Future[Result] | None, work: Callable[..., Result],
               *args: Any) -> Result:
        """The answer of ``future``; ``work(*args)`` here when there is none, or
        the child failed (an error of the work itself is raised again here)."""
        if future is not None:
            try:
                return future.result()
            except Exception as exc:  # noqa: BLE001  # a broken child or pickling: redo it here
                self._give_up(exc)
        return work(*args)

    def _give_up(self, exc: BaseException) -> None:
        if self.enabled:
            log.warning("%s in a process of its own stopped (%s); it continues in this "
                        "process", self.what, exc.__class__.__name__)
        self.enabled = False
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class PrepareAhead(Generic[Chunk, Result]):
    """``map`` a picklable ``work(chunk, *args)`` over chunks in order, the
    first chunk here and the others in a child process, ``IN_FLIGHT`` ahead."""

    def __init__(self, work: Callable[..., Result], *, enabled: bool = True):
        self.work = work
        self.worker = ChildWorker(enabled=enabled and _picklable(work), what="preparing ahead")

    @property
    def enabled(self) -> bool:
        return self.worker.enabled

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.worker.close(wait=kind is None)

    def map(self, chunks: Iterable[Chunk], *args: Any, first: Chunk) -> Iterator[Result]:
        """``work(first, *args)``, then ``work(chunk, *args)`` for each of ``chunks``."""
        pending: deque[tuple[Chunk, Future[Result] | None]] = deque()
        rest = iter(chunks)
        self._top_up(pending, rest, args)  # the child starts while ``first`` is prepared here
        yield self.work(first, *args)
        while pending:
            chunk, future = pending.popleft()
            self._top_up(pending, rest, args)
            yield self.worker.result(future, self.work, chunk, *args)

    def _top_up(self, pending: deque[tuple[Chunk, Future[Result] | None]],
                rest: Iterator[Chunk], args: tuple[Any, ...]) -> None:
        while len(pending) < IN_FLIGHT:
            chunk = next(rest, None)
            if chunk is None:
                return
            pending.append((chunk, self._submit(chunk, args)))

    def _submit(self, chunk: Chunk, args: tuple[Any, ...]) -> Future[Result] | None:
        return self.worker.submit(self.work, chunk, *args)


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
