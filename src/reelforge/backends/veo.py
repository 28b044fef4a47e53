"""Google Veo through the Gemini API (https://ai.google.dev/gemini-api/docs/video), key in ``x-goog-api-key``.

``POST {base}/models/{model}:predictLongRunning`` starts one billable long-running operation; ``GET
{base}/{operation name}`` polls it. A finished operation holds ``response.generateVideoResponse
.generatedSamples[].video.uri`` (downloaded with the key; it may redirect to storage, where the key is not
sent), or ``error`` (a google.rpc.Status). Results the safety filter removed come back done with no
samples and ``raiMediaFilteredReasons``: that is ``ContentRejected(stage="output")``, not billed.
The shared parsing here serves ``vertex.py`` too.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from ..errors import (
    AuthError,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    ReelforgeError,
)
from ..http_errors import map_transport_errors, raise_for_status
from ..media.inputs import MediaRef
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult
from .http import ProviderClient

_SAFETY_WORDS = ("responsible ai", "usage guidelines", "safety", "sensitive", "prohibited", "violate")


def veo_spec(name: str, durations: tuple[float, ...], hd: bool, last_frame: bool, audio: bool, notes: str) -> ModelSpec:
    tiers = {"720p": (1280, 720), "1080p": (1920, 1080)} if hd else {"720p": (1280, 720)}
    return ModelSpec(
        name=name,
        operations=("text-to-video", "image-to-video"),
        durations=durations,
        fps=(24.0,),
        resolutions=tiers,
        aspect_ratios=("16:9", "9:16"),
        prompt_max_chars=4000,
        last_frame=last_frame,
        audio_output=audio,
        notes=notes,
    )


VEO3 = (4.0, 6.0, 8.0)
MODELS: tuple[ModelSpec, ...] = (
    veo_spec("veo-3.1-generate-preview", VEO3, True, True, True, "audio always on; 1080p at 8 s only"),
    veo_spec("veo-3.1-fast-generate-preview", VEO3, True, True, True, "audio always on; 1080p at 8 s only"),
    veo_spec("veo-3.0-generate-001", (8.0,), True, False, True, "audio always on; 1080p in 16:9 only"),
    veo_spec("veo-3.0-fast-generate-001", (8.0,), True, False, True, "audio always on; 1080p in 16:9 only"),
    veo_spec("veo-2.0-generate-001", (5.0, 6.0, 7.0, 8.0), False, False, False, "silent; 720p"),
)


def google_failure(error: dict[str, Any], who: str) -> ReelforgeError:
    """Map a failed operation's google.rpc.Status onto the error tree."""
    status, code = str(error.get("status") or ""), error.get("code")
    message = f"{who} operation failed: {error.get('message') or status or code}"
    if status == "RESOURCE_EXHAUSTED" or code in (8, 429):
        return RateLimited(f"{message} (quota exhausted; wait or raise the quota)")
    if status in ("PERMISSION_DENIED", "UNAUTHENTICATED") or code in (7, 16, 401, 403):
        return AuthError(f"{message}; check the credentials and that the API is enabled for the project")
    if any(w in message.lower() for w in _SAFETY_WORDS):
        return ContentRejected(f"{message}; rephrase the prompt or change the image", stage="input")
    if status in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE") or code in (3, 9, 11, 400):
        return InvalidRequest({"provider": message})
    return GenerationFailed(f"{message}; this is usually transient, try again", stage="generation")


def operation_result(data: dict[str, Any], who: str) -> PollResult:
    """A long-running operation (Gemini API or Vertex) as a ``PollResult``."""
    if not data.get("done"):
        pct = (data.get("metadata") or {}).get("progressPercent")
        return PollResult(status="running", progress=pct / 100 if isinstance(pct, int | float) else None, raw=data)
    if data.get("error"):
        return PollResult(status="failed", error=google_failure(data["error"], who), billable=False, raw=data)
    response = data.get("response") or {}
    body = response.get("generateVideoResponse") or response
    urls: list[str] = []
    blobs: list[bytes] = []
    for sample in (body.get("generatedSamples") or []) + (body.get("videos") or []):
        video = sample.get("video", sample) if isinstance(sample, dict) else {}
        if video.get("uri") or video.get("gcsUri"):
            urls.append(video.get("uri") or video["gcsUri"])
        elif video.get("bytesBase64Encoded"):
            blobs.append(base64.b64decode(video["bytesBase64Encoded"]))
    if not urls and not blobs:
        reasons = "; ".join(body.get("raiMediaFilteredReasons") or []) or "no reason given"
        if body.get("raiMediaFilteredCount") or body.get("raiMediaFilteredReasons"):
            error: ReelforgeError = ContentRejected(
                f"{who}: the safety filter removed the video ({reasons}); change the prompt or image (not billed)",
                stage="output",
            )
        else:
            error = GenerationFailed(f"{who} finished without a video: {str(data)[:200]}")
        return PollResult(status="failed", error=error, billable=False, raw=data)
    return PollResult(
        status="succeeded", output_urls=urls, output_bytes=blobs[0] if blobs and not urls else None, raw=data
    )


class VeoConfig(HostedConfig):
    poll_interval_s: float = 10.0  # Google's docs poll every 10 s


