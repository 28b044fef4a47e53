"""Alibaba Wan through Model Studio (DashScope): asynchronous video synthesis tasks.

``POST /api/v1/services/aigc/video-generation/video-synthesis`` with ``X-DashScope-Async: enable`` (the one
billable call; first-and-last-frame models use ``/api/v1/services/aigc/image2video/video-synthesis``) answers
``output.task_id`` with ``task_status`` PENDING. ``GET /api/v1/tasks/{task_id}`` reports PENDING, RUNNING,
SUCCEEDED (with ``output.video_url``, a signed URL valid 24 h), FAILED (with ``output.code`` and
``output.message``), CANCELED, or UNKNOWN (no such task: ids expire after 24 h).
``POST /api/v1/tasks/{task_id}/cancel`` cancels a task still PENDING. Errors are HTTP statuses with
``{"code", "message", "request_id"}``: ``Throttling*`` (429) is a rate limit, ``Arrearage`` an account in
arrears, ``DataInspectionFailed`` the content inspection refusing the input or output. Keys and endpoints are
per region (Singapore ``dashscope-intl``, Virginia ``dashscope-us``, Beijing ``dashscope``). Priced per
second of output by resolution tier.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, ClassVar

import httpx

from ..errors import (
    BackendUnavailable,
    ContentRejected,
    GenerationFailed,
    RateLimited,
    ReelforgeError,
)
from ..http_errors import error_text, retry_after_seconds
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult
from .http import ProviderClient
from .validate import size_for

T2V, I2V = "text-to-video", "image-to-video"
SYNTHESIS = "/api/v1/services/aigc/video-generation/video-synthesis"
KEYFRAMES = "/api/v1/services/aigc/image2video/video-synthesis"
_STATUS = {"PENDING": "queued", "RUNNING": "running", "SUCCEEDED": "succeeded", "CANCELED": "cancelled"}
#: (tier, aspect ratio) -> "W*H" as DashScope's text-to-video ``size`` takes it
SIZES: dict[str, dict[str, str]] = {
    "480p": {"16:9": "832*480", "9:16": "480*832", "1:1": "624*624"},
    "720p": {"16:9": "1280*720", "9:16": "720*1280", "1:1": "960*960", "4:3": "1088*832", "3:4": "832*1088"},
    "1080p": {"16:9": "1920*1080", "9:16": "1080*1920", "1:1": "1440*1440", "4:3": "1632*1248", "3:4": "1248*1632"},
}
_TIERS = {"480p": (832, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


def _spec(
    name: str,
    op: str,
    tiers: tuple[str, ...],
    durations: tuple[float, ...],
    prompt_max: int,
    fps: float,
    audio: bool = False,
    last_frame: bool = False,
    notes: str = "",
) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=(op,),
        durations=durations,
        fps=(fps,),
        default_fps=fps,
        resolutions={t: _TIERS[t] for t in tiers},
        default_resolution="720p" if "720p" in tiers else tiers[-1],
        aspect_ratios=("16:9", "9:16", "1:1", "4:3", "3:4"),
        prompt_max_chars=prompt_max,
        prompt_required=op == T2V,
        last_frame=last_frame,
        audio_output=audio,
        max_image_bytes=10 * 1024 * 1024,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _spec("wan2.6-t2v", T2V, ("720p", "1080p"), (5.0, 10.0, 15.0), 1500, 30.0, audio=True, notes="audio; multi-shot"),
    _spec("wan2.5-t2v-preview", T2V, ("480p", "720p", "1080p"), (5.0, 10.0), 2000, 24.0, audio=True),
    _spec("wan2.2-t2v-plus", T2V, ("480p", "1080p"), (5.0,), 800, 30.0, notes="silent, 5 s"),
    _spec(
        "wan2.6-i2v", I2V, ("720p", "1080p"), (5.0, 10.0, 15.0), 1500, 30.0, audio=True, notes="keeps the image's shape"
    ),
    _spec("wan2.5-i2v-preview", I2V, ("480p", "720p", "1080p"), (5.0, 10.0), 2000, 24.0, audio=True),
    _spec("wan2.2-i2v-plus", I2V, ("480p", "1080p"), (5.0,), 800, 30.0, notes="silent, 5 s"),
    _spec("wan2.1-kf2v-plus", I2V, ("720p",), (5.0,), 800, 30.0, last_frame=True, notes="first and last frame"),
)
#: a text-to-video model given an image runs its image-to-video sibling (a last frame: the keyframe model)
SIBLINGS = {
    "wan2.6-t2v": "wan2.6-i2v",
    "wan2.5-t2v-preview": "wan2.5-i2v-preview",
    "wan2.2-t2v-plus": "wan2.2-i2v-plus",
}
KEYFRAME_MODEL = "wan2.1-kf2v-plus"


def code_error(
    status: int, code: str, message: str, where: str, retry_after: float | None = None, stage: str = "input"
) -> ReelforgeError | None:
    """The error for a DashScope ``code`` that says more than its HTTP status (None: the status decides)."""
    text = f"wan {where} ({code or status}): {message or 'no message'}"
    if code.startswith("Throttling") or status == 429:
        return RateLimited(f"{text}; slow down or raise the quota", retry_after=retry_after)
    if code == "Arrearage" or code.startswith("AllocationQuota"):
        return BackendUnavailable(f"{text}; the Model Studio account is in arrears or out of free quota: top it up")
    if code.startswith("DataInspectionFailed") or code == "IPInfringementSuspect":
        return ContentRejected(
            f"{text}; Model Studio's content inspection refused the {stage}: change the prompt or image", stage=stage
        )
    return None


class WanConfig(HostedConfig):
    poll_interval_s: float = 15.0  # the documented polling pace


class WanBackend(HostedBackend):
    name = "wan"
    description = "Alibaba Wan 2.6 / 2.5 / 2.2 on Model Studio (DashScope): text-, image- and keyframe-to-video"
    config_model: ClassVar[type[BackendConfig]] = WanConfig
    secret_env = ("DASHSCOPE_API_KEY",)
    default_base_url = "https://dashscope-intl.aliyuncs.com"

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        model = request.model or self.default_model
        wanted = KEYFRAME_MODEL if request.last_frame is not None else SIBLINGS.get(model)
        if request.image is not None and wanted and wanted != model:
            plan = super().validate(request.model_copy(update={"model": wanted}))
            plan.warnings.insert(0, f"model {model} runs image input as {wanted}")
        else:
            plan = super().validate(request)
        if T2V in self.model_spec(plan.model).operations:
            table = SIZES[plan.resolution]
            if plan.aspect_ratio not in table:
                snapped = min(table, key=lambda a: abs(math.log(_ratio(a) / _ratio(plan.aspect_ratio))))
                plan.warnings.append(
                    f"aspect_ratio {plan.aspect_ratio} snapped to {snapped} (none at {plan.resolution})"
                )
                plan.aspect_ratio = snapped
            plan.width, plan.height = (int(v) for v in table[plan.aspect_ratio].split("*"))
        elif plan.image is not None and plan.image.width and plan.image.height:
            g = math.gcd(plan.image.width, plan.image.height)
            plan.aspect_ratio = f"{plan.image.width // g}:{plan.image.height // g}"
            plan.width, plan.height = size_for(min(_TIERS[plan.resolution]), plan.aspect_ratio, 2)
        if not self.model_spec(plan.model).audio_output and plan.extra.pop("generate_audio", None):
            plan.warnings.append(f"generate_audio ignored: {plan.model} is silent")
        return plan

    # -- the provider's part ---------------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    def response_error(self, response: httpx.Response, where: str) -> ReelforgeError | None:
        """DashScope's codes (rate limit, arrears, content inspection) read first."""
        if response.status_code < 400:
            return None
        try:
            code = str(response.json().get("code") or "")
        except (ValueError, AttributeError):
            code = ""
        retry = retry_after_seconds(response)
        return code_error(response.status_code, code, error_text(response), "refused the request", retry)

    def body(self, plan: Plan) -> dict[str, Any]:
        inputs: dict[str, Any] = {"prompt": plan.prompt} if plan.prompt else {}
        if plan.negative_prompt:
            inputs["negative_prompt"] = plan.negative_prompt
        params: dict[str, Any] = {"duration": round(plan.duration_s), "prompt_extend": True, "watermark": False}
        if plan.model == KEYFRAME_MODEL:
            inputs["first_frame_url"] = _uri(plan.image)
            if plan.last_frame is not None:
                inputs["last_frame_url"] = _uri(plan.last_frame)
            params["resolution"] = plan.resolution.upper()
        elif plan.image is not None:
            inputs["img_url"] = _uri(plan.image)
            params["resolution"] = plan.resolution.upper()
        else:
            params["size"] = f"{plan.width}*{plan.height}"
        if plan.seed is not None:
            params["seed"] = plan.seed
        if plan.audio is not None:
            inputs["audio_url"] = _uri(plan.audio)
        extra = dict(plan.extra)
        if "generate_audio" in extra and self.model_spec(plan.model).audio_output:
            params["audio"] = bool(extra.pop("generate_audio"))
        for key in ("prompt_extend", "watermark", "shot_type", "audio"):
            if key in extra:
                params[key] = extra.pop(key)
        extra.pop("generate_audio", None)
        inputs.update(extra)
        return {"model": plan.model, "input": inputs, "parameters": params}

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        path = KEYFRAMES if plan.model == KEYFRAME_MODEL else SYNTHESIS
        body = await asyncio.to_thread(self.body, plan)  # local images are read and encoded off the event loop
        response = await self.call(client, "POST", path, json=body, headers={"X-DashScope-Async": "enable"})
        task_id = (response.json().get("output") or {}).get("task_id")
        if not task_id:
            raise GenerationFailed(f"wan accepted the request but returned no task_id: {response.text[:200]}")
        return self.job(str(task_id))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", f"/api/v1/tasks/{job.id}")).json()
        output = data.get("output") or {}
        raw = str(output.get("task_status") or "")
        if raw in ("FAILED", "UNKNOWN"):
            return PollResult(status="failed", error=failure_error(job.id, output), billable=False, raw=data)
        status: Any = _STATUS.get(raw, "running")  # new states: keep polling, the loop is bounded
        result = PollResult(status=status, raw=data)
        if status == "succeeded":
            url = output.get("video_url")
            result.output_urls = [str(url)] if url else []
        return result

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        """DashScope cancels a task still PENDING; a running one finishes (and is billed)."""
        await self.call(client, "POST", f"/api/v1/tasks/{job.id}/cancel")


