"""A loopback fake of BytePlus ModelArk's content-generation tasks API (Seedance), written from its public docs.

Served under ``/api/v3`` like the real host. Checks the Bearer key, the model, the content parts (one text
part, image parts with role first_frame / last_frame), ratio, resolution and duration per model; answers errors
as ``{"error": {"code", "message", "param", "type"}}``. Each task plays ``states`` poll by poll (the last
repeats): queued, running, succeeded (with ``usage.completion_tokens``). Words in the prompt pick other
endings: ``FAIL`` (the task fails), ``NSFW`` (output moderation), ``NEVER`` (queued for ever, so cancellable).
``DELETE`` cancels a queued task, refuses a running one and deletes a finished one. Faults per endpoint:
``submit_faults`` (a ``drop`` fault creates the task, then cuts the answer), ``poll_faults``, ``download_faults``.
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take, tiny_mp4
from .server import FakeServer, ServedFake

PRO = {"res": {"480p", "720p", "1080p"}, "t2v": True, "last": False, "min": 2}
RULES: dict[str, dict[str, Any]] = {
    "seedance-1-0-pro-250528": PRO,
    "seedance-1-0-pro-fast-251015": PRO,
    "seedance-1-5-pro-251215": {"res": {"480p", "720p"}, "t2v": True, "last": True, "min": 4},
    "seedance-1-0-lite-t2v-250428": {**PRO, "i2v": False},
    "seedance-1-0-lite-i2v-250428": {**PRO, "t2v": False, "last": True},
}
RATIOS = {"16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"}
PIXELS = {"480p": 864 * 480, "720p": 1248 * 704, "1080p": 1920 * 1088}


def ark_error(status: int, code: str, message: str) -> Fault:
    return Fault(status, {"error": {"code": code, "message": message, "param": "", "type": "BadRequest"}})


def _answer(status: int, code: str, message: str) -> Response:
    return ark_error(status, code, message).response()


class SeedanceFake(ServedFake):
    def __init__(self, api_key: str = "ark-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self._ids = itertools.count(1)
        self.reset()
        tasks = "/api/v3/contents/generations/tasks"
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route(tasks, self.create, methods=["POST"]),
                    Route(tasks + "/{task_id}", self.task, methods=["GET", "DELETE"]),
                    Route("/tos/{task_id}/{token}.mp4", self.download, methods=["GET"]),
                ]
            )
        )

    def reset(self) -> None:
        self.states: list[str] = ["queued", "running", "succeeded"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed_task(self, task_id: str) -> None:
        self.tasks[task_id] = {"body": {}, "polls": 0, "states": list(self.states), "cancelled": False}

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return _answer(401, "AuthenticationError", "the API key in the request is missing or invalid")

    def _problem(self, body: dict[str, Any]) -> str | None:
        rules = RULES.get(body.get("model", ""))
        if rules is None:
            return f"the model {body.get('model')!r} does not exist or you do not have access to it"
        content = body.get("content") or []
        texts = [c for c in content if c.get("type") == "text"]
        images = {c.get("role", "first_frame"): c for c in content if c.get("type") == "image_url"}
        if len(texts) != 1 or len(texts[0].get("text", "")) > 2000:
            return "content: exactly one text part of at most 2000 characters"
        if not images and not rules["t2v"]:
            return "content: this model needs a first_frame image"
        if images and not rules.get("i2v", True):
            return "content: this model takes no image"
        if "last_frame" in images and (not rules["last"] or "first_frame" not in images):
            return "content: last_frame is not supported here (or has no first_frame)"
        if body.get("ratio", "16:9") not in RATIOS or body.get("resolution", "720p") not in rules["res"]:
            return f"ratio {body.get('ratio')!r} / resolution {body.get('resolution')!r} not supported"
        if not rules["min"] <= int(body.get("duration", 5)) <= 12:
            return f"duration {body.get('duration')!r} out of range"
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        body = await request.json()
        if (problem := self._problem(body)) is not None:
            return _answer(400, "InvalidParameter", problem)
        fault = take(self.submit_faults)
        if fault is not None and not fault.drop:
            return fault.response()
        task_id = f"cgt-20261201{next(self._ids):06d}-fake"
        prompt = str(body["content"][0].get("text", ""))
        states = list(self.states)
        if "FAIL" in prompt or "NSFW" in prompt:
            states = ["queued", "running", "failed"]
        elif "NEVER" in prompt:
            states = ["queued"]
        self.tasks[task_id] = {"body": body, "polls": 0, "states": states, "cancelled": False}
        return DropResponse() if fault is not None else JSONResponse({"id": task_id})

    async def task(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        task_id = request.path_params["task_id"]
        task = self.tasks.get(task_id)
        if task is None:
            return _answer(404, "ResourceNotFound", f"the task {task_id} does not exist")
        if request.method == "DELETE":
            return self._delete(task_id, task)
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        state = "cancelled" if task["cancelled"] else task["states"][min(task["polls"], len(task["states"]) - 1)]
        task["polls"] += 1
        return JSONResponse(self._view(task_id, task, state))

    def _view(self, task_id: str, task: dict[str, Any], state: str) -> dict[str, Any]:
        body = task["body"]
        answer: dict[str, Any] = {"id": task_id, "model": body.get("model", "seedance-1-0-pro-250528")}
        answer.update(status=state, error=None, created_at=1764547200, updated_at=1764547260)
        prompt = str((body.get("content") or [{}])[0].get("text", ""))
        if state == "failed":
            code, message = ("OutputVideoSensitiveContentDetected", "The generated video may contain sensitive content")
            if "FAIL" in prompt:
                code, message = "InternalServiceError", "The service encountered an unexpected internal error"
            answer["error"] = {"code": code, "message": message}
        if state == "succeeded":
            seconds, resolution = int(body.get("duration", 5)), body.get("resolution", "720p")
            tokens = PIXELS[resolution] * 24 * seconds // 1024
            answer["content"] = {"video_url": f"{self.url}/tos/{task_id}/{task['polls']}.mp4"}
            answer["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
            answer.update(seed=body.get("seed", 42), resolution=resolution, ratio=body.get("ratio", "16:9"))
            answer.update(duration=seconds, framespersecond=24)
        return answer

    def _delete(self, task_id: str, task: dict[str, Any]) -> Response:
        state = task["states"][min(max(task["polls"] - 1, 0), len(task["states"]) - 1)]
        if state == "running" and not task["cancelled"]:
            return _answer(400, "InvalidParameter", "a running task cannot be cancelled")
        if state == "queued":
            task["cancelled"] = True
        else:
            del self.tasks[task_id]
        return JSONResponse({})

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        return fault.response() if fault is not None else Response(self.video, media_type="video/mp4")
