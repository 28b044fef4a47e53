"""What every command shares: config loading, progress display, error → exit code, JSON output."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from ..config import Config
from ..config import load_config as _load_config
from ..errors import InvalidRequest, ReelforgeError
from ..types import CancelToken, ProgressCallback

T = TypeVar("T")
state: dict[str, Any] = {"config_path": None}


def load_config(config_path: Path | None = None) -> Config:
    try:
        config = _load_config(config_path or state.get("config_path"))
    except ReelforgeError as exc:
        fail(exc)
    if config.ffmpeg:  # the config's ffmpeg applies to everything this command runs
        import os

        from ..media.ffmpeg import ffmpeg_exe

        os.environ["REELFORGE_FFMPEG"] = config.ffmpeg
        ffmpeg_exe.cache_clear()
    return config


def to_jsonable(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(obj), default=str) + "\n")
    sys.stdout.flush()


def invalid_from_validation(exc: ValidationError) -> InvalidRequest:
    problems = {".".join(str(p) for p in e["loc"]) or "request": e["msg"] for e in exc.errors()}
    return InvalidRequest(problems)


def fail(exc: BaseException, json_output: bool | None = None) -> NoReturn:
    """Print one line naming the problem on stderr (and a JSON error on stdout with --json); exit 1/2/130."""
    if isinstance(exc, ValidationError):
        exc = invalid_from_validation(exc)
    if not isinstance(exc, ReelforgeError):
        raise exc
    json_output = state.get("json") if json_output is None else json_output
    if json_output:
        emit_json({"error": exc.to_dict()})
    sys.stderr.write(f"error: {type(exc).__name__}: {exc.message}\n")
    raise typer.Exit(exc.exit_code)


class _Plain:
    """Progress as plain lines (not a terminal): one line per new stage or each 10 %."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last: tuple[int, str] = (-1, "")
        self.started = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        step = int(fraction * 10)
        if message == self.last[1] and step <= self.last[0]:
            return
        self.last = (step, message)
        sys.stderr.write(f"[{fraction * 100:5.1f}%] {self.label}: {message} ({time.monotonic() - self.started:.1f}s)\n")


@contextmanager
def progress_display(label: str) -> Iterator[ProgressCallback]:
    if not sys.stderr.isatty():
        yield _Plain(label)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(label, total=1.0, stage="starting")

        def update(fraction: float, message: str) -> None:
            progress.update(task, completed=fraction, stage=message)

        yield update


def run_task(factory: Callable[[ProgressCallback, CancelToken], Awaitable[T]], *, json_output: bool, label: str) -> T:
    """Run a long coroutine with a progress display; Ctrl-C or SIGTERM cancels it (exit 130)."""
    state["json"] = json_output
    cancel = CancelToken()

    async def main(on_progress: ProgressCallback) -> T:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, cancel.cancel)
        return await factory(on_progress, cancel)

    with progress_display(label) as on_progress:
        try:
            return asyncio.run(main(on_progress))
        except (ReelforgeError, ValidationError) as exc:
            fail(exc, json_output)
        except KeyboardInterrupt:
            from ..errors import Cancelled

            fail(Cancelled("interrupted"), json_output)


__all__ = [
    "T",
    "emit_json",
    "fail",
    "invalid_from_validation",
    "load_config",
    "progress_display",
    "run_task",
    "state",
    "to_jsonable",
]
