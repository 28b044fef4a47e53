"""Loopback fakes of Ollama's ``/api/chat`` and an OpenAI-compatible ``/v1/chat/completions``.

Replies are scripted: ``replies`` is a list of assistant message contents (str) or ``Fault``s, taken in
order (the last repeats). Every request body is kept in ``bodies``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .kit import Fault
from .server import FakeServer, ServedFake


class _ChatFake(ServedFake):
    def __init__(self, replies: list[str | Fault]) -> None:
        self.replies = list(replies)
        self.bodies: list[dict[str, Any]] = []
        self.server = FakeServer(self.app())

    def app(self) -> Starlette:  # pragma: no cover - overridden
        raise NotImplementedError

    def next_reply(self) -> str | Fault:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


class OllamaFake(_ChatFake):
    models = ("llama3.2",)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/api/chat", self.chat, methods=["POST"])])

    async def chat(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.bodies.append(body)
        if body.get("model") not in self.models:
            return JSONResponse({"error": f"model '{body.get('model')}' not found"}, status_code=404)
        reply = self.next_reply()
        if isinstance(reply, Fault):
            return reply.response()
        return JSONResponse(
            {
                "model": body["model"],
                "created_at": "2025-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": reply},
                "done": True,
                "done_reason": "stop",
            }
        )


class OpenAIChatFake(_ChatFake):
    def __init__(self, replies: list[str | Fault], api_key: str = "sk-test-123") -> None:
        self.api_key = api_key
        super().__init__(replies)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.chat, methods=["POST"])])

    async def chat(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse(
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
                status_code=401,
            )
        body = json.loads(await request.body())
        self.bodies.append(body)
        reply = self.next_reply()
        if isinstance(reply, Fault):
            return reply.response()
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
            }
        )
