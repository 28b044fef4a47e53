"""`reelforge mcp`: the MCP server over stdio for agent clients (with an embedded worker by default)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import ReelforgeError
from .common import fail, load_config


def register(app: typer.Typer) -> None:
    @app.command("mcp")
    def mcp_command(
        no_worker: Annotated[
            bool, typer.Option("--no-worker", help="Run no jobs here: a `reelforge worker` on the database does.")
        ] = False,
        queues: Annotated[str, typer.Option("--queues", help="Queues the embedded worker takes.")] = "default,gpu",
        concurrency: Annotated[int | None, typer.Option("--concurrency", help="Jobs at once (default queue).")] = None,
    ) -> None:
        """Serve reelforge's tools over MCP on stdin/stdout (generate, short, estimate, backends, status, cancel)."""
        from ..mcp import serve_stdio

        config = load_config()
        chosen = [q.strip() for q in queues.split(",") if q.strip()]
        try:
            serve_stdio(config, worker=not no_worker, queues=chosen, concurrency=concurrency)
        except ReelforgeError as exc:
            fail(exc)


__all__ = ["register"]
