"""Test backends, a config writer, and worker processes started the way `reelforge worker` starts them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml

from reelforge.backends.base import Backend, Plan, RunContext, RunOutput
from reelforge.config import Config, parse_config
from reelforge.errors import Cancelled
from reelforge.jobs import config as _jobs_config  # noqa: F401  (registers the jobs: block)
from reelforge.types import ModelSpec

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class Sleepy(Backend):
    """Waits ``RF_TEST_DELAY_S`` seconds (as a hosted API does), then writes ``RF_TEST_CLIP``."""

    name = "sleepy"
    kind: ClassVar[Any] = "builtin"
    description = "test backend that waits"

    def models(self) -> list[ModelSpec]:
        return [ModelSpec(name="s1", operations=("text-to-video",), any_size=True, max_duration_s=20)]

    def estimate_cost(self, plan: Plan) -> float:
        return 0.0

    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        ctx.progress(0.1, "sleepy: working")
        if await ctx.cancel.wait(float(os.environ.get("RF_TEST_DELAY_S", "0.2"))):
            raise Cancelled("sleepy cancelled", stage="sleepy")
        shutil.copyfile(os.environ["RF_TEST_CLIP"], ctx.out_path)
        ctx.progress(1.0, "sleepy: done")
        return RunOutput(billable=False)


class GpuSleepy(Sleepy):
    """The same, as a local model: its jobs go to the gpu queue."""

    name = "gpusleepy"
    kind: ClassVar[Any] = "local"


def register_test_backends() -> None:
    from reelforge.backends.registry import register_backend

    register_backend("sleepy", Sleepy)
    register_backend("gpusleepy", GpuSleepy)


def write_config(tmp_path: Path, db_url: str, **extra: Any) -> tuple[Config, Path]:
    data: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "database_url": db_url,
        "default_backend": "sleepy",
        "cache": False,
        "jobs": {"lease_s": 3, "poll_interval_s": 0.1, "progress_interval_s": 0.1, **extra.pop("jobs", {})},
        **extra,
    }
    path = tmp_path / "reelforge.yaml"
    path.write_text(yaml.safe_dump(data))
    return parse_config(path.read_text()), path


def wait_for(check: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class WorkerProcess:
    """``reelforge worker`` in a child process (with the test backends registered)."""

    def __init__(self, config_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log = config_path.parent / f"worker-{time.monotonic_ns()}.log"
        cmd = [sys.executable, "-m", "tests.jobs.worker_main", "--config", str(config_path), "worker", *args]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def ffmpeg_processes(text: str) -> list[int]:
    """Pids of live ffmpeg processes whose command line mentions ``text`` (e.g. a test's data folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if text in cmdline and "ffmpeg" in cmdline.split(" ", 1)[0] and state != "Z":
            found.append(int(entry.name))
    return found
