"""LTX, Lightricks' video API (https://docs.ltx.video): one synchronous call answers the MP4 itself.

``POST /v1/text-to-video`` or ``POST /v1/image-to-video`` (``image_uri``: a URL or a data URI) with
``{"prompt", "model", "duration", "resolution": "1920x1080", "fps", "generate_audio"}`` is the one billable
call; a success answers ``Content-Type: video/mp4`` with the video as the body and ``x-request-id``. The
call takes as long as the generation (a minute or more), so it runs with a long read timeout, its body is
streamed to disk, and nothing is polled: there is no job to resume, no cancel endpoint (a cancelled run
closes the connection) and no result URL to expire. Errors are
``{"type": "error", "error": {"type", "message"}}``: ``invalid_request_error`` (400),
``authentication_error`` (401), ``insufficient_funds_error`` (402), ``request_too_large`` (413),
``rate_limit_error`` (429). Priced per second of output by resolution.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import httpx

from ..errors import (
    BackendUnavailable,
    Cancelled,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ReelforgeError,
    Timeout,
)
from ..http_errors import error_text, map_transport_errors, raise_for_status
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob, RunContext
from .hosted import HostedBackend, HostedConfig, PollResult, scrub_secret
from .http import ProviderClient, save_body

T2V, I2V = "text-to-video", "image-to-video"
_TIERS = {"1080p": (1920, 1080), "1440p": (2560, 1440), "2160p": (3840, 2160)}
LONG = 10.0  # longer clips: 1080p at 24 or 25 fps only


def _spec(name: str, durations: tuple[float, ...], portrait: bool, fps: tuple[float, ...], notes: str) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=(T2V, I2V),
        durations=durations,
        fps=fps,
        default_fps=24.0 if 24.0 in fps else 25.0,
        resolutions=dict(_TIERS),
        default_resolution="1080p",
        aspect_ratios=("16:9", "9:16") if portrait else ("16:9",),
        prompt_max_chars=5000,
        negative_prompt=False,
        seed=False,
        audio_output=True,
        max_image_bytes=10 * 1024 * 1024,
        notes=notes,
    )


_LONG = (6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0)
MODELS: tuple[ModelSpec, ...] = (
    _spec("ltx-2-3-fast", _LONG, True, (24.0, 25.0, 48.0, 50.0), "over 10 s at 1080p, 24/25 fps only; audio"),
    _spec("ltx-2-3-pro", (6.0, 8.0, 10.0), True, (24.0, 25.0, 48.0, 50.0), "audio; portrait 9:16"),
    _spec("ltx-2-fast", _LONG, False, (25.0, 50.0), "16:9; over 10 s at 1080p, 25 fps only"),
    _spec("ltx-2-pro", (6.0, 8.0, 10.0), False, (25.0, 50.0), "16:9"),
)


def ltx_error(status: int, kind: str, message: str) -> ReelforgeError | None:
    """The error for an LTX error ``type`` that says more than its HTTP status (None: the status decides)."""
    text = f"ltx refused the request ({status} {kind or 'error'}): {message or 'no message'}"
    lower = f"{kind} {message}".lower()
    if status == 402 or "insufficient_funds" in lower:
        return BackendUnavailable(f"{text}; the LTX account has too few credits: add credits or enable auto top-up")
    if any(word in lower for word in ("content_policy", "moderation", "safety", "content policy")):
        return ContentRejected(f"{text}; LTX's content filter refused it: change the prompt or image", stage="input")
    return None


class LtxConfig(HostedConfig):
    timeout_s: float = 900.0  # bound on the one call that generates and answers the video
    poll_interval_s: float = 2.0  # how often progress is reported while the call runs
    max_output_bytes: int = 2 * 1024**3


class LtxBackend(HostedBackend):
    name = "ltx"
    description = "LTX (Lightricks) API: LTX-2.3 and LTX-2 Fast/Pro, text- and image-to-video with audio, up to 4K"
    config_model: ClassVar[type[BackendConfig]] = LtxConfig
    secret_env = ("LTX_API_KEY", "LTXV_API_KEY")
    default_base_url = "https://api.ltx.video"

    @property
    def cfg(self) -> LtxConfig:
        return self.config  # type: ignore[return-value]

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        """The plan, snapped to LTX's long-clip rule; a prompt is required for image-to-video too."""
        missing = {"prompt": "empty prompt: LTX needs one for image-to-video too"} if not request.prompt else {}
        try:
            plan = super().validate(request)
        except InvalidRequest as exc:
            raise InvalidRequest({**missing, **exc.problems}) from None
        if missing:
            raise InvalidRequest(missing)
        if plan.duration_s > LONG and plan.resolution != "1080p":
            plan.warnings.append(f"resolution {plan.resolution} snapped to 1080p (clips over 10 s are 1080p only)")
            plan.resolution = "1080p"
        if plan.duration_s > LONG and plan.fps > 25:
            plan.warnings.append(f"fps {plan.fps:g} snapped to 25 (clips over 10 s are 24 or 25 fps)")
            plan.fps = 25.0
        w, h = _TIERS[plan.resolution]
        plan.width, plan.height = (h, w) if plan.aspect_ratio == "9:16" else (w, h)
        plan.num_frames = round(plan.duration_s * plan.fps)
        return plan

    # -- the provider's part ---------------------------------------------------------------------------
    def body(self, plan: Plan) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": plan.prompt or "",
            "model": plan.model,
            "duration": round(plan.duration_s),
            "resolution": f"{plan.width}x{plan.height}",
            "fps": round(plan.fps),
            "generate_audio": bool(plan.extra.get("generate_audio", True)),
        }
        if plan.image is not None:
            body["image_uri"] = plan.image.url or plan.image.data_uri()
        body.update({k: v for k, v in plan.extra.items() if k != "generate_audio"})  # camera_motion, ...
        return body

    async def start(
        self, plan: Plan, client: ProviderClient, ctx: RunContext, part: Path
    ) -> tuple[ProviderJob, PollResult | None]:
        """The one call, watched: progress while it runs, cancel and the time bound close the connection."""
        body = await asyncio.to_thread(self.body, plan)  # a local image is read and encoded off the event loop
        path = "/v1/image-to-video" if plan.image is not None else "/v1/text-to-video"
        sent = asyncio.Event()
        task = asyncio.ensure_future(self._post(path, body, client, part, sent))
        started = time.monotonic()
        ctx.progress(0.02, f"{self.name}: sending the request")
        while not task.done():
            await asyncio.wait({task}, timeout=self.cfg.poll_interval_s)
            elapsed = time.monotonic() - started
            if ctx.cancel.cancelled or elapsed > self.cfg.timeout_s:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                if ctx.cancel.cancelled:
                    raise Cancelled(f"{self.name} call cancelled (the connection was closed)", stage="generate")
                raise Timeout(f"{self.name} did not answer within {self.cfg.timeout_s:g}s")
            if sent.is_set() and not task.done():  # "generating" once the request is on its way
                ctx.progress(0.05 + 0.85 * elapsed / (elapsed + 60), f"{self.name}: generating with {plan.model}")
        request_id = task.result()
        return self.job(request_id, model=plan.model), PollResult(status="succeeded", output_file=part, billable=True)

    async def _post(
        self, path: str, body: dict[str, Any], client: ProviderClient, out: Path, sent: asyncio.Event
    ) -> str:
        """POST and stream the MP4 answer to ``out``; the request id, or the error of the tree.

        ``sent`` is set when the transport has taken the whole request body.
        """
        headers = {**self.headers(), "Accept": "video/mp4", "Content-Type": "application/json"}
        timeout = httpx.Timeout(self.cfg.timeout_s, connect=10.0)
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

        async def content() -> AsyncIterator[bytes]:
            yield payload
            sent.set()

        url = self.base_url + path
        try:
            with map_transport_errors(self.name, "during the generation call"):
                async with client.stream("POST", url, content=content(), headers=headers, timeout=timeout) as r:
                    if r.status_code >= 400 or "video" not in r.headers.get("content-type", ""):
                        await r.aread()
                        self._raise(r)
                    await save_body(r, out, self.cfg.max_output_bytes, self.name)
                    return r.headers.get("x-request-id") or f"ltx-{uuid.uuid4().hex[:16]}"
        except ReelforgeError as exc:
            scrub_secret(exc, self.secret)
            raise

    def _raise(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            raise GenerationFailed(
                f"ltx answered {response.headers.get('content-type') or 'no content type'} instead of a video: "
                f"{response.text[:200]}",
                billable=True,
            )
        try:
            kind = str((response.json().get("error") or {}).get("type") or "")
        except (ValueError, AttributeError):
            kind = ""
        error = ltx_error(response.status_code, kind, error_text(response))
        if error is not None:
            raise error
        raise_for_status(response, who=self.name, secret_env=self.secret_env[0])

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        raise NotImplementedError("LTX answers the video to the call itself: see start()")

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        raise InvalidRequest({"resume": "LTX answers synchronously: there is no provider job to resume; run again"})


__all__ = ["MODELS", "LtxBackend", "LtxConfig", "ltx_error"]
