"""A fake WaveSpeed API (v3) following its documented protocol.

``POST /api/v3/{model path}`` answers ``{"code": 200, "message": "success", "data": {"id", "status":
"created", ...}}``; ``GET /api/v3/predictions/{id}/result`` answers the same envelope with status
created | processing | completed | failed, ``outputs`` (URLs) and ``error``; failed tasks are HTTP 200.
``POST /api/v3/upload`` takes a multipart file. Wrong keys get 401.

Scripted faults per endpoint: ``submit``, ``poll``, ``upload``, ``download``. Run standalone (for the
benchmark) with ``python -m tests.fakes.wavespeed_server --latency 1``: it prints its port.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import socket
import sys
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.video_jobs import FakeProvider

KEY = "ws-test-key-0123456789"


def envelope(data: dict[str, Any], code: int = 200, message: str = "success") -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": data})


class FakeWavespeed(FakeProvider):
    def __init__(self, key: str = KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.uploads: list[bytes] = []
        self.app = Starlette(
            routes=[
                Route("/api/v3/upload", self.upload, methods=["POST"]),
                Route("/api/v3/predictions/{job_id}/result", self.result, methods=["GET"]),
                Route("/api/v3/{model:path}", self.submit, methods=["POST"]),
                Route("/files/{job_id}/{token}.mp4", self.serve_file, methods=["GET"]),
                Route("/_stats", self.stats, methods=["GET"]),
            ]
        )

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.key}"

    def _unauthorized(self) -> JSONResponse:
        return JSONResponse({"code": 401, "message": "Unauthorized: invalid API key", "data": None}, status_code=401)

    async def upload(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        fault = self.take("upload")
        if fault is not None:
            return self.fault_response(fault)
        form = await request.form()
        upload = form["file"]
        data = await upload.read()  # type: ignore[union-attr]
        self.uploads.append(data)
        base = self.base_url or str(request.base_url).rstrip("/")
        return envelope({"type": "file", "url": f"{base}/uploads/{len(self.uploads)}"})

    async def submit(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        fault = self.take("submit")
        if fault is not None and not fault.drop:
            return self.fault_response(fault, {"code": fault.status, "message": "fake failure", "data": None})
        body = await request.json()
        job = self.new_job(request.path_params["model"], body)
        if fault is not None:  # drop: the task exists, the answer is lost
            return self.fault_response(fault)
        base = self.base_url or str(request.base_url).rstrip("/")
        return envelope(
            {
                "id": job.id,
                "model": job.model,
                "status": "created",
                "outputs": [],
                "urls": {"get": f"{base}/api/v3/predictions/{job.id}/result"},
            }
        )

    async def result(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        fault = self.take("poll")
        if fault is not None:
            return self.fault_response(fault, {"code": fault.status, "message": "fake failure", "data": None})
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"code": 404, "message": "prediction not found", "data": None}, status_code=404)
        job.polls += 1
        state, _ = job.state()
        data: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "outputs": [],
            "has_nsfw_contents": [],
            "created_at": "2026-11-21T12:00:00.000Z",
        }
        if state in ("queued", "running"):
            data["status"] = "created" if state == "queued" else "processing"
        elif state == "succeeded":
            data.update(
                status="completed",
                outputs=[self.video_url(job, request)],
                has_nsfw_contents=[False],
                timings={"inference": int(job.latency_s * 1000)},
            )
        elif state == "failed":
            data.update(status="failed", error="inference worker crashed (CUDA out of memory)")
        else:
            data.update(status="failed", error="Your prompt was flagged as sensitive content by the moderation system")
        return envelope(data)

    async def stats(self, request: Request) -> Response:
        polls = [j.polls for j in self.jobs.values()]
        cpu_s = time.process_time()  # this process's CPU time, so a benchmark can report the fake's share
        return JSONResponse({"jobs": len(self.jobs), "counts": dict(self.counts), "polls": polls, "cpu_s": cpu_s})


def main() -> None:  # pragma: no cover - used by benchmarks/bench_hosted.py
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    fake = FakeWavespeed(latency_s=args.latency)
    # Lean serving, so the fake's own CPU stays small beside the client's: the C parser and loop when
    # installed, no access log.
    lean = {name: name for name in ("httptools", "uvloop") if importlib.util.find_spec(name)}
    config = uvicorn.Config(
        fake.app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
        timeout_keep_alive=60,
        http=lean.get("httptools", "h11"),
        loop=lean.get("uvloop", "asyncio"),
    )
    server = uvicorn.Server(config)
    factory = config.get_loop_factory()
    if factory is None:
        asyncio.run(server.serve(sockets=[sock]))
    else:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(server.serve(sockets=[sock]))
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
