"""`reelforge mcp`, driven by the mcp package's own stdio client: the server runs as a subprocess with its
embedded worker, on the ``procedural`` backend and a SQLite database of its own."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("mcp")

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from reelforge.media import probe

TOOLS = {"generate_video", "make_short", "estimate", "list_backends", "job_status", "cancel_job"}


def _command() -> list[str]:
    script = Path(sys.executable).parent / "reelforge"
    if script.exists():
        return [str(script)]
    found = shutil.which("reelforge")
    return [found] if found else [sys.executable, "-c", "from reelforge.cli import app; app()"]


def _write_config(tmp_path: Path) -> Path:
    data = {
        "data_dir": str(tmp_path / "data"),
        "default_backend": "procedural",
        "cache": False,
        "backends": {"procedural": {"preset": "ultrafast"}},
        "jobs": {"lease_s": 5, "poll_interval_s": 0.1, "progress_interval_s": 0.1},
    }
    path = tmp_path / "reelforge.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@asynccontextmanager
async def session(tmp_path: Path, *args: str) -> AsyncIterator[ClientSession]:
    command, *rest = _command()
    params = StdioServerParameters(
        command=command, args=[*rest, "--config", str(_write_config(tmp_path)), "mcp", *args], cwd=str(tmp_path)
    )
    with open(tmp_path / "mcp-stderr.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            yield client


async def call(client: ClientSession, tool: str, **arguments: Any) -> tuple[bool, Any]:
    """(is_error, the tool's JSON answer or its error text)."""
    result = await client.call_tool(tool, arguments)
    is_error = bool(getattr(result, "is_error", None) or getattr(result, "isError", False))
    text = "".join(getattr(block, "text", "") for block in result.content)
    if is_error:
        return True, text
    return False, json.loads(text)


async def until_finished(client: ClientSession, job_id: str) -> dict[str, Any]:
    for _ in range(20):
        error, status = await call(client, "job_status", job_id=job_id, wait_s=10)
        assert not error, status
        if status["finished"]:
            return dict(status)
    raise AssertionError(f"job {job_id} did not finish")


async def test_tools_estimate_generate_status_and_cancel(tmp_path: Path) -> None:
    async with session(tmp_path) as client:
        listed = await client.list_tools()
        assert {tool.name for tool in listed.tools} >= TOOLS

        error, backends = await call(client, "list_backends")
        assert not error
        procedural = next(b for b in backends["backends"] if b["name"] == "procedural")
        assert procedural["ready"] is True and "text-to-video" in procedural["operations"]

        error, estimate = await call(client, "estimate", prompt="a paper boat", backend="procedural",
                                     duration_s=1, resolution="160x90")  # fmt: skip
        assert not error, estimate
        assert (estimate["width"], estimate["height"]) == (160, 90) and estimate["estimated_usd"] == 0

        error, queued = await call(client, "generate_video", prompt="a paper boat on a rainy street",
                                   backend="procedural", duration_s=1, resolution="160x90")  # fmt: skip
        assert not error, queued
        assert queued["job_id"].startswith("job_") and queued["status"] in ("queued", "running")
        done = await until_finished(client, queued["job_id"])
        assert done["status"] == "succeeded", done
        assert done["progress_percent"] == 100
        info = probe(done["result"]["path"])
        assert (info.width, info.height) == (160, 90) and abs(info.duration_s - 1) < 0.2

        error, long_one = await call(client, "generate_video", prompt="a long one", backend="procedural",
                                     duration_s=60, resolution="1280x720")  # fmt: skip
        assert not error, long_one
        error, cancelled = await call(client, "cancel_job", job_id=long_one["job_id"])
        assert not error and cancelled["action"] in ("cancelled", "cancelling"), cancelled
        ended = await until_finished(client, long_one["job_id"])
        assert ended["status"] == "cancelled"
        error, again = await call(client, "cancel_job", job_id=long_one["job_id"])
        assert not error and again["action"] == "noop"


async def test_bad_requests_are_tool_errors_naming_the_problem(tmp_path: Path) -> None:
    async with session(tmp_path, "--no-worker") as client:
        error, text = await call(client, "estimate", prompt="x", backend="no-such-backend")
        assert error and "no-such-backend" in text
        error, text = await call(client, "job_status", job_id="job_missing")
        assert error and "job_missing" in text
        error, text = await call(client, "make_short")
        assert error and "topic" in text

        error, short = await call(client, "make_short", topic="how volcanoes work")  # no worker: it stays queued
        assert not error and short["status"] == "queued" and short["kind"] == "short"
        error, cancelled = await call(client, "cancel_job", job_id=short["job_id"])
        assert not error and cancelled["action"] == "cancelled" and cancelled["status"] == "cancelled"