class VeoBackend(HostedBackend):
    name = "veo"
    description = "Google Veo 2/3/3.1 through the Gemini API (text- and image-to-video, first/last frame)"
    config_model: ClassVar[type[BackendConfig]] = VeoConfig
    secret_env = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    audio_settable: ClassVar[bool] = False  # the Gemini API takes no generateAudio: Veo 3.x always has sound
    hd_needs_8s: ClassVar[bool] = True  # Veo 3.1 on the Gemini API makes 1080p at 8 s only

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    def headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.secret or ""}

    async def call(self, client: ProviderClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await super().call(client, method, url, **kwargs)
        except InvalidRequest as exc:  # bad keys and refused prompts come back as 400 INVALID_ARGUMENT
            if "api key not valid" in exc.message.lower() or "api_key_invalid" in exc.message.lower():
                raise AuthError(f"{exc.message}; check {self.secret_env[0]}") from None
            if any(w in exc.message.lower() for w in _SAFETY_WORDS):
                raise ContentRejected(
                    f"{exc.message}; rephrase the prompt or change the image", stage="input"
                ) from None
            raise

    # -- validation ----------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        spec = self.model_spec(plan.model)
        self._snap_hd(plan)
        asked = plan.extra.get("generate_audio")
        if not spec.audio_output:
            if asked:
                plan.warnings.append(f"generate_audio ignored: {plan.model} makes silent video")
            plan.extra["generate_audio"] = False
        elif self.audio_settable:
            plan.extra["generate_audio"] = True if asked is None else bool(asked)
        else:
            if asked is False:
                plan.warnings.append(f"generate_audio=false ignored: {plan.model} on the Gemini API always has audio")
            plan.extra["generate_audio"] = True
        return plan

    def _snap_hd(self, plan: Plan) -> None:
        if plan.resolution != "1080p":
            return
        why = None
        if plan.model.startswith("veo-3.1") and plan.duration_s != 8 and self.hd_needs_8s:
            why = f"{plan.model} makes 1080p at 8 s only"
        elif plan.model.startswith("veo-3.0") and plan.aspect_ratio != "16:9":
            why = f"{plan.model} makes 1080p in 16:9 only"
        if why:
            plan.warnings.append(f"resolution 1080p snapped to 720p ({why})")
            plan.resolution, plan.width, plan.height = "720p", plan.width * 2 // 3, plan.height * 2 // 3

    # -- the provider's part ---------------------------------------------------------------------------
    async def image_json(self, ref: MediaRef, client: ProviderClient) -> dict[str, Any]:
        data = await self.input_bytes(ref, client)
        return {"inlineData": {"mimeType": ref.mime or "image/png", "data": base64.b64encode(data).decode()}}

    async def input_bytes(self, ref: MediaRef, client: ProviderClient) -> bytes:
        """Google takes image bytes inline: a URL input is downloaded first (not billable, retried by caller)."""
        if ref.url is None:
            return await asyncio.to_thread(ref.read_bytes)
        try:
            with map_transport_errors(f"{self.name} input {ref.field}", "while fetching it"):
                response = await client.call("GET", ref.url)
        except ProviderError as exc:  # nothing was submitted to the provider yet: safe to retry
            raise ProviderError(exc.message, retryable=True, submitted=False) from None
        raise_for_status(response, who=f"{self.name} input {ref.field}")
        return response.content

    def parameters(self, plan: Plan) -> dict[str, Any]:
        params: dict[str, Any] = {
            "aspectRatio": plan.aspect_ratio,
            "durationSeconds": round(plan.duration_s),
            "sampleCount": 1,
        }
        if self.model_spec(plan.model).resolutions.keys() != {"720p"}:
            params["resolution"] = plan.resolution
        if plan.negative_prompt:
            params["negativePrompt"] = plan.negative_prompt
        if plan.seed is not None:
            params["seed"] = plan.seed
        if self.audio_settable and self.model_spec(plan.model).audio_output:
            params["generateAudio"] = bool(plan.extra.get("generate_audio"))
        params.update({k: v for k, v in plan.extra.items() if k != "generate_audio"})  # personGeneration, ...
        return params

    async def body(self, plan: Plan, client: ProviderClient) -> dict[str, Any]:
        instance: dict[str, Any] = {"prompt": plan.prompt or ""}
        if plan.image is not None:
            instance["image"] = await self.image_json(plan.image, client)
        if plan.last_frame is not None:
            instance["lastFrame"] = await self.image_json(plan.last_frame, client)
        return {"instances": [instance], "parameters": self.parameters(plan)}

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = await self.body(plan, client)
        response = await self.call(client, "POST", f"/models/{plan.model}:predictLongRunning", json=body)
        name = response.json().get("name")
        if not name:
            raise GenerationFailed(f"{self.name} accepted the request but returned no operation name")
        return self.job(str(name))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", f"/{job.id}")).json()
        return operation_result(data, self.name)

    def download_headers(self, job: ProviderJob, url: str) -> dict[str, str]:
        same = urlsplit(url).netloc == urlsplit(self.base_url).netloc
        return self.headers() if same else {}  # the key goes to Google's API host only (the client never
        # sends it on to a redirect's storage host)


__all__ = [
    "MODELS",
    "VEO3",
    "VeoBackend",
    "VeoConfig",
    "google_failure",
    "operation_result",
    "veo_spec",
]
