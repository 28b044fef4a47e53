"""xAI's video generation (Grok Imagine) on the xAI API (https://docs.x.ai/developers/model-capabilities/video).

One billable ``POST /v1/videos/generations`` with ``model``, ``prompt``, ``duration`` (1-15 s),
``aspect_ratio``, ``resolution`` (480p or 720p) and, for image-to-video, ``image: {"url": ...}`` (a URL or a
data URI) answers ``{"request_id"}``; ``GET /v1/videos/{request_id}`` reports ``status`` pending, done
(``video.url``, ``video.duration``, ``video.respect_moderation``; ``usage.cost_in_usd_ticks``, 1e10 ticks to
the dollar), failed (``error.code``/``error.message``) or expired. A finished video that broke the moderation
rules comes back with ``respect_moderation: false`` and no usable video (xAI still bills it). Errors are HTTP
statuses with ``{"error": {"message", "type", "code"}}``: 429 rate limits, 402/403 naming credits or the
spending limit, 400 for a prompt refused by moderation. There is no cancel endpoint. Priced per second of
output by resolution.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpx

from ..errors import AuthError, BackendUnavailable, ContentRejected, GenerationFailed, ReelforgeError
from ..http_errors import error_text
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult, scrub_secret
from .http import ProviderClient
from .validate import size_for

T2V, I2V = "text-to-video", "image-to-video"
TICKS_PER_USD = 10_000_000_000
_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3")
_STATUS = {"pending": "running", "done": "succeeded", "failed": "failed", "expired": "failed"}
_CREDIT_WORDS = ("credit", "spending limit", "billing", "balance", "quota")
_MODERATION_WORDS = ("moderation", "content policy", "safety", "not allowed", "violat")


def _spec(name: str, ops: tuple[str, ...], notes: str) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=ops,
        min_duration_s=1.0,
        max_duration_s=15.0,
        fps=(24.0,),
        default_fps=24.0,
        resolutions={"480p": (854, 480), "720p": (1280, 720)},
        default_resolution="720p",
        aspect_ratios=_RATIOS,
        prompt_max_chars=4096,
        prompt_required=True,
        last_frame=False,
        negative_prompt=False,
        seed=False,
        audio_output=True,
        max_image_bytes=10 * 1024 * 1024,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _spec("grok-imagine-video", (T2V, I2V), "text- and image-to-video with sound; 1-15 s"),
    _spec("grok-imagine-video-1.5-preview", (I2V,), "image-to-video only, closer to the first frame; with sound"),
)


def xai_error(response: httpx.Response, where: str) -> ReelforgeError | None:
    """Credits and moderation, which xAI says in words; None to let the shared mapping take the rest."""
    status = response.status_code
    if status < 400:
        return None
    text = error_text(response)
    lowered = text.lower()
    what = f"xai {where} error {status}: {text}"
    if status in (400, 401, 403) and "api key" in lowered:
        return AuthError(f"xai refused the credentials ({status}); check XAI_API_KEY")
    if status in (402, 403) and any(w in lowered for w in _CREDIT_WORDS):
        return BackendUnavailable(f"{what}; the xAI team is out of credits or at its spending limit: add credits")
    if status in (400, 422) and any(w in lowered for w in _MODERATION_WORDS):
        return ContentRejected(f"{what}; xAI's moderation refused the prompt or image: change it", stage="input")
    return None


class XaiConfig(HostedConfig):
    poll_interval_s: float = 5.0


class XaiBackend(HostedBackend):
    name = "xai"
    description = "xAI Grok Imagine video (text- and image-to-video with sound, 480p/720p, 1-15 s)"
    config_model: ClassVar[type[BackendConfig]] = XaiConfig
    secret_env = ("XAI_API_KEY",)
    default_base_url = "https://api.x.ai/v1"

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    def response_error(self, response: httpx.Response, where: str) -> ReelforgeError | None:
        """Credits and moderation read from xAI's words first; the shared mapping takes the rest."""
        return xai_error(response, where)

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        rounded = max(1, min(15, round(plan.duration_s)))
        if rounded != plan.duration_s:
            plan.warnings.append(f"duration {plan.duration_s:g}s snapped to {rounded}s (xAI takes whole seconds)")
            plan.duration_s = float(rounded)
            plan.num_frames = round(rounded * plan.fps)
        if plan.extra.pop("generate_audio", None) is False:
            plan.warnings.append("generate_audio=false ignored: Grok Imagine video always has sound")
        plan.width, plan.height = size_for(480 if plan.resolution == "480p" else 720, plan.aspect_ratio, 2)
        return plan

    # -- the provider's part ---------------------------------------------------------------------------
    def body(self, plan: Plan) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": plan.model,
            "prompt": plan.prompt or "",
            "duration": round(plan.duration_s),
            "aspect_ratio": plan.aspect_ratio,
            "resolution": plan.resolution,
        }
        if plan.image is not None:
            body["image"] = {"url": plan.image.url or plan.image.data_uri()}
        body.update(plan.extra)  # e.g. reference_images, user
        return body

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = await asyncio.to_thread(self.body, plan)  # local images are read and encoded off the event loop
        data = (await self.call(client, "POST", "/videos/generations", json=body, where="submit")).json()
        if not data.get("request_id"):
            raise GenerationFailed(f"xai accepted the request but returned no request_id: {str(data)[:200]}")
        return self.job(str(data["request_id"]))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", f"/videos/{job.id}", where="poll")).json()
        raw = str(data.get("status") or ("done" if (data.get("video") or {}).get("url") else "pending"))
        status: Any = _STATUS.get(raw, "running")
        progress = data.get("progress")
        fraction = float(progress) / (100 if float(progress) > 1 else 1) if isinstance(progress, int | float) else None
        result = PollResult(status=status, progress=fraction, raw=data)
        ticks = (data.get("usage") or {}).get("cost_in_usd_ticks")
        if isinstance(ticks, int | float):
            result.actual_usd = round(ticks / TICKS_PER_USD, 4)
        video = data.get("video") or {}
        if status == "succeeded" and video.get("respect_moderation") is False:
            result.status, result.billable = "failed", True
            result.error = ContentRejected(
                f"xai request {job.id}: the video broke xAI's moderation rules and was withheld "
                "(xAI bills it; change the prompt or image)",
                stage="output",
                billable=True,
            )
        elif status == "succeeded":
            result.output_urls = [str(video["url"])] if video.get("url") else []
        elif status == "failed":
            result.error, result.billable = self._failure(job.id, raw, data.get("error") or {}), False
        return result

    def _failure(self, request_id: str, raw: str, error: dict[str, Any]) -> ReelforgeError:
        reason = str(error.get("message") or "no reason given")
        code = str(error.get("code") or "no code")
        text = f"xai request {request_id} {raw} ({code}): {reason}"
        if any(w in reason.lower() for w in _MODERATION_WORDS):
            exc: ReelforgeError = ContentRejected(f"{text}; change the prompt or image", stage="output")
        elif raw == "expired":
            exc = GenerationFailed(f"{text}. The request expired at xAI before it finished; try again", stage="queue")
        else:
            exc = GenerationFailed(f"{text}. Try again", stage="generation")
        scrub_secret(exc, self.secret)
        return exc


__all__ = ["MODELS", "TICKS_PER_USD", "XaiBackend", "XaiConfig", "xai_error"]
