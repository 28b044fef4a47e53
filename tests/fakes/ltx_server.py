"""A loopback fake of the LTX (Lightricks) video API, written from its public docs: the MP4 is the answer.

Checks what the real API checks: the Bearer key, model, duration and resolution per model (clips over 10 s
at 1920x1080 and 24/25 fps only), fps, the prompt (required, at most 5000 characters) and ``image_uri`` on
image-to-video. ``latency_s`` holds every answer back that long; a prompt of ``NEVER`` is held until the
client goes away. ``faults`` script the answers (errors are ``{"type": "error", "error": {...}}``; a
``Fault(drop=True)`` cuts the connection after the generation was made and billed).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take, tiny_mp4
from .server import FakeServer, ServedFake

LANDSCAPE = {"1920x1080", "2560x1440", "3840x2160"}
PORTRAIT = {"1080x1920", "1440x2560", "2160x3840"}
LONG = {6, 8, 10, 12, 14, 16, 18, 20}
RULES: dict[str, dict[str, Any]] = {
    "ltx-2-3-fast": {"durations": LONG, "sizes": LANDSCAPE | PORTRAIT, "fps": {24, 25, 48, 50}},
    "ltx-2-3-pro": {"durations": {6, 8, 10}, "sizes": LANDSCAPE | PORTRAIT, "fps": {24, 25, 48, 50}},
    "ltx-2-fast": {"durations": LONG, "sizes": LANDSCAPE, "fps": {25, 50}},
    "ltx-2-pro": {"durations": {6, 8, 10}, "sizes": LANDSCAPE, "fps": {25, 50}},
}


def ltx_error(status: int, kind: str, message: str) -> Fault:
    """An LTX error answer as a fault."""
    return Fault(status, {"type": "error", "error": {"type": kind, "message": message}})


class LtxFake(ServedFake):
    def __init__(self, api_key: str = "ltxv-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self._ids = itertools.count(1)
        self.reset()
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route("/v1/text-to-video", self.generate, methods=["POST"]),
                    Route("/v1/image-to-video", self.generate, methods=["POST"]),
                ]
            )
        )

    def reset(self) -> None:
        """Forget faults, counts and seen requests (one server can serve a whole test module)."""
        self.faults: list[Fault] = []
        self.latency_s = 0.0
        self.generated = 0  # generations made (and billed), answered or not
        self.abandoned = 0  # generations whose caller went away before the answer
        if hasattr(self, "server"):
            self.server.requests.clear()

    async def generate(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return ltx_error(401, "authentication_error", "Invalid API key").response()
        body = await request.json()
        if problem := self._problem(body, image=request.url.path.endswith("image-to-video")):
            return ltx_error(400, "invalid_request_error", problem).response()
        hold = 30.0 if body["prompt"] == "NEVER" else self.latency_s
        if hold and not await self._hold(request, hold):
            self.abandoned += 1
            return Response(status_code=499)
        fault = take(self.faults)
        if fault is not None and not fault.drop:
            return fault.response()
        self.generated += 1
        if fault is not None:
            return DropResponse()
        headers = {"x-request-id": f"req-{next(self._ids):06d}"}
        return Response(self.video, media_type="video/mp4", headers=headers)

    @staticmethod
    async def _hold(request: Request, seconds: float) -> bool:
        """Wait ``seconds`` like a generation does; False when the client went away first."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end:
            if await request.is_disconnected():
                return False
            await asyncio.sleep(0.02)
        return True

    @staticmethod
    def _problem(body: dict[str, Any], image: bool) -> str | None:
        rules = RULES.get(body.get("model", ""))
        if rules is None:
            return f"model must be one of {sorted(RULES)}"
        prompt, duration, size, fps = (
            body.get("prompt"),
            body.get("duration"),
            body.get("resolution"),
            body.get("fps", 24),
        )
        checks = [
            (bool(prompt), "prompt is required"),
            (len(prompt or "") <= 5000, "prompt must be at most 5000 characters"),
            (duration in rules["durations"], f"duration {duration!r} is not supported by {body['model']}"),
            (size in rules["sizes"], f"resolution {size!r} is not supported by {body['model']}"),
            (fps in rules["fps"], f"fps {fps!r} is not supported by {body['model']}"),
            (
                not isinstance(duration, int)
                or duration <= 10
                or (size in ("1920x1080", "1080x1920") and fps in (24, 25)),
                "over 10 s: 1080p, 24/25 fps",
            ),
            (not image or bool(body.get("image_uri")), "image_uri is required"),
        ]
        return next((text for ok, text in checks if not ok), None)
