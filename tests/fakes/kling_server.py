"""A loopback fake of Kling AI's official video API, written from its public docs.

Checks the HS256 JWT signed with the account's keys (``iss`` = access key, ``exp``/``nbf`` honoured) and the
request fields per model; answers in Kling's envelope ``{"code", "message", "request_id", "data"}`` with its
service codes (1002 bad token, 1201 bad parameters, 1203 no such task). Each task plays ``states`` poll by
poll (the last repeats): submitted, processing, succeed. Words in the prompt pick other endings: ``FAIL``
(the task fails), ``NSFW`` (content review refuses it), ``NEVER`` (it never finishes). Faults per endpoint:
``submit_faults`` (a ``drop`` fault creates the task, then cuts the answer), ``poll_faults``, ``download_faults``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take, tiny_mp4
from .server import FakeServer, ServedFake

RULES: dict[str, dict[str, Any]] = {
    "kling-v2-6": {"t2v": True, "modes": {"std", "pro"}},
    "kling-v2-5-turbo": {"t2v": True, "modes": {"std", "pro"}},
    "kling-v2-1-master": {"t2v": True, "modes": {"pro"}},
    "kling-v2-1": {"t2v": False, "modes": {"std", "pro"}},
    "kling-v1-6": {"t2v": True, "modes": {"std", "pro"}},
}
SECRET = "sk-test-secret-0123456789abcdefghijklmnop"  # 32+ bytes, as HS256 keys should be
FAILED_MSG = "Task failed, internal error in video generation"
RISK_MSG = "Failure to pass the risk control system"


def decode_jwt(token: str, secret: str, issuer: str, now: float | None = None) -> dict[str, Any]:
    """The claims of an HS256 JWT, checked the way Kling does: signature, issuer, ``nbf`` and ``exp``."""

    def unb64(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    head, body, signature = token.split(".")
    if json.loads(unb64(head)) != {"alg": "HS256", "typ": "JWT"}:
        raise ValueError("not an HS256 JWT")
    expected = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, unb64(signature)):
        raise ValueError("bad signature")
    claims = json.loads(unb64(body))
    now = time.time() if now is None else now
    if claims.get("iss") != issuer or not claims["nbf"] <= now < claims["exp"]:
        raise ValueError("wrong issuer, not yet valid or expired")
    return claims


def envelope(code: int = 0, message: str = "SUCCEED", data: Any = None, status: int = 200) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": str(uuid.uuid4())}
    if data is not None:
        body["data"] = data
    return JSONResponse(body, status_code=status)


def error(code: int, message: str) -> Fault:
    """A fault in Kling's shape, with the HTTP status its docs give for ``code``."""
    status = {1101: 429, 1102: 429, 1301: 400, 1302: 429, 1303: 429, 5000: 500, 5001: 503}.get(code, 400)
    return Fault(status, {"code": code, "message": message, "request_id": str(uuid.uuid4())})


