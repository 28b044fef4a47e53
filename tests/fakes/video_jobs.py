"""Shared parts of the fake video providers: a job store with timed states, scripted faults, signed
download URLs that can expire, and a real tiny MP4 to serve.

Outcomes are chosen by words in the prompt: ``FAIL`` (the task fails), ``NSFW`` (the content filter
refuses it), ``NEVER`` (it never finishes); anything else succeeds after ``latency_s``.
"""

from __future__ import annotations

import functools
import itertools
import subprocess
import tempfile
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reelforge.media import ffmpeg_exe


@functools.cache
def tiny_mp4() -> bytes:
    """A real 64x64, 1 s, 8 fps H.264 MP4 (made once per process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tiny.mp4"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=64x64:rate=8:duration=1",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                "-y",
                str(out),
            ],
            check=True,
            timeout=60,
        )
        return out.read_bytes()


@dataclass
class Fault:
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False  # create the job (where the endpoint creates one), then cut the connection mid-answer


@dataclass
class Job:
    id: str
    model: str
    body: dict[str, Any]
    outcome: str
    latency_s: float
    created: float = field(default_factory=time.monotonic)
    polls: int = 0
    cancelled: bool = False
    tokens: int = 0
    expired: set[str] = field(default_factory=set)

    def state(self) -> tuple[str, float]:
        """(queued|running|succeeded|failed|rejected|cancelled, progress 0-1)."""
        if self.cancelled:
            return "cancelled", 0.0
        elapsed = time.monotonic() - self.created
        if self.outcome == "never" or elapsed < self.latency_s:
            phase = "queued" if elapsed < self.latency_s * 0.2 else "running"
            return phase, min(0.99, elapsed / self.latency_s) if self.latency_s else 0.5
        return {"ok": "succeeded", "fail": "failed", "reject": "rejected"}[self.outcome], 1.0


class DropResponse:
    """Start an answer, send part of it, then drop the connection (the client sees a lost response)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})
        raise ConnectionAbortedError("fake provider dropped the connection on purpose")


class FakeProvider:
    """State shared by one fake provider's routes."""

    def __init__(self, latency_s: float = 0.05, video: bytes | None = None, expire_downloads: int = 0) -> None:
        self.latency_s = latency_s
        self.video = video if video is not None else tiny_mp4()
        self.expire_downloads = expire_downloads  # how many first download URLs are already expired
        self.jobs: dict[str, Job] = {}
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.counts: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1)
        self.base_url = ""  # set by the test once the server runs (for absolute URLs)

    # -- scripting ----------------------------------------------------------------------------
    def fail(
        self,
        endpoint: str,
        status: int = 500,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        drop: bool = False,
    ) -> None:
        for _ in range(times):
            self.faults[endpoint].append(Fault(status, headers or {}, body, drop))

    def take(self, endpoint: str) -> Fault | None:
        self.counts[endpoint] += 1
        queue = self.faults.get(endpoint)
        return queue.popleft() if queue else None

    @staticmethod
    def fault_response(fault: Fault, default_body: Any = None) -> Any:
        if fault.drop:
            return DropResponse()
        body = fault.body if fault.body is not None else default_body or {"error": f"fake error {fault.status}"}
        if isinstance(body, bytes | str):
            return Response(body, status_code=fault.status, headers=fault.headers)
        return JSONResponse(body, status_code=fault.status, headers=fault.headers)

    # -- jobs -------------------------------------------------------------------------------------
    def new_job(self, model: str, body: dict[str, Any], prompt: str | None = None) -> Job:
        text = prompt if prompt is not None else str(body.get("prompt") or "")
        outcome = "fail" if "FAIL" in text else "reject" if "NSFW" in text else "never" if "NEVER" in text else "ok"
        job = Job(id=f"job{next(self._ids):05d}", model=model, body=body, outcome=outcome, latency_s=self.latency_s)
        self.jobs[job.id] = job
        return job

    def video_url(self, job: Job, request: Request) -> str:
        job.tokens += 1
        token = f"t{job.tokens}"
        if self.expire_downloads > 0:
            self.expire_downloads -= 1
            job.expired.add(token)
        base = self.base_url or str(request.base_url).rstrip("/")
        return f"{base}/files/{job.id}/{token}.mp4"

    async def serve_file(self, request: Request) -> Response:
        fault = self.take("download")
        if fault is not None:
            return self.fault_response(fault)
        job = self.jobs.get(request.path_params["job_id"])
        token = request.path_params["token"]
        if job is None:
            return Response(b"<Error><Code>NoSuchKey</Code></Error>", status_code=404)
        if token in job.expired:
            return Response(
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                status_code=403,
                media_type="application/xml",
            )
        return Response(self.video, media_type="video/mp4")


def png_bytes(width: int = 64, height: int = 36) -> bytes:
    """A small real PNG for image inputs."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buf, format="PNG")
    return buf.getvalue()


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    """A short real WAV (a quiet tone) for audio inputs."""
    import math
    import struct
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(3000 * math.sin(i / 10))) for i in range(int(seconds * rate)))
        w.writeframes(frames)
    return path


class SleepRecorder:
    """An injectable ``ctx.sleep`` that records each wait and yields to the loop without waiting long."""

    def __init__(self, on_sleep: Any = None) -> None:
        self.waits: list[float] = []
        self.on_sleep = on_sleep

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.waits.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(len(self.waits))
        await asyncio.sleep(0.005)


async def run_backend(backend: Any, request: Any, tmp_path: Any, **ctx: Any) -> Any:
    """Validate ``request`` and run it on ``backend`` into ``tmp_path/out.mp4``; waits are recorded, not slept."""
    from reelforge.backends.base import ProviderJob, RunContext

    if isinstance(ctx.get("resume"), str):  # a stored job id alone
        ctx["resume"] = ProviderJob(backend=backend.name, id=ctx["resume"])

    plan = backend.validate(request)
    ctx.setdefault("sleep", SleepRecorder())
    return plan, await backend.run(plan, RunContext(out_path=tmp_path / "out.mp4", **ctx))


async def assert_secret_never_leaks(
    make: Any, field: str, wrong: str, key: str, env: str, tmp_path: Any, caplog: Any
) -> None:
    """A refused key is named by its variable but never shown; neither key reaches errors, logs or results.

    ``make(**over)`` builds the backend; ``field`` is its secret's config key, ``key`` the right secret.
    """
    import json
    import logging

    import pytest

    from reelforge.errors import AuthError
    from reelforge.types import VideoRequest

    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        await run_backend(make(**{field: wrong}), VideoRequest(prompt="x"), tmp_path)
    assert env in str(err.value)
    _, out = await run_backend(make(), VideoRequest(prompt="x"), tmp_path)
    for text in (str(err.value), json.dumps(err.value.to_dict()), caplog.text, repr(out)):
        assert wrong not in text and key not in text
