"""A loopback fake of xAI's video generation API (Grok Imagine), written from its public docs.

Checks the Bearer key (a wrong one answers 400 "Incorrect API key provided", as xAI does), the model,
duration (1-15), aspect ratio, resolution and prompt length; errors come as ``{"code", "error"}``. Each request
plays ``states`` poll by poll (the last repeats): pending (with ``progress``), done (``video.url``,
``usage.cost_in_usd_ticks``). Words in the prompt pick other endings: ``FAIL`` (failed), ``NSFW`` (done, but
``respect_moderation: false``), ``NEVER`` (pending for ever). Faults per endpoint: ``submit_faults`` (a ``drop``
fault creates the request, then cuts the answer), ``poll_faults``, ``download_faults``.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take, tiny_mp4
from .server import FakeServer, ServedFake

MODELS = {"grok-imagine-video": {"t2v": True, "usd": {"480p": 0.05, "720p": 0.07}}}
MODELS["grok-imagine-video-1.5-preview"] = {"t2v": False, "usd": {"480p": 0.08, "720p": 0.14}}
RATIOS = {"16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3"}


def xai_error(status: int, message: str, code: str = "Client specified an invalid argument") -> Fault:
    return Fault(status, {"code": code, "error": message})


class XaiFake(ServedFake):
    def __init__(self, api_key: str = "xai-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self.reset()
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route("/v1/videos/generations", self.create, methods=["POST"]),
                    Route("/v1/videos/{request_id}", self.status, methods=["GET"]),
                    Route("/vidgen/{request_id}/{token}.mp4", self.download, methods=["GET"]),
                ]
            )
        )

    def reset(self) -> None:
        self.states: list[str] = ["pending", "pending", "done"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed_request(self, request_id: str) -> None:
        self.jobs[request_id] = {"body": {"duration": 5}, "polls": 0, "states": list(self.states)}

    def _denied(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        if not header:
            return xai_error(401, "No API key provided", "Unauthenticated").response()
        if header != f"Bearer {self.api_key}":
            shown = header[7:10] + "***"
            message = f"Incorrect API key provided: {shown}. You can obtain an API key from https://console.x.ai."
            return xai_error(400, message).response()
        return None

    def _problem(self, body: dict[str, Any]) -> str | None:
        rules = MODELS.get(body.get("model", ""))
        if rules is None:
            return f"The model {body.get('model')!r} does not exist or your team does not have access to it"
        if not rules["t2v"] and not body.get("image"):
            return f"{body['model']} needs an image"
        if not isinstance(body.get("duration", 8), int) or not 1 <= body.get("duration", 8) <= 15:
            return "duration must be an integer in [1, 15]"
        if body.get("aspect_ratio", "16:9") not in RATIOS or body.get("resolution", "720p") not in rules["usd"]:
            return "invalid aspect_ratio or resolution"
        if len(body.get("prompt", "")) > 4096:
            return "prompt is longer than 4096 characters"
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        body = await request.json()
        if (problem := self._problem(body)) is not None:
            return xai_error(422, problem).response()
        fault = take(self.submit_faults)
        if fault is not None and not fault.drop:
            return fault.response()
        request_id = str(uuid.uuid4())
        prompt = str(body.get("prompt", ""))
        states = ["pending", "failed"] if "FAIL" in prompt else ["pending"] if "NEVER" in prompt else list(self.states)
        self.jobs[request_id] = {"body": body, "polls": 0, "states": states}
        return DropResponse() if fault is not None else JSONResponse({"request_id": request_id})

    async def status(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        request_id = request.path_params["request_id"]
        job = self.jobs.get(request_id)
        if job is None:
            return xai_error(404, f"request {request_id} not found", "Not found").response()
        state = job["states"][min(job["polls"], len(job["states"]) - 1)]
        job["polls"] += 1
        body = job["body"]
        answer: dict[str, Any] = {"status": state, "model": body.get("model", "grok-imagine-video")}
        if state == "pending":
            answer["progress"] = min(99, 40 * job["polls"])
        elif state == "failed":
            answer["error"] = {"code": "internal_error", "message": "Video generation failed unexpectedly"}
        elif state == "done":
            usd = MODELS[answer["model"]]["usd"][body.get("resolution", "720p")] * body.get("duration", 8)
            answer["usage"] = {"cost_in_usd_ticks": round(usd * 10_000_000_000)}
            url = f"{self.url}/vidgen/{request_id}/{job['polls']}.mp4"
            clean = "NSFW" not in str(body.get("prompt", ""))
            answer["video"] = {"url": url, "duration": body.get("duration", 8), "respect_moderation": clean}
            answer["progress"] = 100
        return JSONResponse(answer)

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        return fault.response() if fault is not None else Response(self.video, media_type="video/mp4")
