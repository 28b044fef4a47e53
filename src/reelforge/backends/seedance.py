"""ByteDance Seedance on BytePlus ModelArk (https://docs.byteplus.com/en/docs/ModelArk), content-generation tasks.

One billable ``POST /contents/generations/tasks`` with ``model`` and ``content`` (a text part, and image parts
with ``role`` first_frame / last_frame) plus ``resolution``, ``ratio``, ``duration``, ``seed``,
``camera_fixed``, ``watermark`` (and ``generate_audio`` on 1.5 Pro) answers ``{"id": "cgt-..."}``;
``GET /contents/generations/tasks/{id}`` reports ``status`` queued, running, succeeded (``content.video_url``,
valid 24 h, and ``usage.completion_tokens``), failed (``error.code``/``error.message``), expired or cancelled;
``DELETE /contents/generations/tasks/{id}`` cancels a task still queued (a running one cannot be stopped).
Errors are HTTP statuses with ``{"error": {"code", "message"}}``: 429 ``RateLimitExceeded.*`` or
``ServerOverloaded`` (wait), 429 ``QuotaExceeded``/``SetLimitExceeded`` and 403 ``AccountOverdueError``
(quota or balance), 400 ``*SensitiveContentDetected`` (moderation). Priced per million output tokens,
tokens = width x height x fps x seconds / 1024.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpx

from ..errors import (
    AuthError,
    BackendUnavailable,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    ReelforgeError,
)
from ..http_errors import raise_for_status, retry_after_seconds
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult, scrub_secret
from .http import ProviderClient
from .prices import find_rule

T2V, I2V = "text-to-video", "image-to-video"
RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9")
SIZES: dict[str, dict[str, tuple[int, int]]] = {  # (width, height) per resolution and ratio, as documented
    "480p": {
        "16:9": (864, 480),
        "4:3": (736, 544),
        "1:1": (640, 640),
        "3:4": (544, 736),
        "9:16": (480, 864),
        "21:9": (960, 416),
    },
    "720p": {
        "16:9": (1248, 704),
        "4:3": (1120, 832),
        "1:1": (960, 960),
        "3:4": (832, 1120),
        "9:16": (704, 1248),
        "21:9": (1504, 640),
    },
    "1080p": {
        "16:9": (1920, 1088),
        "4:3": (1664, 1248),
        "1:1": (1440, 1440),
        "3:4": (1248, 1664),
        "9:16": (1088, 1920),
        "21:9": (2176, 928),
    },
}
_STATUS = {
    "queued": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "expired": "failed",
    "cancelled": "cancelled",
}
_WAIT_CODES = ("RateLimitExceeded", "ServerOverloaded")
_QUOTA_CODES = ("QuotaExceeded", "SetLimitExceeded", "AccountOverdueError", "InsufficientBalance")


def _spec(
    name: str,
    ops: tuple[str, ...],
    tiers: tuple[str, ...] = ("480p", "720p", "1080p"),
    shortest: int = 2,
    last_frame: bool = False,
    audio: bool = False,
    notes: str = "",
) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=ops,
        durations=tuple(float(d) for d in range(shortest, 13)),
        fps=(24.0,),
        default_fps=24.0,
        resolutions={t: SIZES[t]["16:9"] for t in tiers},
        default_resolution="720p",
        aspect_ratios=RATIOS,
        prompt_max_chars=2000,
        prompt_required=True,
        last_frame=last_frame,
        negative_prompt=False,
        seed=True,
        audio_output=audio,
        max_image_bytes=30 * 1024 * 1024,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _spec("seedance-1-0-pro-250528", (T2V, I2V), notes="first frame for image-to-video"),
    _spec("seedance-1-0-pro-fast-251015", (T2V, I2V), notes="faster and cheaper; first frame"),
    _spec("seedance-1-5-pro-251215", (T2V, I2V), ("480p", "720p"), 4, True, True, notes="first/last frame; audio"),
    _spec("seedance-1-0-lite-t2v-250428", (T2V,), notes="text-to-video only"),
    _spec("seedance-1-0-lite-i2v-250428", (I2V,), last_frame=True, notes="image-to-video; first/last frame"),
)


def ark_error(response: httpx.Response, where: str) -> ReelforgeError | None:
    """The error-tree exception for an Ark error answer (None below 400)."""
    status = response.status_code
    if status < 400:
        return None
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = str(error.get("code") or "") if isinstance(error, dict) else ""
    message = str(error.get("message") or "")[:300] if isinstance(error, dict) else ""
    text = f"seedance {where} error {status} {code or 'no code'}: {message or response.text[:200]}"
    if code.startswith(_QUOTA_CODES):
        return BackendUnavailable(f"{text}; the ModelArk account is out of quota or balance: top it up or raise it")
    if status == 429 or code.startswith(_WAIT_CODES):
        return RateLimited(f"{text}; slow down or wait", retry_after=retry_after_seconds(response))
    if "SensitiveContentDetected" in code:
        return moderation(text, code)
    if status in (401, 403):
        return AuthError(f"{text}; check ARK_API_KEY (keys work in their own region only)")
    if status >= 500:
        return ProviderError(text, retryable=True, status=status, submitted=True)
    if status in (400, 404, 422):
        return InvalidRequest({"provider": f"{text}; check the model id and that it is activated for this key"})
    try:
        raise_for_status(response, who="seedance", secret_env="ARK_API_KEY")
    except ReelforgeError as exc:
        return exc
    return None


def moderation(text: str, code: str) -> ContentRejected:
    stage = "output" if code.startswith("Output") else "input"
    return ContentRejected(f"{text}; ModelArk's moderation refused the {stage}: change the prompt or image", stage)


class SeedanceConfig(HostedConfig):
    poll_interval_s: float = 10.0
    watermark: bool = False
    camera_fixed: bool = False


class SeedanceBackend(HostedBackend):
    name = "seedance"
    description = "ByteDance Seedance 1.0 / 1.5 on BytePlus ModelArk (text- and image-to-video, first/last frame)"
    config_model: ClassVar[type[BackendConfig]] = SeedanceConfig
    secret_env = ("ARK_API_KEY",)
    default_base_url = "https://ark.ap-southeast.bytepluses.com/api/v3"

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    def response_error(self, response: httpx.Response, where: str) -> ReelforgeError | None:
        """Ark's error codes read first (quota, moderation, overload)."""
        return ark_error(response, where)

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        spec = self.model_spec(plan.model)
        audio = plan.extra.pop("generate_audio", None)
        if audio is not None and not spec.audio_output:
            plan.warnings.append(f"generate_audio ignored: {plan.model} makes silent video")
        elif spec.audio_output:
            plan.extra["generate_audio"] = bool(True if audio is None else audio)
        plan.width, plan.height = SIZES[plan.resolution][plan.aspect_ratio]
        return plan

    # -- the provider's part ---------------------------------------------------------------------------
    def body(self, plan: Plan) -> dict[str, Any]:
        cfg: Any = self.config
        content: list[dict[str, Any]] = [{"type": "text", "text": plan.prompt or ""}]
        for ref, role in ((plan.image, "first_frame"), (plan.last_frame, "last_frame")):
            if ref is not None:
                content.append({"type": "image_url", "image_url": {"url": ref.url or ref.data_uri()}, "role": role})
        body: dict[str, Any] = {
            "model": plan.model,
            "content": content,
            "resolution": plan.resolution,
            "ratio": plan.aspect_ratio,
            "duration": round(plan.duration_s),
            "camera_fixed": cfg.camera_fixed,
            "watermark": cfg.watermark,
        }
        if plan.seed is not None:
            body["seed"] = plan.seed
        body.update(plan.extra)  # generate_audio, callback_url, service_tier, return_last_frame
        return body

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = await asyncio.to_thread(self.body, plan)  # local images are read and encoded off the event loop
        data = (await self.call(client, "POST", "/contents/generations/tasks", json=body, where="submit")).json()
        if not data.get("id"):
            raise GenerationFailed(f"seedance accepted the request but returned no task id: {str(data)[:200]}")
        return self.job(str(data["id"]), model=plan.model)

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", f"/contents/generations/tasks/{job.id}", where="task")).json()
        raw = str(data.get("status") or "")
        status: Any = _STATUS.get(raw, "running")
        result = PollResult(status=status, raw=data)
        if status == "succeeded":
            url = (data.get("content") or {}).get("video_url")
            result.output_urls = [str(url)] if url else []
            tokens = (data.get("usage") or {}).get("completion_tokens")
            if isinstance(tokens, int | float):
                model = str(job.data.get("model") or data.get("model") or "")
                result.actual_usd = tokens_usd(model, float(tokens), bool(data.get("generate_audio")))
        elif status == "failed":
            result.error = self._failure(job.id, raw, data.get("error") or {})
            result.billable = False
        return result

    def _failure(self, task_id: str, raw: str, error: dict[str, Any]) -> ReelforgeError:
        code = str(error.get("code") or "")
        reason = str(error.get("message") or "no reason given")
        text = f"seedance task {task_id} {raw} ({code or 'no code'}): {reason}"
        if "SensitiveContentDetected" in code:
            exc: ReelforgeError = moderation(text, code)
        elif raw == "expired":
            exc = GenerationFailed(f"{text}. The task waited past its execution window; try again", stage="queue")
        else:
            exc = GenerationFailed(f"{text}. Try again", stage="generation")
        scrub_secret(exc, self.secret)
        return exc

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        """Ark cancels a queued task; a running one answers an error and runs on (the template ignores it)."""
        await self.call(client, "DELETE", f"/contents/generations/tasks/{job.id}", where="cancel")


def tokens_usd(model: str, tokens: float, audio: bool = False) -> float | None:
    """What ModelArk bills for ``tokens`` output tokens of ``model``: the rule's price per million tokens."""
    rule = find_rule("seedance", model)
    if rule is None or "usd_per_million_tokens" not in rule:
        return None
    price = float(rule["usd_per_million_tokens"]) * (float(rule.get("audio_multiplier", 1.0)) if audio else 1.0)
    return round(tokens / 1_000_000 * price, 4)


__all__ = ["MODELS", "SIZES", "SeedanceBackend", "SeedanceConfig", "ark_error", "moderation", "tokens_usd"]
