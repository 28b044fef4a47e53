"""reelforge as an MCP server (``reelforge mcp``, over stdio): tools to generate a video, make a short, estimate
a request, list backends, read a job's status and cancel a job.

Long work returns a job id at once: the video or short is a job of the job service, run by the embedded worker
this process starts (or by any ``reelforge worker`` on the same database), so budgets, fallback, the ledger,
cancellation and crash recovery apply as everywhere else. ``job_status`` reports progress as a percentage and,
given ``wait_s``, waits up to that long for the job to end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from .config import Config
from .errors import ConfigError, InvalidRequest, ReelforgeError
from .jobs import config as _jobs_config  # noqa: F401  (registers the jobs: block)

INSTRUCTIONS = (
    "Generate videos and short-form videos with reelforge. generate_video and make_short queue a job and return "
    "its id at once; call job_status with that id (wait_s up to 60 waits for it) until status is succeeded, "
    "failed or cancelled; the result holds the file path. estimate validates and prices a request without "
    "running it; list_backends shows which backends are ready."
)
MAX_WAIT_S = 60.0


def server_class() -> Any:
    """The MCP package's high-level server: ``MCPServer`` (mcp 2), ``FastMCP`` (mcp 1)."""
    try:
        from mcp.server.mcpserver import MCPServer

        return MCPServer
    except ImportError:
        pass
    try:
        from mcp.server.fastmcp import FastMCP

        return FastMCP
    except ImportError:
        raise ConfigError("reelforge mcp needs the mcp package: pip install 'reelforge[server]'") from None


def tool_error_class() -> type[Exception]:
    """The error a tool raises for a failure its caller should read (its message reaches the client)."""
    try:
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:
        from mcp.server.fastmcp.exceptions import ToolError
    return ToolError


