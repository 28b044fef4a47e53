"""MiniMax Hailuo video generation (https://platform.minimax.io/docs/api-reference/video-generation).

``POST /v1/video_generation`` (one billable call) returns a ``task_id``; ``GET /v1/query/video_generation``
reports Preparing, Queueing, Processing, Success (with a ``file_id``) or Fail; ``GET /v1/files/retrieve``
turns the file id into a signed ``download_url``. Errors arrive as HTTP 200 with ``base_resp.status_code``
other than 0, mapped here onto the error tree. There is no cancel endpoint. Priced per video by
resolution and duration.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, ClassVar

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
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult, scrub_secret
from .http import ProviderClient
from .prices import find_rule
from .validate import ratio_value, size_for

_TIERS = {"512p": (912, 512), "720p": (1280, 720), "768p": (1366, 768), "1080p": (1920, 1080)}
_STATUS = {
    "Preparing": "queued",
    "Queueing": "queued",
    "Processing": "running",
    "Success": "succeeded",
    "Fail": "failed",
}
T2V, I2V = "text-to-video", "image-to-video"


def _spec(
    name: str,
    ops: tuple[str, ...],
    tiers: tuple[str, ...],
    durations: tuple[float, ...],
    last_frame: bool = False,
    notes: str = "",
) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=ops,
        durations=durations,
        fps=(25.0,),
        default_fps=25.0,
        resolutions={t: _TIERS[t] for t in tiers},
        default_resolution=tiers[1] if len(tiers) > 2 else tiers[0],
        aspect_ratios=(),
        prompt_max_chars=2000,
        prompt_required=True,
        last_frame=last_frame,
        negative_prompt=False,
        seed=False,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _spec(
        "MiniMax-Hailuo-02",
        (T2V, I2V),
        ("512p", "768p", "1080p"),
        (6.0, 10.0),
        last_frame=True,
        notes="first/last frame; 512p for image-to-video; 1080p at 6 s; 10 s at 512p/768p",
    ),
    _spec("MiniMax-Hailuo-2.3", (T2V, I2V), ("768p", "1080p"), (6.0, 10.0), notes="1080p at 6 s only"),
    _spec("MiniMax-Hailuo-2.3-Fast", (I2V,), ("768p", "1080p"), (6.0, 10.0), notes="image-to-video; 1080p at 6 s"),
    _spec("T2V-01-Director", (T2V,), ("720p",), (6.0,), notes="camera moves as [Pan left] etc. in the prompt"),
    _spec("T2V-01", (T2V,), ("720p",), (6.0,)),
    _spec("I2V-01-Director", (I2V,), ("720p",), (6.0,)),
    _spec("I2V-01-live", (I2V,), ("720p",), (6.0,), notes="for illustrations and 2D art"),
    _spec("I2V-01", (I2V,), ("720p",), (6.0,)),
)


def base_error(data: dict[str, Any], where: str) -> ReelforgeError | None:
    """The error-tree exception for a ``base_resp`` whose status_code is not 0 (None when it is 0)."""
    base = data.get("base_resp") or {}
    code = int(base.get("status_code") or 0)
    if code == 0:
        return None
    text = f"minimax {where} error {code}: {base.get('status_msg') or 'no message'}"
    if code in (1002, 1039):
        return RateLimited(f"{text}; slow down or wait")
    if code in (1004, 2049):
        return AuthError(f"{text}; check MINIMAX_API_KEY (and that it belongs to this region's endpoint)")
    if code == 1008:
        return BackendUnavailable(f"{text}; the MiniMax account balance is too low: top it up")
    if code in (1026, 1027):
        stage = "input" if code == 1026 else "output"
        return ContentRejected(
            f"{text}; MiniMax flagged the {stage} as sensitive: change the prompt or image", stage=stage
        )
    if code == 2013:
        return InvalidRequest({"provider": f"{text}; the parameters do not fit this model"})
    return ProviderError(text, retryable=code in (1000, 1001, 1024, 1033), submitted=True)


class MinimaxConfig(HostedConfig):
    group_id: str | None = None  # older accounts pass GroupId to /v1/files/retrieve
    poll_interval_s: float = 10.0


class MinimaxBackend(HostedBackend):
    name = "minimax"
    description = "MiniMax Hailuo 02 / 2.3 and 01 models (text- and image-to-video, first/last frame)"
    config_model: ClassVar[type[BackendConfig]] = MinimaxConfig
    secret_env = ("MINIMAX_API_KEY",)
    default_base_url = "https://api.minimax.io"

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        spec = self.model_spec(plan.model)
        if plan.resolution == "512p" and plan.operation == T2V:
            self._snap_tier(plan, "768p", "512p is for image-to-video only")
        if plan.resolution == "1080p" and plan.duration_s > 6:
            self._snap_tier(plan, "768p", f"{plan.model} makes 1080p at 6 s only")
        image = plan.image
        if plan.operation == I2V and image is not None and image.width and image.height:
            g = math.gcd(image.width, image.height)
            aspect = f"{image.width // g}:{image.height // g}"
            if request.aspect_ratio and abs(ratio_value(request.aspect_ratio) - image.width / image.height) > 0.03:
                plan.warnings.append(
                    f"aspect_ratio {request.aspect_ratio} ignored: MiniMax keeps the first "
                    f"frame's aspect ratio ({aspect})"
                )
            plan.aspect_ratio = aspect
        elif plan.operation == T2V and plan.aspect_ratio != "16:9":
            plan.warnings.append(f"aspect_ratio {plan.aspect_ratio} snapped to 16:9 (MiniMax text-to-video is 16:9)")
            plan.aspect_ratio = "16:9"
        if plan.extra.pop("generate_audio", None):
            plan.warnings.append("generate_audio ignored: MiniMax video is silent")
        short = min(spec.resolutions[plan.resolution])
        plan.width, plan.height = size_for(short, plan.aspect_ratio, 2)
        return plan

    @staticmethod
    def _snap_tier(plan: Plan, tier: str, why: str) -> None:
        plan.warnings.append(f"resolution {plan.resolution} snapped to {tier} ({why})")
        plan.resolution = tier

    def estimate_cost(self, plan: Plan) -> float | None:
        """Per video, keyed by resolution and duration (``"768p_6s"``) or one flat price; None without a rule."""
        rule = find_rule(self.name, plan.model)
        if rule is None:
            return None
        price = rule.get("usd_per_video", 0.0)
        if isinstance(price, dict):
            key = f"{plan.resolution}_{round(plan.duration_s)}s"
            price = price.get(key, max(price.values()))  # unknown combination: never under-estimate
        return round(float(price), 4)

    # -- the provider's part ---------------------------------------------------------------------------
    def _error(self, data: dict[str, Any], where: str) -> ReelforgeError | None:
        error = base_error(data, where)
        if error is not None:
            scrub_secret(error, self.secret)  # errors here come in the body of a 200, past the HTTP layer
        return error

    def body(self, plan: Plan) -> dict[str, Any]:
        body: dict[str, Any] = {"model": plan.model, "prompt": plan.prompt or "", "duration": round(plan.duration_s)}
        if not plan.model.startswith(("T2V-01", "I2V-01")):
            body["resolution"] = plan.resolution.upper()
        if plan.image is not None:
            body["first_frame_image"] = plan.image.url or plan.image.data_uri()
        if plan.last_frame is not None:
            body["last_frame_image"] = plan.last_frame.url or plan.last_frame.data_uri()
        body.update(plan.extra)  # prompt_optimizer, fast_pretreatment, aigc_watermark, callback_url
        return body

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = await asyncio.to_thread(self.body, plan)  # local images are read and encoded off the event loop
        data = (await self.call(client, "POST", "/v1/video_generation", json=body)).json()
        if (error := self._error(data, "submit")) is not None:
            raise error
        if not data.get("task_id"):
            raise GenerationFailed(f"minimax accepted the request but returned no task_id: {str(data)[:200]}")
        return self.job(str(data["task_id"]))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        data = (await self.call(client, "GET", "/v1/query/video_generation", params={"task_id": job.id})).json()
        status: Any = _STATUS.get(str(data.get("status")), "running")
        error = self._error(data, "task")
        if status == "failed" or (error is not None and isinstance(error, ContentRejected)):
            error = error or GenerationFailed(f"minimax task {job.id} failed; try again", stage="generation")
            return PollResult(status="failed", error=error, billable=False, raw=data)
        if error is not None:
            raise error  # rate limit, auth: the template retries what is transient
        result = PollResult(status=status, raw=data)
        if status == "succeeded":
            result.output_urls = [await self._download_url(str(data.get("file_id") or ""), client)]
        return result

    async def _download_url(self, file_id: str, client: ProviderClient) -> str:
        if not file_id:
            raise GenerationFailed("minimax reported success without a file_id", billable=True)
        params = {"file_id": file_id}
        group_id: Any = getattr(self.config, "group_id", None)
        if group_id:
            params["GroupId"] = group_id
        data = (await self.call(client, "GET", "/v1/files/retrieve", params=params)).json()
        if (error := self._error(data, "file")) is not None:
            raise error
        url = (data.get("file") or {}).get("download_url")
        if not url:
            raise ProviderError(f"minimax file {file_id} has no download_url yet", retryable=True)
        return str(url)


__all__ = [
    "MODELS",
    "MinimaxBackend",
    "MinimaxConfig",
    "base_error",
]
