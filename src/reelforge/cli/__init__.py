"""The ``reelforge`` command line (typer + rich)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from .common import state

app = typer.Typer(
    name="reelforge",
    no_args_is_help=True,
    add_completion=False,
    help="Turn a prompt, an image, a script or a topic into finished video.",
)


@app.callback()
def main(config: Annotated[Path | None, typer.Option("--config", help="Config file (YAML).")] = None) -> None:
    state["config_path"] = config


# Each module adds its commands; a module whose optional part is missing is skipped.
_MODULES = ("generate", "backends", "config_cmd", "library", "short", "jobs", "worker", "publish", "mcp_cmd", "serve")
for _module in _MODULES:
    try:
        importlib.import_module(f"{__name__}.{_module}").register(app)
    except ModuleNotFoundError as exc:  # pragma: no cover - a part not installed
        if not (exc.name or "").startswith(__name__):
            raise

__all__ = ["app"]
