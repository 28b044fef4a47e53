"""Runway's developer API (https://docs.dev.runwayml.com), API version 2024-11-06.

One billable ``POST /v1/text_to_video`` or ``POST /v1/image_to_video`` returns a task id; ``GET
/v1/tasks/{id}`` reports PENDING, THROTTLED (accepted, waiting for a free slot), RUNNING with progress,
SUCCEEDED with signed output URLs (valid 24-48 h), FAILED with a ``failureCode``, or CANCELLED;
``DELETE /v1/tasks/{id}`` cancels. Prices are credits per second at $0.01 a credit.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from ..errors import ContentRejected, GenerationFailed, InvalidRequest, ReelforgeError
from ..media.inputs import MediaRef
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult
from .http import ProviderClient

RUNWAY_VERSION = "2024-11-06"
_GEN4_RATIOS = {
    "16:9": "1280:720",
    "9:16": "720:1280",
    "4:3": "1104:832",
    "1:1": "960:960",
    "3:4": "832:1104",
    "21:9": "1584:672",
}
_VEO_RATIOS = {
    ("16:9", "720p"): "1280:720",
    ("9:16", "720p"): "720:1280",
    ("16:9", "1080p"): "1920:1080",
    ("9:16", "1080p"): "1080:1920",
}
_VEO_MODELS = ("veo3.1", "veo3.1_fast", "veo3")
_STATUS = {
    "PENDING": "queued",
    "THROTTLED": "queued",
    "RUNNING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "CANCELLED": "cancelled",
}
_IMAGE_LIMIT = 3_700_000  # data URIs may be 5 MB once base64-encoded


def _gen4(name: str, operations: tuple[str, ...], notes: str) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=operations,
        durations=tuple(float(d) for d in range(2, 11)),
        resolutions={"720p": (1280, 720)},
        aspect_ratios=tuple(_GEN4_RATIOS),
        prompt_max_chars=1000,
        prompt_required=name == "gen4.5",
        negative_prompt=False,
        max_image_bytes=_IMAGE_LIMIT,
        notes=notes,
    )


def _veo(name: str, durations: tuple[float, ...], notes: str) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=("text-to-video", "image-to-video"),
        durations=durations,
        resolutions={"720p": (1280, 720), "1080p": (1920, 1080)},
        aspect_ratios=("16:9", "9:16"),
        prompt_max_chars=1000,
        last_frame=name != "veo3",
        seed=False,
        audio_output=True,
        max_image_bytes=_IMAGE_LIMIT,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _gen4("gen4.5", ("text-to-video", "image-to-video"), "text-to-video takes 16:9 or 9:16 only"),
    _gen4("gen4_turbo", ("image-to-video",), "image-to-video only; prompt optional"),
    _veo("veo3.1", (4.0, 6.0, 8.0), "Google Veo 3.1 through Runway; first/last frame; audio optional"),
    _veo("veo3.1_fast", (4.0, 6.0, 8.0), "Google Veo 3.1 Fast through Runway; first/last frame; audio optional"),
    _veo("veo3", (8.0,), "Google Veo 3 through Runway; 8 s with audio"),
)


class RunwayConfig(HostedConfig):
    api_version: str = RUNWAY_VERSION


class RunwayBackend(HostedBackend):
    name = "runway"
    description = "Runway API: Gen-4.5, Gen-4 Turbo and Veo 3/3.1 (text- and image-to-video)"
    config_model: ClassVar[type[BackendConfig]] = RunwayConfig
    secret_env = ("RUNWAY_API_KEY", "RUNWAYML_API_SECRET")
    default_base_url = "https://api.dev.runwayml.com"

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    def headers(self) -> dict[str, str]:
        cfg: Any = self.config
        return {"Authorization": f"Bearer {self.secret}", "X-Runway-Version": cfg.api_version}

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        problems: dict[str, str] = {}
        if plan.model == "gen4.5" and not plan.prompt:
            problems["prompt"] = "gen4.5 needs a prompt for image-to-video too: describe the motion"
        if plan.model == "gen4.5" and plan.operation == "text-to-video" and plan.aspect_ratio not in ("16:9", "9:16"):
            snapped = "16:9" if plan.width >= plan.height else "9:16"
            plan.warnings.append(
                f"aspect_ratio {plan.aspect_ratio} snapped to {snapped} (gen4.5 text-to-video takes 16:9 or 9:16)"
            )
            plan.aspect_ratio = snapped
        if plan.negative_prompt and plan.operation == "text-to-video":
            plan.warnings.append(f"negative_prompt ignored: {plan.model} takes one for image-to-video only")
            plan.negative_prompt = None
        if plan.model in ("veo3.1", "veo3.1_fast"):
            plan.extra["generate_audio"] = bool(plan.extra.get("generate_audio", True))
        elif plan.model == "veo3":
            if plan.extra.get("generate_audio") is False:
                plan.warnings.append("generate_audio=false ignored: veo3 on Runway always generates audio")
            plan.extra["generate_audio"] = True
        if problems:
            raise InvalidRequest(problems)
        w, h = (int(v) for v in self._ratio(plan).split(":"))
        plan.width, plan.height = w, h
        return plan

    def _ratio(self, plan: Plan) -> str:
        if plan.model in _VEO_MODELS:
            return _VEO_RATIOS[(plan.aspect_ratio, plan.resolution)]
        return _GEN4_RATIOS[plan.aspect_ratio]

    # -- the provider's part ---------------------------------------------------------------------------
    @staticmethod
    def _uri(ref: MediaRef) -> str:
        return ref.url or ref.data_uri()

    def body(self, plan: Plan) -> dict[str, Any]:
        body: dict[str, Any] = {"model": plan.model, "ratio": self._ratio(plan), "duration": round(plan.duration_s)}
        if plan.prompt:
            body["promptText"] = plan.prompt
        if plan.seed is not None:
            body["seed"] = plan.seed
        if plan.model in ("veo3.1", "veo3.1_fast"):
            body["audio"] = bool(plan.extra.get("generate_audio"))
        if plan.negative_prompt:
            body["negativePrompt"] = plan.negative_prompt
        if plan.image is not None:
            if plan.last_frame is not None:
                body["promptImage"] = [
                    {"uri": self._uri(plan.image), "position": "first"},
                    {"uri": self._uri(plan.last_frame), "position": "last"},
                ]
            else:
                body["promptImage"] = self._uri(plan.image)
        body.update({k: v for k, v in plan.extra.items() if k != "generate_audio"})  # e.g. contentModeration
        return body

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        path = "/v1/image_to_video" if plan.image is not None else "/v1/text_to_video"
        body = await asyncio.to_thread(self.body, plan)  # local images are read and encoded off the event loop
        response = await self.call(client, "POST", path, json=body)
        task_id = response.json().get("id")
        if not task_id:
            raise GenerationFailed(f"runway accepted the request but returned no task id: {response.text[:200]}")
        return self.job(str(task_id))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", f"/v1/tasks/{job.id}")).json()
        raw_status = str(data.get("status", "")).upper()
        status: Any = _STATUS.get(raw_status, "running")  # unknown new states: keep polling, the loop is bounded
        progress = data.get("progress")
        result = PollResult(status=status, progress=float(progress) if progress is not None else None, raw=data)
        if status == "succeeded":
            result.output_urls = [u for u in data.get("output") or [] if isinstance(u, str)]
        elif status == "failed":
            result.error = failure_error(job.id, data)
            result.billable = bool(getattr(result.error, "billable", False))
        return result

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        await self.call(client, "DELETE", f"/v1/tasks/{job.id}")


def failure_error(job_id: str, data: dict[str, Any]) -> ReelforgeError:
    """Map a FAILED task onto the error tree. SAFETY.* is moderation (billed by Runway, never retry)."""
    code = str(data.get("failureCode") or "")
    reason = str(data.get("failure") or "no reason given")
    where = f"runway task {job_id} failed ({code or 'no failure code'}): {reason}"
    if code.startswith("SAFETY.") or ".SAFETY." in code:
        stage = "output" if ".OUTPUT" in code else "input"
        return ContentRejected(
            f"{where}. Runway's moderation rejected the {stage}; change the prompt or image "
            "(moderated generations are charged; do not retry as is)",
            stage=stage,
            billable=True,
        )
    if code.startswith("ASSET.") or code.startswith("INPUT_PREPROCESSING."):
        return GenerationFailed(f"{where}. Check the input image (format, size, reachable URL)", stage="input")
    return GenerationFailed(f"{where}. This is usually transient; try again", stage="generation")


__all__ = [
    "MODELS",
    "RUNWAY_VERSION",
    "RunwayBackend",
    "RunwayConfig",
    "failure_error",
]
