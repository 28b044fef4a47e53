"""A fake fal queue (queue.fal.run) following its documented protocol.

``POST /{model id}`` (``Authorization: Key ...``) answers ``request_id`` and the ``status_url``,
``response_url`` and ``cancel_url`` built on the app id only (``/fal-ai/kling-video/requests/{id}``,
the model's sub-path dropped, as fal does). Status: 202 ``IN_QUEUE``/``IN_PROGRESS``, 200 ``COMPLETED``.
The response URL answers the model output (with ``x-fal-billable-units``: the seconds asked for), 422 with
``content_policy_violation``, or a 500 for a failed runner. ``PUT .../cancel`` answers 202
``CANCELLATION_REQUESTED``. The Platform API's ``GET /v1/models/pricing?endpoint_id=`` answers
``unit_prices`` (403 for every model when ``pricing_admin_only``, as for a key that is not an admin key).

A ``?fal_webhook=`` URL on the submit is called when the request ends with ``request_id``, ``status``
(``OK``/``ERROR``) and ``payload`` (the fake does not sign it; fal's ED25519 headers are not checked here).

Scripted faults per endpoint: ``submit``, ``status``, ``result``, ``cancel``, ``download``.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.video_jobs import FakeProvider

KEY = "fal-test-key:0123456789abcdef"


class FakeFal(FakeProvider):
    def __init__(self, key: str = KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.unit_prices: dict[str, float] = {"fal-ai/kling-video/v2.1/master/text-to-video": 0.28}
        self.pricing_admin_only = False
        app_prefix = "/{owner}/{app}/requests/{job_id}"
        self.app = Starlette(
            routes=[
                Route("/v1/models/pricing", self.pricing, methods=["GET"]),
                Route("/files/{job_id}/{token}.mp4", self.serve_file, methods=["GET"]),
                Route(app_prefix + "/status", self.status, methods=["GET"]),
                Route(app_prefix + "/cancel", self.cancel, methods=["PUT"]),
                Route(app_prefix, self.result, methods=["GET"]),
                Route("/{model:path}", self.submit, methods=["POST"]),
            ]
        )

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Key {self.key}":
            return JSONResponse({"detail": "Invalid API key"}, status_code=401)
        return None

    def _job(self, request: Request) -> Any:
        job = self.jobs.get(request.path_params["job_id"])
        app = f"{request.path_params['owner']}/{request.path_params['app']}"
        return job if job is not None and "/".join(job.model.split("/")[:2]) == app else None

    async def submit(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("submit")
        if fault is not None and not fault.drop:
            return self.fault_response(fault, {"detail": f"fake error {fault.status}"})
        body = await request.json()
        model = request.path_params["model"]
        job = self.new_job(model, body)
        if fault is not None:
            return self.fault_response(fault)
        if hook := request.query_params.get("fal_webhook"):
            self.call_back(job, hook, self.webhook_payload)
        base = (self.base_url or str(request.base_url).rstrip("/")) + "/" + "/".join(model.split("/")[:2])
        urls = f"{base}/requests/{job.id}"
        return JSONResponse(
            {
                "request_id": job.id,
                "response_url": urls,
                "status_url": f"{urls}/status",
                "cancel_url": f"{urls}/cancel",
                "queue_position": 0,
            }
        )

    @staticmethod
    def webhook_payload(job: Any) -> dict[str, Any]:
        ok = job.state()[0] == "succeeded"
        return {
            "request_id": job.id,
            "gateway_request_id": job.id,
            "status": "OK" if ok else "ERROR",
            "payload": {"video": {"content_type": "video/mp4"}} if ok else {"detail": []},
            "error": None if ok else "request failed",
        }

    async def status(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("status")
        if fault is not None:
            return self.fault_response(fault, {"detail": f"fake error {fault.status}"})
        job = self._job(request)
        if job is None:
            return JSONResponse({"detail": "Request not found"}, status_code=404)
        job.polls += 1
        state, _ = job.state()
        base = str(request.url).rsplit("/status", 1)[0]
        common = {
            "request_id": job.id,
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
        }
        if state == "queued":
            return JSONResponse({"status": "IN_QUEUE", "queue_position": 0, **common}, status_code=202)
        if state == "running":
            return JSONResponse({"status": "IN_PROGRESS", "logs": None, **common}, status_code=202)
        return JSONResponse(
            {"status": "COMPLETED", "logs": None, "metrics": {"inference_time": job.latency_s}, **common}
        )

    async def result(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("result")
        if fault is not None:
            return self.fault_response(fault, {"detail": f"fake error {fault.status}"})
        job = self._job(request)
        if job is None:
            return JSONResponse({"detail": "Request not found"}, status_code=404)
        state, _ = job.state()
        if state in ("queued", "running"):
            return JSONResponse({"detail": "Request is still in progress"}, status_code=400)
        if state == "failed":
            return JSONResponse(
                {"detail": "Internal Server Error: runner crashed"},
                status_code=500,
                headers={"X-Fal-Retryable": "false"},
            )
        if state == "rejected":
            return JSONResponse(
                {
                    "detail": [
                        {
                            "loc": ["body", "prompt"],
                            "type": "content_policy_violation",
                            "msg": "The content could not be processed because it contained material flagged by a "
                            "content checker.",
                        }
                    ]
                },
                status_code=422,
            )
        if state == "cancelled":
            return JSONResponse({"detail": "Request was cancelled"}, status_code=400)
        return JSONResponse(
            {
                "video": {
                    "url": self.video_url(job, request),
                    "content_type": "video/mp4",
                    "file_size": len(self.video),
                },
                "seed": 42,
            },
            headers={"x-fal-billable-units": str(job.body.get("duration") or 1)},
        )

    async def pricing(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        if self.pricing_admin_only:
            return JSONResponse({"detail": "Admin API key required"}, status_code=403)
        wanted = [m for value in request.query_params.getlist("endpoint_id") for m in value.split(",")]
        prices = [
            {"endpoint_id": m, "unit_price": self.unit_prices[m], "unit": "video_second", "currency": "USD"}
            for m in wanted
            if m in self.unit_prices
        ]
        return JSONResponse({"prices": prices, "next_cursor": None, "has_more": False})

    async def cancel(self, request: Request) -> Response:
        if denied := self._denied(request):
            return denied
        fault = self.take("cancel")
        if fault is not None:
            return self.fault_response(fault)
        job = self._job(request)
        if job is None:
            return JSONResponse({"detail": "Request not found"}, status_code=404)
        if job.state()[0] in ("succeeded", "failed", "rejected"):
            return JSONResponse({"status": "ALREADY_COMPLETED"}, status_code=400)
        job.cancelled = True
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)
