"""A loopback fake of Luma's Dream Machine API (generations), written from its public docs.

Checks what the real API checks: the Bearer key, model, resolution, duration, aspect ratio and keyframe
shape (``{"type": "image", "url": ...}``). Each generation plays ``states`` poll by poll (the last repeats):
a state name (queued, dreaming, completed, failed) or a dict merged into the Generation. A generation whose
prompt is ``NEVER`` stays dreaming until deleted. Faults per endpoint: ``submit_faults``, ``poll_faults``,
``download_faults``; errors are ``{"detail": ...}``.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take, tiny_mp4
from .server import FakeServer, ServedFake

MODELS = {"ray-2", "ray-flash-2"}
RESOLUTIONS = {"540p", "720p", "1080p", "4k"}
DURATIONS = {"5s", "9s"}
RATIOS = {"1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"}


def detail(text: str, status: int = 400) -> Fault:
    """A Luma error answer as a fault."""
    return Fault(status, {"detail": text})


class LumaFake(ServedFake):
    def __init__(self, api_key: str = "luma-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self._tokens = itertools.count(1)
        self.reset()
        base = "/dream-machine/v1/generations"
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route(f"{base}/video", self.create, methods=["POST"]),
                    Route(f"{base}/{{generation_id}}", self.generation, methods=["GET", "DELETE"]),
                    Route("/cdn/{generation_id}/{token}.mp4", self.download, methods=["GET"]),
                ]
            )
        )

    def reset(self) -> None:
        """Forget generations, faults and seen requests (one server can serve a whole test module)."""
        self.states: list[Any] = ["queued", "dreaming", "completed"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.generations: dict[str, dict[str, Any]] = {}
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed(self, generation_id: str, states: list[Any] | None = None) -> None:
        """A generation that exists already (created by an earlier, interrupted run)."""
        self.generations[generation_id] = {"body": {}, "polls": 0, "states": states or self.states}

    def _auth(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return detail("Invalid API key provided", 401).response()
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        body = await request.json()
        if problem := self._problem(body):
            return detail(problem).response()
        generation_id = str(uuid.uuid4())
        states = ["dreaming"] if body.get("prompt") == "NEVER" else list(self.states)
        self.generations[generation_id] = {"body": body, "polls": 0, "states": states}
        fault = take(self.submit_faults)
        if fault is not None:
            if fault.drop:
                return DropResponse()
            del self.generations[generation_id]  # a refused request creates nothing
            return fault.response()
        return JSONResponse(self._generation(generation_id, "queued", body), status_code=201)

    @staticmethod
    def _problem(body: dict[str, Any]) -> str | None:
        checks = [
            (body.get("model") in MODELS, f"model {body.get('model')!r} is not supported"),
            (body.get("resolution", "720p") in RESOLUTIONS, f"resolution {body.get('resolution')!r} is not supported"),
            (body.get("duration", "5s") in DURATIONS, f"duration {body.get('duration')!r} is not supported"),
            (body.get("aspect_ratio", "16:9") in RATIOS, f"aspect_ratio {body.get('aspect_ratio')!r} is not supported"),
            (bool(body.get("prompt")) or bool(body.get("keyframes")), "prompt is required"),
        ]
        for frame in (body.get("keyframes") or {}).values():
            ok = frame.get("type") == "image" and str(frame.get("url", "")).startswith(("http://", "https://"))
            checks.append((ok, "keyframes: an image keyframe needs type 'image' and a public url"))
        return next((text for ok, text in checks if not ok), None)

    def _generation(self, generation_id: str, state: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": generation_id,
            "generation_type": "video",
            "state": state,
            "failure_reason": None,
            "created_at": "2026-12-01T00:00:00.000Z",
            "assets": None,
            "model": body.get("model"),
            "request": body,
        }

    async def generation(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        generation_id = request.path_params["generation_id"]
        gen = self.generations.get(generation_id)
        if request.method == "DELETE":
            if gen is None:
                return detail("Generation not found", 404).response()
            del self.generations[generation_id]
            return Response(status_code=204)
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        if gen is None:
            return detail("Generation not found", 404).response()
        state = gen["states"][min(gen["polls"], len(gen["states"]) - 1)]
        gen["polls"] += 1
        answer = self._generation(generation_id, "", gen["body"])
        answer.update({"state": state} if isinstance(state, str) else state)
        if answer["state"] == "completed" and not answer.get("assets"):
            video = f"{self.url}/cdn/{generation_id}/{next(self._tokens)}.mp4"
            answer["assets"] = {"video": video, "image": f"{self.url}/cdn/{generation_id}/thumb.jpg"}
        return JSONResponse(answer)

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        if fault is not None:
            return fault.response()
        return Response(self.video, media_type="video/mp4")
