"""`reelforge worker`: take jobs from the chosen queues until stopped (SIGINT or SIGTERM finish cleanly)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Annotated

import typer

from ..errors import ReelforgeError
from .common import fail, load_config


def run_worker(queues: str, concurrency: int | None, name: str | None, *, until_idle: bool = False) -> None:
    from ..jobs import JobService, Worker, wait_idle

    config = load_config()
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    chosen = [q.strip() for q in queues.split(",") if q.strip()]
    try:
        worker = Worker(config, queues=chosen, concurrency=concurrency, name=name).start()
    except ReelforgeError as exc:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        fail(exc)
    sys.stderr.write(f"worker {worker.executor_id} taking jobs from {', '.join(chosen)}\n")
    try:
        if until_idle:
            with JobService(config) as service:
                wait_idle(service.store, stop)
        else:
            worker.run_forever(stop)
    finally:
        worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop.is_set():
        sys.stderr.write("worker stopped\n")


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        queues: Annotated[str, typer.Option("--queues", help="Comma-separated: default,gpu")] = "default",
        concurrency: Annotated[int | None, typer.Option("--concurrency", help="Jobs at once (default queue).")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Fixed worker id (default: host:slot).")] = None,
    ) -> None:
        """Run a worker on any machine that reaches the database."""
        run_worker(queues, concurrency, name)


__all__ = ["register", "run_worker"]