async def answer(work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """The tool's answer; a reelforge error becomes a tool error naming its type and every problem."""
    try:
        return await work
    except ReelforgeError as exc:
        raise tool_error_class()(f"{type(exc).__name__}: {exc.message}") from None


def describe_backends(config: Config) -> list[dict[str, Any]]:
    """Every registered backend: ready or not (and why), operations, models and the default's price rule."""
    from .backends.describe import describe_backends as rows

    out = []
    for row in rows(config):
        models = row["models"]
        default = next((m for m in models if m["name"] == row.get("default_model")), models[0] if models else None)
        out.append(
            {
                "name": row["name"],
                "kind": row["kind"],
                "description": row.get("description"),
                "ready": row["configured"],
                "why_not": row["why_not"],
                "operations": row["operations"],
                "models": [m["name"] for m in models],
                "default_model": row.get("default_model"),
                "price_rule": default["price_rule"] if default else None,
            }
        )
    return out


def job_view(job: Any) -> dict[str, Any]:
    """What ``job_status`` answers: status, progress in percent, stage, message, error and result."""
    data = job.model_dump(
        mode="json",
        include={"id", "kind", "status", "stage", "message", "error", "result", "assets", "cost_usd", "queue"},
    )
    data.update(
        job_id=data.pop("id"),
        progress_percent=round(job.progress * 100, 1),
        finished=job.finished,
        created_at=job.created_at.isoformat(),
        finished_at=job.finished_at.isoformat() if job.finished_at else None,
    )
    return data


def _drop_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class Tools:
    """The tools' work over one job service (opened by the server's lifespan); blocking calls run in threads."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.jobs: Any = None

    async def submit(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        job = await asyncio.to_thread(self.jobs.submit, kind, request)
        return {
            "job_id": job.id,
            "kind": kind,
            "status": job.status.value,
            "queue": job.queue,
            "next": f"call job_status with job_id {job.id} until it is finished",
        }

    async def status(self, job_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        if not 0 <= wait_s <= MAX_WAIT_S:
            raise InvalidRequest({"wait_s": f"must be between 0 and {MAX_WAIT_S:g} seconds"})
        deadline = time.monotonic() + wait_s
        job = await asyncio.to_thread(self.jobs.get, job_id)
        while not job.finished and time.monotonic() < deadline:
            await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
            job = await asyncio.to_thread(self.jobs.get, job_id)
        return job_view(job)

    async def estimate(self, fields: dict[str, Any]) -> dict[str, Any]:
        from pydantic import ValidationError

        from .api import aestimate
        from .jobs.requests import problems_of
        from .types import VideoRequest

        try:
            request = VideoRequest.model_validate(fields)
        except ValidationError as exc:
            raise InvalidRequest(problems_of(exc)) from None
        result = await aestimate(request, config=self.config)
        return {k: v for k, v in result.items() if k != "plan"}

    async def backends(self) -> dict[str, Any]:
        return {"backends": await asyncio.to_thread(describe_backends, self.config)}

    async def cancel(self, job_id: str) -> dict[str, Any]:
        outcome = await asyncio.to_thread(self.jobs.cancel, job_id)
        return {"job_id": job_id, "action": outcome.action, "message": outcome.message, **_status(outcome.job)}


def _status(job: Any) -> dict[str, Any]:
    return {"status": job.status.value, "progress_percent": round(job.progress * 100, 1)}


def build_server(
    config: Config, *, worker: bool = True, queues: Sequence[str] = ("default", "gpu"), concurrency: int | None = None
) -> Any:
    """The MCP server with reelforge's tools; ``worker`` starts an embedded worker for the server's lifetime."""
    tools = Tools(config)

    @asynccontextmanager
    async def lifespan(_server: Any) -> AsyncIterator[None]:
        from .jobs import JobService, Worker

        tools.jobs = await asyncio.to_thread(JobService, config)
        running = None
        try:
            if worker:
                running = await asyncio.to_thread(Worker(config, queues=queues, concurrency=concurrency).start)
            yield
        finally:
            if running is not None:
                await asyncio.to_thread(running.stop)
            await asyncio.to_thread(tools.jobs.close)

    server = server_class()(name="reelforge", instructions=INSTRUCTIONS, lifespan=lifespan)
    _add_job_tools(server, tools)
    _add_info_tools(server, tools)
    return server


def _add_job_tools(server: Any, tools: Tools) -> None:
    @server.tool()
    async def generate_video(
        prompt: str,
        backend: str = "auto",
        model: str | None = None,
        duration_s: float | None = None,
        aspect_ratio: str | None = None,
        resolution: str | None = None,
        seed: int | None = None,
        image: str | None = None,
        negative_prompt: str | None = None,
    ) -> dict[str, Any]:
        """Queue one video generation and return its job id at once. backend: a backend name or auto;
        resolution: 480p, 720p, 1080p or WIDTHxHEIGHT; aspect_ratio: like 16:9; image: a local path or https URL
        (image-to-video)."""
        request = _drop_none(
            prompt=prompt, backend=backend, model=model, duration_s=duration_s, aspect_ratio=aspect_ratio,
            resolution=resolution, seed=seed, image=image, negative_prompt=negative_prompt,
        )  # fmt: skip
        return await answer(tools.submit("video", request))

    @server.tool()
    async def make_short(
        topic: str | None = None,
        script_text: str | None = None,
        aspect_ratio: str | None = None,
        target_duration_s: float | None = None,
        visuals: str | None = None,
        captions: str | None = None,
        music: str | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        """Queue a narrated, captioned short from a topic or a script and return its job id at once.
        visuals: library, pexels, pixabay or generate; captions: karaoke, word, sentence or none."""
        request = _drop_none(
            topic=topic, script_text=script_text, aspect_ratio=aspect_ratio, target_duration_s=target_duration_s,
            visuals=visuals, captions=captions, music=music, language=language,
        )  # fmt: skip
        return await answer(tools.submit("short", request))

    @server.tool()
    async def job_status(job_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        """A job's status (queued, running, succeeded, failed, cancelled), progress in percent, stage, error and
        result (the file's path, size and duration). wait_s (up to 60): wait that long for the job to end."""
        return await answer(tools.status(job_id, wait_s))

    @server.tool()
    async def cancel_job(job_id: str) -> dict[str, Any]:
        """Cancel a job: a queued one never starts; a running one stops at its next safe point."""
        return await answer(tools.cancel(job_id))


def _add_info_tools(server: Any, tools: Tools) -> None:
    @server.tool()
    async def estimate(
        prompt: str,
        backend: str = "auto",
        model: str | None = None,
        duration_s: float | None = None,
        aspect_ratio: str | None = None,
        resolution: str | None = None,
        image: str | None = None,
    ) -> dict[str, Any]:
        """Validate and price a video request without running it: the backend and model chosen, size, frames,
        estimated cost in USD, and every adjustment made to fit the model."""
        fields = _drop_none(
            prompt=prompt, backend=backend, model=model, duration_s=duration_s, aspect_ratio=aspect_ratio,
            resolution=resolution, image=image,
        )  # fmt: skip
        return await answer(tools.estimate(fields))

    @server.tool()
    async def list_backends() -> dict[str, Any]:
        """Every backend: ready or not (and why not), operations, models and price rule."""
        return await answer(tools.backends())


def serve_stdio(
    config: Config, *, worker: bool = True, queues: Sequence[str] = ("default", "gpu"), concurrency: int | None = None
) -> None:
    """Serve MCP over this process's stdin and stdout until the client closes them."""
    import anyio

    server = build_server(config, worker=worker, queues=queues, concurrency=concurrency)
    anyio.run(server.run_stdio_async)


__all__ = [
    "INSTRUCTIONS",
    "Tools",
    "answer",
    "build_server",
    "describe_backends",
    "job_view",
    "serve_stdio",
    "server_class",
    "tool_error_class",
]
