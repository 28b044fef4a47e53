"""A fake Replicate HTTP API following its documented protocol.

``POST /v1/models/{owner}/{name}/predictions`` (and ``POST /v1/predictions`` with ``version``) answer 201
with a prediction (``id``, ``status: starting``, ``urls.get``/``urls.cancel``); ``Prefer: wait=N`` holds
the answer until the prediction ends or N seconds pass. ``GET /v1/predictions/{id}`` reports starting |
processing (with tqdm-like ``logs``) | succeeded (``output`` URL) | failed (``error``) | canceled.
``POST /v1/predictions/{id}/cancel`` cancels. Throttling answers 429 ``{"detail": "Request was throttled.
Expected available in N seconds."}``.

A ``webhook`` in the submit is called with the finished prediction, signed as Replicate signs (Standard
Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of
id.timestamp.body>`` with the account's secret, served at ``GET /v1/webhooks/default/secret``).

Scripted faults per endpoint: ``submit``, ``poll``, ``cancel``, ``download``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.video_jobs import FakeProvider, Job

KEY = "r8_test_token_0123456789"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"fake-replicate-signing-key-0123").decode()
THROTTLED = {"detail": "Request was throttled. Expected available in 4 seconds."}


class FakeReplicate(FakeProvider):
    def __init__(self, key: str = KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.app = Starlette(
            routes=[
                Route("/files/{job_id}/{token}.mp4", self.serve_file, methods=["GET"]),
                Route("/v1/models/{owner}/{name}/predictions", self.submit, methods=["POST"]),
                Route("/v1/predictions", self.submit, methods=["POST"]),
                Route("/v1/predictions/{job_id}", self.get, methods=["GET"]),
                Route("/v1/predictions/{job_id}/cancel", self.cancel, methods=["POST"]),
                Route("/v1/webhooks/default/secret", self.webhook_secret, methods=["GET"]),
            ]
        )
        self._deliveries_ids = itertools.count(1)

    async def webhook_secret(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        return JSONResponse({"key": WEBHOOK_SECRET})

    def sign(self, body: bytes) -> dict[str, str]:
        """The Standard Webhooks headers of one delivery of ``body``."""
        webhook_id, stamp = f"msg_{next(self._deliveries_ids)}", str(int(time.time()))
        key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
        digest = hmac.new(key, f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        signature = "v1," + base64.b64encode(digest).decode()
        return {"webhook-id": webhook_id, "webhook-timestamp": stamp, "webhook-signature": signature}

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return JSONResponse(
                {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token", "status": 401},
                status_code=401,
            )
        return None

    def prediction(self, job: Job, request: Request) -> dict[str, Any]:
        state, progress = job.state()
        base = self.base_url or str(request.base_url).rstrip("/")
        data: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "version": "hidden",
            "input": job.body.get("input", {}),
            "logs": "",
            "output": None,
            "error": None,
            "data_removed": False,
            "created_at": "2026-11-21T12:00:00.000Z",
            "urls": {"get": f"{base}/v1/predictions/{job.id}", "cancel": f"{base}/v1/predictions/{job.id}/cancel"},
        }
        if state == "queued":
            data["status"] = "starting"
        elif state == "running":
            data.update(status="processing", logs=f"Generating...\n{int(progress * 100)}%|####      |")
        elif state == "succeeded":
            data.update(status="succeeded", output=self.video_url(job, request), metrics={"predict_time": 1.0})
        elif state == "failed":
            data.update(status="failed", error="CUDA error: an illegal memory access was encountered")
        elif state == "rejected":
            data.update(
                status="failed",
                error="The input or output was flagged as sensitive. Please try again with different inputs. (E005)",
            )
        else:
            data["status"] = "canceled"
        return data

    async def submit(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("submit")
        if fault is not None and not fault.drop:
            return self.fault_response(fault, THROTTLED if fault.status == 429 else {"detail": "fake error"})
        body = await request.json()
        params = request.path_params
        model = f"{params['owner']}/{params['name']}" if "owner" in params else f"version:{body.get('version')}"
        job = self.new_job(model, body, prompt=str(body.get("input", {}).get("prompt") or ""))
        if fault is not None:
            return self.fault_response(fault)
        if body.get("webhook"):
            self.call_back(job, str(body["webhook"]), lambda j: self.prediction(j, request), self.sign)
        prefer = request.headers.get("prefer", "")
        if prefer.startswith("wait"):
            seconds = float(prefer.partition("=")[2] or 60)
            deadline = time.monotonic() + seconds
            while job.state()[0] in ("queued", "running") and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        return JSONResponse(self.prediction(job, request), status_code=201)

    async def get(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("poll")
        if fault is not None:
            return self.fault_response(fault, THROTTLED if fault.status == 429 else {"detail": "fake error"})
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"detail": "Not found."}, status_code=404)
        job.polls += 1
        return JSONResponse(self.prediction(job, request))

    async def cancel(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("cancel")
        if fault is not None:
            return self.fault_response(fault)
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"detail": "Not found."}, status_code=404)
        if job.state()[0] in ("queued", "running"):
            job.cancelled = True
        return JSONResponse(self.prediction(job, request))
