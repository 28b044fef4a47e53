"""A fake Hugging Face Inference endpoint following its documented protocol.

``POST /models/{model id}`` with ``{"inputs": ..., "parameters": {...}}`` answers the video bytes
(``video/mp4``) after ``latency_s``. Per model: ``missing`` answers 404 ``{"error": "Model X does not
exist"}``; ``loading[model] = n`` answers 503 ``{"error": "Model X is currently loading",
"estimated_time": s}`` n times; ``failing`` answers 500. A prompt with ``NEVER`` never answers.
Scripted faults: ``generate`` (any status, or a dropped connection).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.video_jobs import FakeProvider

KEY = "hf_test_token_0123456789"


class FakeHuggingFace(FakeProvider):
    def __init__(self, key: str = KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.missing: set[str] = set()
        self.failing: set[str] = set()
        self.loading: dict[str, int] = {}
        self.estimated_time = 0.5
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.app = Starlette(routes=[Route("/models/{model:path}", self.generate, methods=["POST"])])

    async def generate(self, request: Request) -> Any:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return JSONResponse({"error": "Invalid credentials in Authorization header"}, status_code=401)
        model = request.path_params["model"]
        body = await request.json()
        self.calls.append((model, body))
        fault = self.take("generate")
        if fault is not None:
            return self.fault_response(fault)
        if model in self.missing:
            return JSONResponse({"error": f"Model {model} does not exist"}, status_code=404)
        if self.loading.get(model, 0) > 0:
            self.loading[model] -= 1
            return JSONResponse(
                {"error": f"Model {model} is currently loading", "estimated_time": self.estimated_time}, status_code=503
            )
        if model in self.failing:
            return JSONResponse({"error": "CUDA out of memory"}, status_code=500)
        prompt = str(
            body.get("inputs")
            if isinstance(body.get("inputs"), str) and len(body["inputs"]) < 2000
            else body.get("parameters", {}).get("prompt") or ""
        )
        latency = 3600.0 if "NEVER" in prompt else self.latency_s
        end = time.monotonic() + latency
        while time.monotonic() < end:
            if await request.is_disconnected():
                return Response(status_code=499)
            await asyncio.sleep(0.01)
        return Response(self.video, media_type="video/mp4")
