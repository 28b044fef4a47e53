"""fal queue API: submit to ``queue.fal.run/{model}``, then follow the URLs the submit returns.

``POST {base}/{model id}`` with ``Authorization: Key ...`` answers ``request_id``, ``status_url``,
``response_url`` and ``cancel_url``; those URLs name the app only (``fal-ai/kling-video/requests/{id}``),
not the model's sub-path, so they are used as given. The status URL answers 202 with ``IN_QUEUE`` or
``IN_PROGRESS`` and 200 with ``COMPLETED``; the result then comes from the response URL: the model's
output, or a typed error (``detail[].type``, e.g. ``content_policy_violation``). A provider 5xx on the
result is not billed. ``PUT cancel_url`` cancels. Inputs go as URLs or data URIs.

Actual cost: the result answer carries ``x-fal-billable-units`` (the billed quantity, in the model's own
unit); the Platform API's ``GET /v1/models/pricing?endpoint_id=`` gives the unit price. Their product is
the job's actual cost. The price is asked once per model and process; when it cannot be had (the key is
not an admin key, no network, another currency) the estimate stands.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, ClassVar

from ..errors import ContentRejected, GenerationFailed, InvalidRequest, ProviderError, ReelforgeError
from ..http_errors import map_transport_errors, raise_for_status
from ..types import ModelSpec
from .adapters import ModelEntry, hailuo, kling, talking_head, upscale, wan, wan25_spec
from .base import Plan, ProviderJob
from .catalog import CatalogBackend
from .hosted import HostedConfig, PollResult
from .http import ProviderClient

_STATUS = {
    "IN_QUEUE": "queued",
    "IN_PROGRESS": "running",
    "COMPLETED": "succeeded",
    "FAILED": "failed",
    "CANCELLED": "cancelled",
    "CANCELED": "cancelled",
}
_WAN_T2V = ("16:9", "9:16", "1:1")
_URL_KEYS = ("status_url", "response_url", "cancel_url")
_INPUT_FIELDS = ("prompt", "negative_prompt", "image_url", "audio_url", "video_url", "input")


# long: a data table, one entry per model the host serves
def _catalog() -> dict[str, ModelEntry]:
    wan_fal = partial(wan, audio="audio_url", size="tier", duration_str=True)
    entries = [
        ModelEntry(
            wan25_spec("fal-ai/wan-25-preview/text-to-video", "text-to-video", sd_width=848, aspect_ratios=_WAN_T2V),
            partial(wan_fal, image=None),
        ),
        ModelEntry(
            wan25_spec("fal-ai/wan-25-preview/image-to-video", "image-to-video", sd_width=848, aspect_ratios=()),
            partial(wan_fal, image="image_url"),
        ),
        ModelEntry(
            ModelSpec(
                "fal-ai/kling-video/v2.1/master/text-to-video",
                ("text-to-video",),
                durations=(5, 10),
                fps=(24,),
                resolutions={"1080p": (1920, 1080)},
                default_resolution="1080p",
                aspect_ratios=("16:9", "9:16", "1:1"),
                seed=False,
            ),
            partial(kling, image=None),
        ),
        ModelEntry(
            ModelSpec(
                "fal-ai/kling-video/v2.1/master/image-to-video",
                ("image-to-video",),
                durations=(5, 10),
                fps=(24,),
                resolutions={"1080p": (1920, 1080)},
                default_resolution="1080p",
                prompt_required=False,
                seed=False,
            ),
            partial(kling, image="image_url"),
        ),
        ModelEntry(
            ModelSpec(
                "fal-ai/minimax/hailuo-02/standard/text-to-video",
                ("text-to-video",),
                durations=(6, 10),
                fps=(25,),
                resolutions={"768p": (1366, 768)},
                default_resolution="768p",
                aspect_ratios=("16:9",),
                negative_prompt=False,
                seed=False,
            ),
            partial(hailuo, image=None, duration_str=True, with_resolution=False),
        ),
        ModelEntry(
            ModelSpec(
                "fal-ai/infinitalk",
                ("avatar",),
                min_duration_s=1,
                max_duration_s=600,
                resolutions={"480p": (854, 480), "720p": (1280, 720)},
                default_resolution="480p",
                negative_prompt=False,
                prompt_required=False,
                notes="talking head from a face image and a voice track; length follows the audio",
            ),
            partial(talking_head, image="image_url", audio="audio_url"),
        ),
        ModelEntry(
            ModelSpec(
                "fal-ai/seedvr/upscale/video",
                ("video-to-video",),
                min_duration_s=1,
                max_duration_s=600,
                resolutions={"720p": (1280, 720), "1080p": (1920, 1080), "1440p": (2560, 1440), "2160p": (3840, 2160)},
                default_resolution="1080p",
                prompt_required=False,
                negative_prompt=False,
                notes="upscales the input video",
            ),
            partial(upscale, video="video_url"),
            extra={"upscale_mode": "target"},
        ),
    ]
    return {e.spec.name: e for e in entries}


CATALOG = _catalog()


def _detail(body: Any) -> list[dict[str, Any]]:
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        return [d for d in detail if isinstance(d, dict)]
    return [{"msg": str(detail or body)[:300], "type": ""}]


class FalConfig(HostedConfig):
    platform_url: str = "https://api.fal.ai/v1"  # the Platform API, asked for unit prices
    actual_cost: bool = True  # price the billed units the result reports (one pricing call per model)


class FalBackend(CatalogBackend):
    name = "fal"
    config_model = FalConfig
    description = "fal queue API: Wan 2.5, Kling 2.1, Hailuo 02, InfiniTalk avatars, SeedVR video upscaling"
    secret_env = ("FAL_KEY",)
    default_base_url = "https://queue.fal.run"
    # ?fal_webhook=: the result is posted there when the request ends. fal signs it with ED25519 keys published
    # at a JWKS URL; fetching those is a network call of its own, so a fal callback is taken as a hint to poll
    supports_callback = True

    def callback_params(self, url: str) -> dict[str, Any]:
        return {"fal_webhook": url}

    generic_names: ClassVar[dict[str, str]] = {
        "image": "image_url",
        "video": "video_url",
        "audio": "audio_url",
        "last_frame": "end_image_url",
    }

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        # per model, not per job: USD per billed unit (None: not to be had), and the one pricing call in flight
        self._unit_prices: dict[str, float | None] = {}
        self._pricing: dict[str, asyncio.Task[float | None]] = {}

    def catalog(self) -> dict[str, ModelEntry]:
        return CATALOG

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.secret}"}

    def _queue_urls(self, model: str, request_id: str) -> dict[str, str]:
        """The queue URLs of a request, rebuilt from the model id and the request id."""
        app = "/".join(model.strip("/").split("/")[:2])
        base = f"{self.base_url}/{app}/requests/{request_id}"
        return {"status_url": f"{base}/status", "response_url": base, "cancel_url": f"{base}/cancel"}

    def resumable(self, job: ProviderJob, plan: Plan) -> ProviderJob:
        """A stored request id alone resumes: its URLs follow from the plan's model."""
        if all(k in job.data for k in _URL_KEYS):
            return job
        model = str(job.data.get("model") or plan.model)
        return self.job(job.id, **{**self._queue_urls(model, job.id), **job.data, "model": model})

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = await self.build_body(plan, client)
        hook = self.callback_fields() or None  # ?fal_webhook=, when the run asks for a completion callback
        response = await self.call(client, "POST", f"/{plan.model.strip('/')}", json=body, params=hook)
        data = response.json()
        request_id = str(data.get("request_id") or "")
        if not request_id:
            raise ProviderError(f"{self.name} queued the request but returned no request_id", submitted=True)
        urls = self._queue_urls(plan.model, request_id)
        return self.job(request_id, model=plan.model, **{k: str(data.get(k) or urls[k]) for k in _URL_KEYS})

    @staticmethod
    def _url(job: ProviderJob, kind: str) -> str:
        url = job.data.get(kind)
        if not url:
            raise InvalidRequest({"resume": f"fal request {job.id} carries no {kind}; resume it with its plan"})
        return str(url)

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        response = await self.call(client, "GET", self._url(job, "status_url"))
        data = response.json()
        status = _STATUS.get(str(data.get("status", "")).upper(), "running")
        if status != "succeeded":
            error = None
            if status == "failed":
                error = GenerationFailed(f"{self.name} request {job.id} failed: {data.get('error', '')}"[:300])
            position = data.get("queue_position")
            queued = position if isinstance(position, int) and status == "queued" else None
            return PollResult(status=status, error=error, queue_position=queued, raw=data)  # type: ignore[arg-type]
        return await self._result(job, client)

    async def _result(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        with map_transport_errors(self.name, "fetching the result"):
            response = await client.call("GET", self._url(job, "response_url"), headers=self.headers())
        if response.status_code < 400:
            data = response.json()
            video = data.get("video") or {}
            url = video.get("url") if isinstance(video, dict) else video
            actual = await self._actual_usd(job, response.headers.get("x-fal-billable-units"), client)
            return PollResult(status="succeeded", output_urls=[str(url)] if url else [], raw=data, actual_usd=actual)
        if response.status_code in (401, 403, 429):
            raise_for_status(response, who=self.name, secret_env=self.secret_env[0])
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:300]}
        return PollResult(status="failed", billable=False, error=self._failure(job.id, response.status_code, body))

    async def _actual_usd(self, job: ProviderJob, units: str | None, client: ProviderClient) -> float | None:
        """The billed units priced at the model's unit price, or None when either is unknown."""
        if not units or not self.config.actual_cost:  # type: ignore[attr-defined]
            return None
        try:
            quantity = float(units)
        except ValueError:
            return None
        price = await self._unit_price(str(job.data.get("model") or ""), client)
        return None if price is None else round(quantity * price, 6)

    async def _unit_price(self, model: str, client: ProviderClient) -> float | None:
        """USD per billed unit of ``model`` from the Platform API; asked once, shared by concurrent jobs."""
        if not model:
            return None
        if model in self._unit_prices:
            return self._unit_prices[model]
        task = self._pricing.get(model)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = self._pricing[model] = asyncio.ensure_future(self._ask_price(model, client))
        price = await asyncio.shield(task)
        self._unit_prices[model] = price
        self._pricing.pop(model, None)
        return price

    async def _ask_price(self, model: str, client: ProviderClient) -> float | None:
        url = self.config.platform_url.rstrip("/") + "/models/pricing"  # type: ignore[attr-defined]
        try:
            response = await self.call(client, "GET", url, params={"endpoint_id": model}, timeout=15.0)
            prices = response.json().get("prices") or []
        except (ReelforgeError, ValueError, AttributeError):
            return None  # e.g. 403: the pricing API wants an admin key; the estimate stands
        for item in prices if isinstance(prices, list) else []:
            if (
                isinstance(item, dict)
                and item.get("endpoint_id") == model
                and str(item.get("currency", "USD")).upper() == "USD"
            ):
                try:
                    return float(item["unit_price"])
                except (KeyError, TypeError, ValueError):
                    return None
        return None

    def _failure(self, job_id: str, status: int, body: Any) -> Exception:
        errors = _detail(body)
        text = "; ".join(str(e.get("msg", "")) for e in errors)[:300]
        for err in errors:
            if err.get("type") == "content_policy_violation":
                loc = [str(x) for x in err.get("loc") or []]
                stage = "input" if any(x in _INPUT_FIELDS for x in loc) else "output"
                return ContentRejected(
                    f"{self.name} request {job_id} was refused by the content checker: {text}", stage=stage
                )
        if status >= 500:
            return GenerationFailed(
                f"{self.name} request {job_id} failed at the provider ({status}): {text}; not billed", billable=False
            )
        return InvalidRequest({"provider": f"{self.name} rejected request {job_id} ({status}): {text}"})

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        await self.call(client, "PUT", self._url(job, "cancel_url"))


__all__ = [
    "CATALOG",
    "FalBackend",
    "FalConfig",
]
