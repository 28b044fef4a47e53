"""A loopback fake of Model Studio's (DashScope's) asynchronous video synthesis API, written from its docs.

Checks what the real API checks: the Bearer key, ``X-DashScope-Async: enable``, the model, ``size`` against
the model's tiers, ``duration``, the image inputs of image-to-video and keyframe models. Each task plays
``states`` poll by poll (the last repeats): a status name (PENDING, RUNNING, SUCCEEDED, FAILED) or a dict
merged into ``output``. A task whose prompt is ``NEVER`` stays PENDING until cancelled. Faults per endpoint:
``submit_faults``, ``poll_faults``, ``download_faults`` (errors are ``{"code", "message", "request_id"}``).
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

P480 = {"832*480", "480*832", "624*624"}
P720 = {"1280*720", "720*1280", "960*960", "1088*832", "832*1088"}
P1080 = {"1920*1080", "1080*1920", "1440*1440", "1632*1248", "1248*1632"}
RULES: dict[str, dict[str, Any]] = {
    "wan2.6-t2v": {"kind": "t2v", "sizes": P720 | P1080, "durations": {5, 10, 15}},
    "wan2.5-t2v-preview": {"kind": "t2v", "sizes": P480 | P720 | P1080, "durations": {5, 10}},
    "wan2.2-t2v-plus": {"kind": "t2v", "sizes": P480 | P1080, "durations": {5}},
    "wan2.6-i2v": {"kind": "i2v", "res": {"720P", "1080P"}, "durations": {5, 10, 15}},
    "wan2.5-i2v-preview": {"kind": "i2v", "res": {"480P", "720P", "1080P"}, "durations": {5, 10}},
    "wan2.2-i2v-plus": {"kind": "i2v", "res": {"480P", "1080P"}, "durations": {5}},
    "wan2.1-kf2v-plus": {"kind": "kf2v", "res": {"720P"}, "durations": {5}},
}


def error(code: str, message: str, status: int = 400) -> Fault:
    """A DashScope error answer as a fault."""
    return Fault(status, {"request_id": str(uuid.uuid4()), "code": code, "message": message})


class WanFake(ServedFake):
    def __init__(self, api_key: str = "sk-wan-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self._tokens = itertools.count(1)
        self.reset()
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route("/api/v1/services/aigc/video-generation/video-synthesis", self.create, methods=["POST"]),
                    Route("/api/v1/services/aigc/image2video/video-synthesis", self.create, methods=["POST"]),
                    Route("/api/v1/tasks/{task_id}", self.task, methods=["GET"]),
                    Route("/api/v1/tasks/{task_id}/cancel", self.cancel, methods=["POST"]),
                    Route("/results/{task_id}/{token}.mp4", self.download, methods=["GET"]),
                ]
            )
        )

    def reset(self) -> None:
        """Forget tasks, faults and seen requests (one server can serve a whole test module)."""
        self.states: list[Any] = ["PENDING", "RUNNING", "SUCCEEDED"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed_task(self, task_id: str, states: list[Any] | None = None) -> None:
        """A task that exists already (created by an earlier, interrupted run)."""
        self.tasks[task_id] = {"body": {}, "polls": 0, "states": states or self.states, "cancelled": False}

    # -- endpoints ----------------------------------------------------------------------------------
    def _auth(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return error("InvalidApiKey", "Invalid API-key provided.", 401).response()
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        if request.headers.get("x-dashscope-async") != "enable":
            return error("AccessDenied", "current user api does not support synchronous calls", 403).response()
        body = await request.json()
        keyframes = "image2video" in request.url.path
        if problem := self._problem(body, keyframes):
            return error("InvalidParameter", problem).response()
        task_id = str(uuid.uuid4())
        never = body["input"].get("prompt") == "NEVER"
        states = ["PENDING"] if never else list(self.states)
        self.tasks[task_id] = {"body": body, "polls": 0, "states": states, "cancelled": False}
        fault = take(self.submit_faults)
        if fault is not None:
            if fault.drop:
                return DropResponse()
            del self.tasks[task_id]  # a refused submit creates nothing
            return fault.response()
        return JSONResponse({"output": {"task_status": "PENDING", "task_id": task_id}, "request_id": "r-1"})

    def _problem(self, body: dict[str, Any], keyframes: bool) -> str | None:
        rules = RULES.get(body.get("model", ""))
        if rules is None:
            return f"Model not exist: {body.get('model')!r}"
        inputs, params = body.get("input") or {}, body.get("parameters") or {}
        if (rules["kind"] == "kf2v") != keyframes:
            return "url error, please check url"
        if rules["kind"] == "t2v" and params.get("size", "1920*1080") not in rules["sizes"]:
            return f"The size {params.get('size')!r} is not supported by {body['model']}"
        if rules["kind"] != "t2v" and params.get("resolution", "720P") not in rules["res"]:
            return f"The resolution {params.get('resolution')!r} is not supported by {body['model']}"
        if rules["kind"] == "i2v" and not inputs.get("img_url"):
            return "Field required: input.img_url"
        if rules["kind"] == "kf2v" and not inputs.get("first_frame_url"):
            return "Field required: input.first_frame_url"
        if params.get("duration", 5) not in rules["durations"]:
            return f"The duration {params.get('duration')!r} is not supported"
        if rules["kind"] == "t2v" and not inputs.get("prompt"):
            return "Field required: input.prompt"
        return None

    async def task(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        task_id = request.path_params["task_id"]
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        task = self.tasks.get(task_id)
        output: dict[str, Any] = {"task_id": task_id, "task_status": "UNKNOWN"}
        if task is not None and task["cancelled"]:
            output["task_status"] = "CANCELED"
        elif task is not None:
            states = task["states"]
            state = states[min(task["polls"], len(states) - 1)]
            task["polls"] += 1
            output.update({"task_status": state} if isinstance(state, str) else state)
            if output["task_status"] == "SUCCEEDED" and "video_url" not in output:
                output["video_url"] = f"{self.url}/results/{task_id}/{next(self._tokens)}.mp4?Expires=1"
        usage = {"video_duration": 5, "video_count": 1} if output["task_status"] == "SUCCEEDED" else None
        return JSONResponse({"request_id": "r-2", "output": output, **({"usage": usage} if usage else {})})

    async def cancel(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        task = self.tasks.get(request.path_params["task_id"])
        if task is None:
            return error("InvalidParameter", "task not found", 404).response()
        if task["states"][min(task["polls"], len(task["states"]) - 1)] != "PENDING":
            return error("UnsupportedOperation", "Failed to cancel the task, please confirm the task status").response()
        task["cancelled"] = True
        return JSONResponse({"request_id": "r-3"})

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        if fault is not None:
            return fault.response()
        return Response(self.video, media_type="video/mp4")
