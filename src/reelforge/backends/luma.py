"""Luma Dream Machine API (https://docs.lumalabs.ai): Ray 2 and Ray Flash 2 video generations.

``POST /dream-machine/v1/generations/video`` (the one billable call) answers 201 with a Generation whose
``state`` is queued; ``GET /dream-machine/v1/generations/{id}`` reports queued, dreaming, completed (with
``assets.video``) or failed (with ``failure_reason``); ``DELETE /dream-machine/v1/generations/{id}``
removes the generation, which is how a run is cancelled. Images go as keyframes that Luma fetches itself
(``{"frame0": {"type": "image", "url": ...}, "frame1": ...}``), so they must be public URLs. Errors are
HTTP statuses with ``{"detail": ...}``: 429 for the rate and concurrency limits, "insufficient credits"
for an empty balance, "moderation" in a refusal or a failure reason for the content filter. Priced per
video by resolution and duration (Luma bills output pixels).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from ..errors import (
    BackendUnavailable,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ReelforgeError,
)
from ..http_errors import error_text
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult
from .http import ProviderClient
from .prices import find_rule

T2V, I2V = "text-to-video", "image-to-video"
_STATUS = {"queued": "queued", "dreaming": "running", "completed": "succeeded", "failed": "failed"}
_TIERS = {"540p": (960, 540), "720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")


def _spec(name: str, notes: str) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=(T2V, I2V),
        durations=(5.0, 9.0),
        fps=(24.0,),
        default_fps=24.0,
        resolutions=dict(_TIERS),
        default_resolution="720p",
        aspect_ratios=ASPECT_RATIOS,
        prompt_max_chars=4000,  # Luma documents no limit: a cap of ours, well above what prompts need
        last_frame=True,
        negative_prompt=False,
        seed=False,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _spec("ray-2", "Ray 2: first/last frame keyframes, loop; 1080p and 4k are upscaled"),
    _spec("ray-flash-2", "Ray Flash 2: faster and about a third of Ray 2's price"),
)


def _remote(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.startswith(("http://", "https://")))


def detail_error(status: int, detail: str, where: str) -> ReelforgeError | None:
    """The error for a Luma refusal whose words say more than its status (None: the status decides)."""
    lower = detail.lower()
    text = f"luma {where} ({status}): {detail or 'no detail'}"
    if "credit" in lower or status == 402:
        return BackendUnavailable(f"{text}; the Luma API balance is too low: buy credits")
    if "moderat" in lower or "not allowed" in lower:
        stage = "output" if "output" in lower or "video" in lower else "input"
        return ContentRejected(f"{text}; Luma's moderation refused the {stage}: change the prompt or image", stage)
    return None


class LumaConfig(HostedConfig):
    poll_interval_s: float = 5.0


class LumaBackend(HostedBackend):
    name = "luma"
    description = "Luma Dream Machine API: Ray 2 and Ray Flash 2 (text-to-video, first/last frame keyframes)"
    config_model: ClassVar[type[BackendConfig]] = LumaConfig
    secret_env = ("LUMAAI_API_KEY", "LUMA_API_KEY")
    default_base_url = "https://api.lumalabs.ai/dream-machine/v1"
    supports_callback = True  # callback_url: the generation is posted there on each state change (unsigned)

    def callback_params(self, url: str) -> dict[str, Any]:
        return {"callback_url": url}

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    # -- validation and cost ----------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        """Luma fetches keyframe images itself: a local file or bytes is refused with the other problems."""
        problems = {
            field: f"Luma fetches keyframes itself: give {field} as a public http(s) URL, not a local file"
            for field in ("image", "last_frame")
            if not _remote(getattr(request, field))
        }
        try:
            plan = super().validate(request)
        except InvalidRequest as exc:
            raise InvalidRequest({**problems, **exc.problems}) from None
        if problems:
            raise InvalidRequest(problems)
        if plan.extra.pop("generate_audio", None):
            plan.warnings.append(f"generate_audio ignored: {plan.model} is silent")
        return plan

    def estimate_cost(self, plan: Plan) -> float | None:
        """Per video, keyed by resolution and duration (``"720p_5s"``); None without a rule."""
        rule = find_rule(self.name, plan.model)
        if rule is None:
            return None
        price = rule.get("usd_per_video", 0.0)
        if isinstance(price, dict):
            price = price.get(f"{plan.resolution}_{round(plan.duration_s)}s", max(price.values()))
        return round(float(price), 4)

    # -- the provider's part ---------------------------------------------------------------------------
    def response_error(self, response: httpx.Response, where: str) -> ReelforgeError | None:
        """Luma's refusals (credits, moderation); auth and rate limits go to the shared mapping."""
        if response.status_code < 400 or response.status_code in (401, 403, 429):
            return None
        return detail_error(response.status_code, error_text(response), "refused the request")

    def body(self, plan: Plan) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": plan.prompt or "",
            "model": plan.model,
            "resolution": plan.resolution,
            "duration": f"{round(plan.duration_s)}s",
            "aspect_ratio": plan.aspect_ratio,
        }
        keyframes = {}
        if plan.image is not None:
            keyframes["frame0"] = {"type": "image", "url": plan.image.url}
        if plan.last_frame is not None:
            keyframes["frame1"] = {"type": "image", "url": plan.last_frame.url}
        if keyframes:
            body["keyframes"] = keyframes
        body.update(plan.extra)  # loop, concepts, callback_url
        return body

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = {**self.body(plan), **self.callback_fields()}  # callback_url, when the run asks for a callback
        response = await self.call(client, "POST", "/generations/video", json=body)
        generation_id = response.json().get("id")
        if not generation_id:
            raise GenerationFailed(f"luma accepted the request but returned no id: {response.text[:200]}")
        return self.job(str(generation_id))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", f"/generations/{job.id}")).json()
        status: Any = _STATUS.get(str(data.get("state")), "running")  # new states: keep polling, bounded
        result = PollResult(status=status, raw=data)
        if status == "succeeded":
            video = (data.get("assets") or {}).get("video")
            result.output_urls = [str(video)] if video else []
        elif status == "failed":
            result.error = failure_error(job.id, str(data.get("failure_reason") or ""))
            result.billable = False
        return result

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        await self.call(client, "DELETE", f"/generations/{job.id}")


def failure_error(generation_id: str, reason: str) -> ReelforgeError:
    """A failed generation as an error of the tree, with Luma's ``failure_reason``."""
    error = detail_error(400, reason, f"generation {generation_id} failed")
    if error is not None:
        return error
    where = f"luma generation {generation_id} failed: {reason or 'no reason given'}"
    if "image" in reason.lower() or "keyframe" in reason.lower():
        return GenerationFailed(f"{where}. Check the keyframe URLs (reachable, an image)", stage="input")
    return GenerationFailed(f"{where}. This is usually transient; try again", stage="generation")


__all__ = ["ASPECT_RATIOS", "MODELS", "LumaBackend", "LumaConfig", "detail_error", "failure_error"]
