"""`reelforge serve`: the REST API on uvicorn, with embedded workers unless ``--no-worker``."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from ..errors import ConfigError, ReelforgeError
from .common import fail, load_config


def run_server(host: str | None, port: int | None, workers: int | None, no_worker: bool, log_level: str) -> None:
    try:
        import uvicorn

        from ..server import create_app, server_config
        from ..server.auth import is_loopback_host
    except ImportError as exc:
        fail(ConfigError(f"the server needs its extra: pip install 'reelforge[server]' ({exc.name} is missing)"))
    config = load_config()
    settings = server_config(config)
    bind = host or settings.host
    if not is_loopback_host(bind) and not settings.token_values():
        fail(ConfigError(f"refusing to listen on {bind} without api tokens: set server.api_tokens", key="server"))
    worker = None
    try:
        if not no_worker:
            from ..jobs import Worker

            worker = Worker(config, concurrency=workers).start()
        app = create_app(config, embedded_worker=worker.executor_id if worker else None)
    except ReelforgeError as exc:
        if worker is not None:
            worker.stop()
        fail(exc)
    where = f"with worker {worker.executor_id}" if worker else "API only (--no-worker)"
    sys.stderr.write(f"reelforge serving on http://{bind}:{port or settings.port} {where}\n")
    # uvicorn stops on SIGINT/SIGTERM and then re-raises the signal to the handler found at start: a quiet one
    # here, so the embedded worker is stopped (its lease released) and the command exits 0
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.run(app, host=bind, port=port or settings.port, log_level=log_level, access_log=False)
    finally:
        if worker is not None:
            worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.stderr.write("reelforge server stopped\n")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default server.host).")] = None,
        port: Annotated[int | None, typer.Option("--port", help="Port (default server.port).", min=0)] = None,
        workers: Annotated[
            int | None, typer.Option("--workers", help="Jobs the embedded worker runs at once.", min=1)
        ] = None,
        no_worker: Annotated[
            bool, typer.Option("--no-worker", help="API only: workers run elsewhere (`reelforge worker`).")
        ] = False,
        log_level: Annotated[str, typer.Option("--log-level")] = "info",
    ) -> None:
        """REST API (+ embedded workers by default)."""
        if workers is not None and no_worker:
            fail(ConfigError("--workers and --no-worker exclude each other", key="--workers"))
        run_server(host, port, workers, no_worker, log_level)


__all__ = ["register", "run_server"]