class KlingFake(ServedFake):
    def __init__(self, access_key: str = "ak-test-0123456789", secret_key: str = SECRET) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.video = tiny_mp4()
        self._ids = itertools.count(860_000_000_000_000_001)
        self._tokens = itertools.count(1)
        self.reset()
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route("/v1/videos/{kind}", self.create, methods=["POST"]),
                    Route("/v1/videos/{kind}/{task_id}", self.query, methods=["GET"]),
                    Route("/dl/{task_id}/{token}.mp4", self.download, methods=["GET"]),
                ]
            )
        )

    def reset(self) -> None:
        self.states: list[str] = ["submitted", "processing", "succeed"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.tokens_seen: set[str] = set()
        if hasattr(self, "server"):
            self.server.requests.clear()

    def seed_task(self, task_id: str, kind: str = "text2video", external: str | None = None) -> None:
        self.tasks[task_id] = {"kind": kind, "body": {"external_task_id": external}, "polls": 0, "states": self.states}

    # -- endpoints ----------------------------------------------------------------------------------
    def _auth(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return envelope(1001, "Authorization is empty", status=401)
        token = header[len("Bearer ") :]
        try:
            claims = decode_jwt(token, self.secret_key, self.access_key)
        except (ValueError, KeyError) as exc:
            return envelope(1002, f"Authorization is invalid: {type(exc).__name__}", status=401)
        if claims["exp"] - time.time() > 3600:
            return envelope(1002, "Authorization is invalid: token lives too long", status=401)
        self.tokens_seen.add(token)
        return None

    def _problem(self, kind: str, body: dict[str, Any]) -> str | None:
        rules = RULES.get(body.get("model_name", ""))
        if rules is None:
            return f"model_name {body.get('model_name')!r} is invalid"
        if kind not in ("text2video", "image2video"):
            return f"unknown endpoint {kind}"
        if kind == "text2video" and not rules["t2v"]:
            return f"{body['model_name']} does not support text2video"
        if body.get("mode", "std") not in rules["modes"]:
            return f"mode {body.get('mode')!r} is invalid for {body['model_name']}"
        if body.get("duration", "5") not in ("5", "10"):
            return f"duration {body.get('duration')!r} is invalid"
        if kind == "text2video" and body.get("aspect_ratio", "16:9") not in ("16:9", "9:16", "1:1"):
            return f"aspect_ratio {body.get('aspect_ratio')!r} is invalid"
        if kind == "image2video" and not body.get("image"):
            return "image is required"
        if str(body.get("image", "")).startswith("data:"):
            return "image: base64 must not carry a data: prefix"
        if body.get("image_tail") and body.get("mode") != "pro":
            return "image_tail needs mode pro"
        if len(body.get("prompt", "")) > 2500:
            return "prompt is too long"
        external = body.get("external_task_id")
        if external and any(t["body"].get("external_task_id") == external for t in self.tasks.values()):
            return "external_task_id already exists"
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        kind = request.path_params["kind"]
        body = await request.json()
        if (problem := self._problem(kind, body)) is not None:
            return envelope(1201, problem, status=400)
        fault = take(self.submit_faults)
        if fault is not None and not fault.drop:
            return fault.response()
        task_id = str(next(self._ids))
        prompt = str(body.get("prompt", ""))
        states = list(self.states)
        if "FAIL" in prompt or "NSFW" in prompt:
            states = ["submitted", "failed"]
        elif "NEVER" in prompt:
            states = ["processing"]
        self.tasks[task_id] = {"kind": kind, "body": body, "polls": 0, "states": states}
        if fault is not None:
            return DropResponse()
        data = {"task_id": task_id, "task_status": "submitted", "created_at": 1766374262370}
        return envelope(data={**data, "updated_at": 1766374262370, "task_info": {}})

    def _find(self, kind: str, key: str) -> tuple[str, dict[str, Any]] | None:
        if key in self.tasks and self.tasks[key]["kind"] == kind:
            return key, self.tasks[key]
        for task_id, task in self.tasks.items():
            if task["kind"] == kind and task["body"].get("external_task_id") == key:
                return task_id, task
        return None

    async def query(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        found = self._find(request.path_params["kind"], request.path_params["task_id"])
        if found is None:
            return envelope(1203, "task not found", status=404)
        task_id, task = found
        state = task["states"][min(task["polls"], len(task["states"]) - 1)]
        task["polls"] += 1
        data: dict[str, Any] = {"task_id": task_id, "task_status": state, "task_status_msg": ""}
        prompt = str(task["body"].get("prompt", ""))
        if state == "failed":
            data["task_status_msg"] = RISK_MSG if "NSFW" in prompt else FAILED_MSG
        if state == "succeed":
            url = f"{self.url}/dl/{task_id}/{next(self._tokens)}.mp4"
            data["task_result"] = {"videos": [{"id": f"v{task_id}", "url": url, "duration": "5.1"}]}
        return envelope(data=data)

    async def download(self, request: Request) -> Response:
        fault = take(self.download_faults)
        return fault.response() if fault is not None else Response(self.video, media_type="video/mp4")
