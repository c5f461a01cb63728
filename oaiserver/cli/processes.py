"""``oaiserver serve --workers N``: N web processes and the background workers as processes.

With one process (the default) ``serve`` runs waitress with threads and the
background work (DOI outbox, usage statistics) in threads of that process.
With ``--workers N`` (N > 1) it runs **gunicorn** with N pre-forked worker
processes of ``--threads`` threads each (the ``gthread`` worker): gunicorn is
the process manager of the Python web ecosystem on POSIX (restarts a worker
that dies, graceful reloads on SIGHUP, stops on SIGTERM), which waitress
does not do. Each web process builds its own application and database pool
after the fork, so no connection is shared between processes.

Background work then runs in processes of its own, started (with the
``spawn`` method: no threads or sockets inherited) and stopped by ``serve``:
the DOI outbox worker claims rows with ``FOR UPDATE SKIP LOCKED``, usage
processing locks its state row per batch and a harvest run holds its
source's lease, so more of them, here or on other machines, never do the
same work twice.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
from collections.abc import Callable
from typing import Any

import click

from oaiserver.config import Config

__all__ = ["background_processes", "run_gunicorn", "stop_processes"]

log = logging.getLogger(__name__)


def run_gunicorn(load_app: Callable[[], Any], host: str, port: int, workers: int,
                 threads: int) -> None:
    """Serve the application ``load_app()`` builds (called in each web process,
    after the fork) with gunicorn until it is stopped (SIGTERM, SIGINT)."""
    if sys.platform == "win32":  # pragma: no cover - POSIX machines run the tests
        raise click.ClickException("--workers needs a POSIX system (gunicorn); "
                                   "on Windows run one process per port behind a proxy")
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            for key, value in {
                "bind": [bind], "workers": workers, "threads": threads,
                "worker_class": "gthread", "preload_app": False,
                "proc_name": "oaiserver", "accesslog": None,
                # a harvest's list page may take long on a cold cache
                "timeout": 120, "graceful_timeout": 30,
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return load_app()  # in the worker, after the fork

    Application().run()


def _doi_worker_main(config: Config) -> None:
    from datacite_client.worker import WorkerThread
    from oaiserver.services import build_services

    services = build_services(config)
    if services.doi.worker is not None:
        _run_until_terminated(WorkerThread(services.doi.worker))


def _usage_worker_main(config: Config) -> None:
    from oaiserver.services import build_services
    from repository_core.stats.worker import ProcessingThread

    services = build_services(config)
    _run_until_terminated(ProcessingThread(
        services.engine, interval=config.stats_worker_interval_seconds,
        retention_days=config.stats_retention_days))


def _harvest_worker_main(config: Config) -> None:
    from oaiserver.services import build_harvester, build_services
    from repository_core.harvest.worker import HarvestThread

    services = build_services(config)
    _run_until_terminated(HarvestThread(build_harvester(config, services.records),
                                        interval=config.harvest_interval_minutes * 60))


def _run_until_terminated(thread: Any) -> None:
    import signal

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    thread.start()
    done.wait()
    thread.stop()


def background_processes(config: Config, *, doi: bool, usage: bool,
                         harvest: bool = False) -> list[Any]:
    """Start the background workers ``config`` asks for as processes; returns them."""
    context = multiprocessing.get_context("spawn")
    wanted: list[tuple[str, Callable[[Config], None]]] = []
    if doi:
        wanted.append(("oaiserver-doi-worker", _doi_worker_main))
    if usage:
        wanted.append(("oaiserver-usage-worker", _usage_worker_main))
    if harvest:
        wanted.append(("oaiserver-harvest-worker", _harvest_worker_main))
    started = []
    for name, target in wanted:
        process = context.Process(target=target, args=(config,), name=name, daemon=True)
        process.start()
        started.append(process)
    return started


def stop_processes(processes: list[Any], timeout: float = 10) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout)
        if process.is_alive():  # pragma: no cover - a stuck worker
            process.kill()