def _uri(ref: Any) -> str:
    return ref.url or ref.data_uri()


def _ratio(aspect: str) -> float:
    w, h = (float(v) for v in aspect.split(":"))
    return w / h


def failure_error(task_id: str, output: dict[str, Any]) -> ReelforgeError:
    """A FAILED (or UNKNOWN) task as an error of the tree, with DashScope's code and message."""
    code = str(output.get("code") or "")
    message = str(output.get("message") or "no reason given")
    if output.get("task_status") == "UNKNOWN":
        return GenerationFailed(f"wan task {task_id} is unknown: task ids expire after 24 h", stage="poll")
    stage = "output" if "output" in message.lower() else "input"
    error = code_error(400, code, message, f"task {task_id} failed", stage=stage)
    if error is not None:
        return error
    where = f"wan task {task_id} failed ({code or 'no code'}): {message}"
    if code.startswith("InvalidParameter") or code == "InvalidURL":
        return GenerationFailed(f"{where}. Check the inputs (image format, size, reachable URL)", stage="input")
    return GenerationFailed(f"{where}. This is usually transient; try again", stage="generation")


__all__ = ["KEYFRAME_MODEL", "MODELS", "SIBLINGS", "SIZES", "WanBackend", "WanConfig", "code_error", "failure_error"]
