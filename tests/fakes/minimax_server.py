"""A loopback fake of MiniMax's video generation API, written from its public docs.

Like the real one it answers HTTP 200 with ``base_resp.status_code`` for most errors (1004 bad key,
2013 bad parameters, ...). Each task plays ``states`` poll by poll (the last repeats): a status name
(Preparing, Queueing, Processing, Success, Fail) or a dict sent as the query answer. Faults per endpoint:
``submit_faults``, ``poll_faults``, ``download_faults`` (a ``Fault(200, body)`` sends a base_resp error).
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

RULES: dict[str, dict[str, Any]] = {
    "MiniMax-Hailuo-02": {"res": {"512P", "768P", "1080P"}, "image": False},
    "MiniMax-Hailuo-2.3": {"res": {"768P", "1080P"}, "image": False},
    "MiniMax-Hailuo-2.3-Fast": {"res": {"768P", "1080P"}, "image": True},
    "T2V-01-Director": {"res": None, "image": False},
    "T2V-01": {"res": None, "image": False},
    "I2V-01-Director": {"res": None, "image": True},
    "I2V-01-live": {"res": None, "image": True},
    "I2V-01": {"res": None, "image": True},
}


def base_resp(code: int = 0, message: str = "success") -> dict[str, Any]:
    return {"base_resp": {"status_code": code, "status_msg": message}}


class MinimaxFake(ServedFake):
    def __init__(self, api_key: str = "mm-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self._ids = itertools.count(100_000_001)
        self.reset()
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route("/v1/video_generation", self.create, methods=["POST"]),
                    Route("/v1/query/video_generation", self.query, methods=["GET"]),
                    Route("/v1/files/retrieve", self.retrieve, methods=["GET"]),
                    Route("/dl/{file_id}/{token}.mp4", self.download, methods=["GET"]),
                ]
            )
        )

    def reset(self) -> None:
        self.states: list[Any] = ["Queueing", "Processing", "Success"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed_task(self, task_id: str) -> None:
        self.tasks[task_id] = {"body": {}, "polls": 0, "states": list(self.states)}

    def _auth(self, request: Request) -> Response | None:
        if request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return JSONResponse(
            base_resp(
                1004, "login fail: Please carry the API secret key in the 'Authorization' field of the request header"
            )
        )

    def _problem(self, body: dict[str, Any]) -> str | None:
        rules = RULES.get(body.get("model", ""))
        if rules is None:
            return f"invalid params, model {body.get('model')!r} not supported"
        if body.get("duration", 6) not in (6, 10) or (rules["res"] is None and body.get("duration", 6) != 6):
            return "invalid params, duration"
        res = body.get("resolution")
        if res is not None and (rules["res"] is None or res not in rules["res"]):
            return f"invalid params, resolution {res}"
        if res == "1080P" and body.get("duration", 6) != 6:
            return "invalid params, 1080P supports 6s only"
        if rules["image"] and not body.get("first_frame_image"):
            return "invalid params, first_frame_image is required"
        if "last_frame_image" in body and body.get("model") != "MiniMax-Hailuo-02":
            return "invalid params, last_frame_image"
        if len(body.get("prompt", "")) > 2000:
            return "invalid params, prompt too long"
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        body = await request.json()
        if (problem := self._problem(body)) is not None:
            return JSONResponse({"task_id": "", **base_resp(2013, problem)})
        fault = take(self.submit_faults)
        task_id = str(next(self._ids))
        if fault is not None and not fault.drop:
            return fault.response()
        self.tasks[task_id] = {"body": body, "polls": 0, "states": list(self.states)}
        if fault is not None:
            return DropResponse()
        return JSONResponse({"task_id": task_id, **base_resp()})

    async def query(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        task_id = request.query_params.get("task_id", "")
        task = self.tasks.get(task_id)
        if task is None:
            return JSONResponse({"task_id": task_id, "status": "", **base_resp(2013, "invalid params, task_id")})
        state = task["states"][min(task["polls"], len(task["states"]) - 1)]
        task["polls"] += 1
        if isinstance(state, dict):
            return JSONResponse({"task_id": task_id, **base_resp(), **state})
        answer: dict[str, Any] = {"task_id": task_id, "status": state, **base_resp()}
        if state == "Success":
            answer.update(file_id=f"{task_id}9", video_width=1366, video_height=768)
        return JSONResponse(answer)

    async def retrieve(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        file_id = request.query_params.get("file_id", "")
        token = next(self._ids)
        return JSONResponse(
            {
                "file": {
                    "file_id": int(file_id),
                    "bytes": len(self.video),
                    "created_at": 1700469398,
                    "filename": "output.mp4",
                    "purpose": "video_generation",
                    "download_url": f"{self.url}/dl/{file_id}/{token}.mp4",
                },
                **base_resp(),
            }
        )

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        return fault.response() if fault is not None else Response(self.video, media_type="video/mp4")
