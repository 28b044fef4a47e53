"""The job store the model-host fakes (fal, Replicate, WaveSpeed, Hugging Face) share: jobs with timed
states, faults per endpoint, signed download URLs that can expire. Faults, media and run helpers come
from the one kit (``kit.py``).

Outcomes are chosen by words in the prompt: ``FAIL`` (the task fails), ``NSFW`` (the content filter
refuses it), ``NEVER`` (it never finishes); anything else succeeds after ``latency_s``.

Completion callbacks: a provider that documents one calls ``call_back`` at submit; once the job ends its
payload is POSTed to the URL (headers from the provider's signer). ``drop_callbacks`` loses them all;
``callbacks_sent`` records (url, status or error) per delivery.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from .kit import Fault, tiny_mp4


@dataclass
class Job:
    id: str
    model: str
    body: dict[str, Any]
    outcome: str
    latency_s: float
    created: float = field(default_factory=time.monotonic)
    polls: int = 0
    cancelled: bool = False
    tokens: int = 0
    expired: set[str] = field(default_factory=set)

    def state(self) -> tuple[str, float]:
        """(queued|running|succeeded|failed|rejected|cancelled, progress 0-1)."""
        if self.cancelled:
            return "cancelled", 0.0
        elapsed = time.monotonic() - self.created
        if self.outcome == "never" or elapsed < self.latency_s:
            phase = "queued" if elapsed < self.latency_s * 0.2 else "running"
            return phase, min(0.99, elapsed / self.latency_s) if self.latency_s else 0.5
        return {"ok": "succeeded", "fail": "failed", "reject": "rejected"}[self.outcome], 1.0


class FakeProvider:
    """State shared by one fake provider's routes."""

    def __init__(self, latency_s: float = 0.05, video: bytes | None = None, expire_downloads: int = 0) -> None:
        self.latency_s = latency_s
        self.video = video if video is not None else tiny_mp4()
        self.expire_downloads = expire_downloads  # how many first download URLs are already expired
        self.jobs: dict[str, Job] = {}
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.counts: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1)
        self.base_url = ""  # set by the test once the server runs (for absolute URLs)
        self.drop_callbacks = False  # completion callbacks are lost on the way
        self.callbacks_sent: list[tuple[str, int | str]] = []
        self._deliveries: set[asyncio.Task[None]] = set()

    # -- scripting ----------------------------------------------------------------------------
    def fail(
        self,
        endpoint: str,
        status: int = 500,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        drop: bool = False,
    ) -> None:
        for _ in range(times):
            self.faults[endpoint].append(Fault(status, body=body, headers=headers or {}, drop=drop))

    def take(self, endpoint: str) -> Fault | None:
        self.counts[endpoint] += 1
        queue = self.faults.get(endpoint)
        return queue.popleft() if queue else None

    @staticmethod
    def fault_response(fault: Fault, default_body: Any = None) -> Response:
        return fault.response(default_body or {"error": f"fake error {fault.status}"})

    # -- jobs -------------------------------------------------------------------------------------
    def new_job(self, model: str, body: dict[str, Any], prompt: str | None = None) -> Job:
        text = prompt if prompt is not None else str(body.get("prompt") or "")
        outcome = "fail" if "FAIL" in text else "reject" if "NSFW" in text else "never" if "NEVER" in text else "ok"
        job = Job(id=f"job{next(self._ids):05d}", model=model, body=body, outcome=outcome, latency_s=self.latency_s)
        self.jobs[job.id] = job
        return job

    # -- completion callbacks ---------------------------------------------------------------------------
    def call_back(
        self,
        job: Job,
        url: str,
        payload: Callable[[Job], dict[str, Any]],
        sign: Callable[[bytes], dict[str, str]] | None = None,
    ) -> None:
        """POST ``payload(job)`` to ``url`` once the job ends, as the provider's webhook does."""
        task = asyncio.ensure_future(self._deliver(job, url, payload, sign))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(
        self,
        job: Job,
        url: str,
        payload: Callable[[Job], dict[str, Any]],
        sign: Callable[[bytes], dict[str, str]] | None,
    ) -> None:
        while job.state()[0] in ("queued", "running"):
            await asyncio.sleep(0.01)
        if self.drop_callbacks:
            self.callbacks_sent.append((url, "dropped"))
            return
        body = json.dumps(payload(job)).encode()
        headers = {"content-type": "application/json", **(sign(body) if sign else {})}
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(url, content=body, headers=headers)
            self.callbacks_sent.append((url, response.status_code))
        except httpx.HTTPError as exc:
            self.callbacks_sent.append((url, type(exc).__name__))

    def video_url(self, job: Job, request: Request) -> str:
        job.tokens += 1
        token = f"t{job.tokens}"
        if self.expire_downloads > 0:
            self.expire_downloads -= 1
            job.expired.add(token)
        base = self.base_url or str(request.base_url).rstrip("/")
        return f"{base}/files/{job.id}/{token}.mp4"

    async def serve_file(self, request: Request) -> Response:
        fault = self.take("download")
        if fault is not None:
            return self.fault_response(fault)
        job = self.jobs.get(request.path_params["job_id"])
        token = request.path_params["token"]
        if job is None:
            return Response(b"<Error><Code>NoSuchKey</Code></Error>", status_code=404)
        if token in job.expired:
            return Response(
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                status_code=403,
                media_type="application/xml",
            )
        return Response(self.video, media_type="video/mp4")


__all__ = ["FakeProvider", "Fault", "Job", "tiny_mp4"]
