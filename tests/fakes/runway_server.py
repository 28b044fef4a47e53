"""A loopback fake of Runway's developer API (version 2024-11-06), written from its public docs.

Checks what the real API checks (Bearer key, ``X-Runway-Version``, model/ratio/duration per model) and
plays a scripted life for each task: ``states`` is the sequence of task bodies returned poll by poll (the
last repeats). Faults are injected per endpoint with ``submit_faults``, ``poll_faults``, ``download_faults``.
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

GEN4 = {"1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"}
VEO = {"1280:720", "720:1280", "1080:1920", "1920:1080"}
RULES: dict[str, dict[str, Any]] = {
    "gen4.5": {"ratios": GEN4, "t2v_ratios": {"1280:720", "720:1280"}, "durations": set(range(2, 11)), "t2v": True},
    "gen4_turbo": {"ratios": GEN4, "durations": set(range(2, 11)), "t2v": False},
    "veo3.1": {"ratios": VEO, "durations": {4, 6, 8}, "t2v": True},
    "veo3.1_fast": {"ratios": VEO, "durations": {4, 6, 8}, "t2v": True},
    "veo3": {"ratios": VEO, "durations": {8}, "t2v": True},
}
PENDING = {"status": "PENDING"}
THROTTLED = {"status": "THROTTLED"}
RUNNING = {"status": "RUNNING", "progress": 0.5}
SUCCEEDED = {"status": "SUCCEEDED"}


class RunwayFake(ServedFake):
    def __init__(self, api_key: str = "rw-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self._tokens = itertools.count(1)
        self.reset()
        app = Starlette(
            routes=[
                Route("/v1/text_to_video", self.create, methods=["POST"]),
                Route("/v1/image_to_video", self.create, methods=["POST"]),
                Route("/v1/tasks/{task_id}", self.task, methods=["GET", "DELETE"]),
                Route("/outputs/{task_id}/{token}.mp4", self.download, methods=["GET"]),
            ]
        )
        self.server = FakeServer(app)

    def reset(self) -> None:
        """Forget tasks, faults and seen requests (one server can serve a whole test module)."""
        self.states: list[dict[str, Any]] = [PENDING, RUNNING, SUCCEEDED]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed_task(self, task_id: str, states: list[dict[str, Any]] | None = None) -> None:
        """A task that exists already (created by an earlier, interrupted run)."""
        self.tasks[task_id] = {"body": {}, "polls": 0, "states": states or self.states, "cancelled": False}

    # -- endpoints ----------------------------------------------------------------------------------
    def _auth(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": "Invalid API key"}, status_code=401)
        if request.headers.get("x-runway-version") != "2024-11-06":
            return JSONResponse({"error": "Invalid or missing X-Runway-Version header"}, status_code=400)
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        body = await request.json()
        issues = self._issues(body, image=request.url.path.endswith("image_to_video"))
        if issues:
            return JSONResponse({"error": "Validation of body failed", "issues": issues}, status_code=400)
        task_id = str(uuid.uuid4())
        self.tasks[task_id] = {"body": body, "polls": 0, "states": list(self.states), "cancelled": False}
        fault = take(self.submit_faults)
        if fault is not None:
            if fault.drop:
                return DropResponse()
            del self.tasks[task_id]  # a refused submit creates nothing
            return fault.response()
        return JSONResponse({"id": task_id})

    def _issues(self, body: dict[str, Any], image: bool) -> list[str]:
        rules = RULES.get(body.get("model", ""))
        if rules is None:
            return [f"model: unknown model {body.get('model')!r}"]
        issues = []
        ratios = rules["ratios"] if image else rules.get("t2v_ratios", rules["ratios"])
        if body.get("ratio") not in ratios:
            issues.append(f"ratio: {body.get('ratio')!r} not one of {sorted(ratios)}")
        if body.get("duration") not in rules["durations"]:
            issues.append(f"duration: {body.get('duration')!r} not allowed")
        if image and not body.get("promptImage"):
            issues.append("promptImage: required")
        if not image and not rules["t2v"]:
            issues.append(f"model: {body['model']} does not support text_to_video")
        if len(body.get("promptText", "")) > 1000:
            issues.append("promptText: too long")
        return issues

    async def task(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        task = self.tasks.get(request.path_params["task_id"])
        if task is None:
            return JSONResponse({"error": "Task not found"}, status_code=404)
        if request.method == "DELETE":
            task["cancelled"] = True
            return Response(status_code=204)
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        if task["cancelled"]:
            return JSONResponse({"id": request.path_params["task_id"], "status": "CANCELLED"})
        states = task["states"]
        state = dict(states[min(task["polls"], len(states) - 1)])
        task["polls"] += 1
        task_id = request.path_params["task_id"]
        if state["status"] == "SUCCEEDED" and "output" not in state:
            state["output"] = [f"{self.url}/outputs/{task_id}/{next(self._tokens)}.mp4"]
        return JSONResponse({"id": task_id, "createdAt": "2026-11-21T00:00:00.000Z", **state})

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        if fault is not None:
            return fault.response()
        return Response(self.video, media_type="video/mp4")
