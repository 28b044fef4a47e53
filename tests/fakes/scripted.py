"""Pieces the scripted fake providers share: faults to inject, tiny real media, a dropped connection.

script.submit_faults.append(Fault(429, headers={"Retry-After": "7"}))
script.poll_faults.append(Fault(500))
script.submit_faults.append(Fault(drop=True))  # job created, then the connection dies mid-answer
"""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.responses import JSONResponse, Response

from reelforge.media import ffmpeg_exe


@dataclass
class Fault:
    """One scripted failure: an HTTP status with a body, or a connection dropped after the work was done."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def response(self) -> Response:
        body = self.body if self.body is not None else {"error": f"scripted fault {self.status}"}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def take(faults: list[Fault]) -> Fault | None:
    return faults.pop(0) if faults else None


class DroppedConnection(Response):
    """Starts a response, sends part of the body, then kills the connection (the client sees a lost answer)."""

    def __init__(self) -> None:
        super().__init__(b"{}")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
        raise ConnectionResetError("scripted: connection dropped after the job was created")


@functools.cache
def tiny_mp4() -> bytes:
    """A real 1 s, 64x64, 24 fps H.264 MP4 (generated once per test session)."""
    out = Path(tempfile.mkdtemp(prefix="reelforge-fake-")) / "tiny.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x64:rate=24:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-y",
            str(out),
        ],
        check=True,
    )
    return out.read_bytes()


@functools.cache
def tiny_png(width: int = 64, height: int = 36) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buf, format="PNG")
    return buf.getvalue()


class Sleeper:
    """An injectable ``RunContext.sleep`` that records every wait; optionally runs a hook on each call."""

    def __init__(self, real_s: float = 0.0, hook: Any = None) -> None:
        self.waits: list[float] = []
        self.real_s = real_s
        self.hook = hook

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.waits.append(seconds)
        if self.hook is not None:
            self.hook()
        await asyncio.sleep(self.real_s)


async def run_recorded(backend: Any, request: Any, tmp_path: Any, **ctx: Any) -> tuple[Any, Any, Sleeper]:
    """Validate and run ``request`` into ``tmp_path/out.mp4``; returns (plan, output, the sleeper used)."""
    from reelforge.backends.base import ProviderJob, RunContext

    if isinstance(ctx.get("resume"), str):  # a stored job id alone
        ctx["resume"] = ProviderJob(backend=backend.name, id=ctx["resume"])

    plan = backend.validate(request)
    sleeper = ctx.pop("sleep", None) or Sleeper()
    return plan, await backend.run(plan, RunContext(out_path=tmp_path / "out.mp4", sleep=sleeper, **ctx)), sleeper
