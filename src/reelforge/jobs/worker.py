"""A worker: takes jobs from the chosen queues of the database, on any machine that reaches it.

``Worker(config).start()`` runs DBOS in this process (the server's embedded mode does the same); a thread
beats the worker's lease and reaps dead workers, whose unfinished jobs DBOS puts back on their queues.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from dbos import DBOS

from ..config import Config
from ..library.db import acquire_engine, release_engine
from . import engine as dbos_engine
from . import leases
from .config import jobs_config
from .db import migrate, system_database_url
from .models import QUEUES
from .runner import Handler, JobRunner
from .store import JobStore

log = logging.getLogger(__name__)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """DBOS's console log handler, writing to ``sys.stderr`` as it is at each record (DBOS's own keeps the stream
    it was made with, which may be closed by the time a later worker in the same process logs)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _dbos_logging() -> None:
    dbos_log = logging.getLogger("dbos")
    if not dbos_log.handlers:
        handler = _StderrHandler()
        handler.name = "__dbos_console_log_handler__"
        handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)8s] (dbos) %(message)s", "%H:%M:%S"))
        dbos_log.addHandler(handler)
        dbos_log.propagate = False


class Worker:
    """One worker process's DBOS executor. At most one per process (DBOS is a process-wide singleton)."""

    def __init__(
        self,
        config: Config,
        *,
        queues: Sequence[str] = QUEUES,
        concurrency: int | None = None,
        name: str | None = None,
        handlers: dict[str, Handler] | None = None,
    ) -> None:
        unknown = [q for q in queues if q not in QUEUES]
        if unknown or not queues:
            from ..errors import InvalidRequest

            raise InvalidRequest({"queues": f"choose from {', '.join(QUEUES)} (got {', '.join(queues) or 'none'})"})
        self.config = config
        self.settings = jobs_config(config)
        self.queues = list(queues)
        self.concurrency = concurrency or self.settings.concurrency
        self.name = name
        self.handlers = handlers
        self.executor_id = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine = None

    def start(self) -> Worker:
        engine = acquire_engine(self.config.resolved_database_url)
        self._engine = engine
        migrate(engine)
        system_url = system_database_url(engine)
        dbos_engine.ensure_system_tables(system_url)
        self.executor_id = leases.claim_slot(engine, self.queues, self.settings.lease_s, self.name)
        dbos_engine.set_runner(JobRunner(self.config, JobStore(engine), self.executor_id, self.handlers))
        _dbos_logging()
        DBOS(
            config={
                "name": dbos_engine.APP_NAME,
                "system_database_url": system_url,
                "application_version": dbos_engine.APP_VERSION,
                "executor_id": self.executor_id,
                "log_level": "WARNING",
                "run_migrations": False,
            }
        )
        DBOS.listen_queues(self.queues)
        DBOS.launch()  # recovers the unfinished workflows of this executor id (a restarted worker's own)
        limits = {"default": self.concurrency, "gpu": self.settings.gpu_concurrency}
        for queue, limit in limits.items():  # a queue this worker does not take keeps the limit others set
            DBOS.register_queue(
                queue,
                worker_concurrency=limit,
                polling_interval_sec=self.settings.poll_interval_s,
                on_conflict="always_update" if queue in self.queues else "never_update",
            )
        self._thread = threading.Thread(target=self._lease_loop, name="reelforge-lease", daemon=True)
        self._thread.start()
        log.info("worker %s listening on %s", self.executor_id, ", ".join(self.queues))
        return self

    def _lease_loop(self) -> None:
        period = max(0.5, self.settings.lease_s / 4)
        while not self._stop.wait(period):
            try:
                self.tick()
            except Exception:  # a database hiccup must not end the worker: the next beat retries
                log.warning("worker lease update failed", exc_info=True)

    def tick(self) -> list[str]:
        """Beat this worker's lease and recover the jobs of workers whose lease ran out."""
        assert self._engine is not None
        leases.heartbeat(self._engine, self.executor_id)
        dead = leases.reap(self._engine, self.executor_id, self.settings.lease_s)
        if dead:
            log.warning("recovering the jobs of lost workers: %s", ", ".join(dead))
            DBOS._recover_pending_workflows(dead)
        return dead

    def stop(self, timeout_s: int = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            DBOS.destroy(workflow_completion_timeout_sec=timeout_s)
        finally:
            dbos_engine.set_runner(None)
            if self._engine is not None:
                leases.release(self._engine, self.executor_id)
                release_engine(self._engine)
                self._engine = None

    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.wait(0.5):
            pass

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_idle(store: JobStore, stop: threading.Event, poll_s: float = 0.5) -> None:
    """Block until no job is queued or running (or ``stop`` is set)."""
    while not stop.is_set():
        counts = store.counts()
        if not counts.get("queued") and not counts.get("running"):
            return
        time.sleep(poll_s)


__all__ = ["Worker", "wait_idle"]
