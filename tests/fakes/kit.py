"""The one kit the fake providers and their tests share: faults to inject, real tiny media, a dropped
connection, an injectable sleep, a run helper and the secret check.

    fake.submit_faults.append(Fault(429, headers={"Retry-After": "7"}))
    fake.poll_faults.append(Fault(500))
    fake.submit_faults.append(Fault(drop=True))  # job created, then the connection dies mid-answer

The per-provider loopback servers (``*_server.py``) build on it; ``video_jobs.py`` adds the timed job
store the model-host fakes (fal, Replicate, WaveSpeed, Hugging Face) share.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import math
import struct
import subprocess
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.responses import JSONResponse, Response

from reelforge.media import ffmpeg_exe


class DropResponse(Response):
    """Starts an answer, sends part of it, then kills the connection (the client sees a lost answer)."""

    def __init__(self) -> None:
        super().__init__(b"{}")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})
        raise ConnectionResetError("fake provider dropped the connection on purpose")


@dataclass
class Fault:
    """One scripted failure: an HTTP status with a body, or (``drop``) a connection cut after the work was done."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def response(self, default_body: Any = None) -> Response:
        if self.drop:
            return DropResponse()
        body = self.body if self.body is not None else default_body or {"error": f"scripted fault {self.status}"}
        if isinstance(body, bytes | str):
            return Response(body, status_code=self.status, headers=self.headers)
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def take(faults: list[Fault]) -> Fault | None:
    return faults.pop(0) if faults else None


@functools.cache
def tiny_mp4() -> bytes:
    """A real 1 s, 64x64, 24 fps H.264 MP4 (made once per process)."""
    with tempfile.TemporaryDirectory(prefix="reelforge-fake-") as tmp:
        out = Path(tmp) / "tiny.mp4"
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
             "testsrc2=size=64x64:rate=24:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
             "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y", str(out)],
            check=True,
            timeout=60,
        )  # fmt: skip
        return out.read_bytes()


@functools.cache
def tiny_png(width: int = 64, height: int = 36) -> bytes:
    """A small real PNG for image inputs."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buf, format="PNG")
    return buf.getvalue()


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    """A short real WAV (a quiet tone) for audio inputs."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(i / 10))) for i in range(int(seconds * rate))))
    return path


class Sleeper:
    """An injectable ``RunContext.sleep`` that records each wait and yields to the loop instead of waiting.

    ``hook(n)`` runs on the n-th wait (from 1), e.g. to cancel mid-poll.
    """

    def __init__(self, hook: Callable[[int], object] | None = None, real_s: float = 0.005) -> None:
        self.waits: list[float] = []
        self.hook = hook
        self.real_s = real_s

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.hook is not None:
            self.hook(len(self.waits))
        await asyncio.sleep(self.real_s)


async def run_backend(backend: Any, request: Any, tmp_path: Path, **ctx: Any) -> tuple[Any, Any, Sleeper]:
    """Validate ``request`` and run it into ``tmp_path/out.mp4``: (plan, output, the sleeper that recorded the waits).

    ``resume`` may be a bare job id (a stored id alone), turned into this backend's ``ProviderJob``.
    """
    from reelforge.backends.base import ProviderJob, RunContext

    if isinstance(ctx.get("resume"), str):
        ctx["resume"] = ProviderJob(backend=backend.name, id=ctx["resume"])
    plan = await backend.avalidate(request)
    sleeper = ctx.setdefault("sleep", Sleeper())
    return plan, await backend.run(plan, RunContext(out_path=tmp_path / "out.mp4", **ctx)), sleeper


async def assert_secret_never_leaks(
    make: Any, field: str, wrong: str, key: str, env: str, tmp_path: Path, caplog: Any
) -> None:
    """A refused key is named by its variable but never shown; neither key reaches errors, logs or results.

    ``make(**over)`` builds the backend; ``field`` is its secret's config key, ``key`` the right secret.
    """
    import pytest

    from reelforge.errors import AuthError
    from reelforge.types import VideoRequest

    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        await run_backend(make(**{field: wrong}), VideoRequest(prompt="x"), tmp_path)
    assert env in str(err.value)
    backend = make()
    _, out, _ = await run_backend(backend, VideoRequest(prompt="x"), tmp_path)
    texts = (str(err.value), json.dumps(err.value.to_dict()), caplog.text, repr(out), repr(backend.config))
    record = json.dumps(out.provider_job.model_dump(mode="json") if out.provider_job else {})
    for text in (*texts, record, backend.config.model_dump_json()):
        assert wrong not in text and key not in text


__all__ = [
    "DropResponse",
    "Fault",
    "Sleeper",
    "assert_secret_never_leaks",
    "run_backend",
    "take",
    "tiny_mp4",
    "tiny_png",
    "write_wav",
]
