"""Replicate: ``POST /v1/models/{owner}/{name}/predictions``, poll ``GET /v1/predictions/{id}``, cancel.

Official models take ``{"input": {...}}`` at their model URL; a pinned version (``owner/name:version``)
goes to ``POST /v1/predictions`` with ``version``. With ``prefer_wait_s`` set, the submit sends
``Prefer: wait=N`` and a prediction already finished in that answer is used without another call.
Statuses: starting, processing, succeeded, failed, canceled. A 429 says ``Request was throttled.
Expected available in N seconds``; N becomes ``retry_after`` when there is no Retry-After header.
Inputs go as URLs or data URIs (Replicate takes data URIs for small files; pass large ones as URLs).
Completion callbacks: ``webhook`` + ``webhook_events_filter: ["completed"]``; deliveries carry ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` (Standard Webhooks), checked with the signing secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from ..errors import ContentRejected, GenerationFailed, ProviderError, RateLimited, ReelforgeError
from ..types import ModelSpec
from .adapters import ModelEntry, hailuo, talking_head, upscale, wan, wan25_spec
from .base import Plan, ProviderJob, RunContext
from .callbacks import verify_standard_webhook
from .catalog import CatalogBackend
from .hosted import HostedConfig, PollResult
from .http import ProviderClient

_STATUS = {
    "starting": "queued",
    "processing": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "aborted": "cancelled",
}
_THROTTLE_RE = re.compile(r"available in (\d+(?:\.\d+)?) second", re.I)
_PERCENT_RE = re.compile(r"(\d{1,3})%")
CONTENT_RE = re.compile(r"E005|nsfw|flagged as sensitive|safety|content polic", re.I)


class ReplicateConfig(HostedConfig):
    prefer_wait_s: int = Field(default=0, ge=0, le=60)  # 0: answer at once; 1-60: "Prefer: wait=N"
    # signs completion callbacks (``whsec_...``); unset: asked once from GET /v1/webhooks/default/secret
    webhook_secret: SecretStr | None = None


def _catalog() -> dict[str, ModelEntry]:
    entries = [
        ModelEntry(wan25_spec("wan-video/wan-2.5-t2v", "text-to-video"), partial(wan, image=None)),
        ModelEntry(wan25_spec("wan-video/wan-2.5-i2v", "image-to-video", aspect_ratios=()), partial(wan, size="tier")),
        ModelEntry(
            ModelSpec(
                "minimax/hailuo-02",
                ("text-to-video", "image-to-video"),
                durations=(6, 10),
                fps=(25,),
                resolutions={"512p": (912, 512), "768p": (1366, 768), "1080p": (1920, 1080)},
                default_resolution="768p",
                aspect_ratios=("16:9",),
                negative_prompt=False,
                seed=False,
            ),
            partial(hailuo, upper=False),
        ),
        ModelEntry(
            ModelSpec(
                "bytedance/omni-human",
                ("avatar",),
                min_duration_s=1,
                max_duration_s=60,
                prompt_required=False,
                negative_prompt=False,
                seed=False,
                notes="talking head from a face image and a voice track; length follows the audio",
            ),
            partial(talking_head, with_resolution=False),
        ),
        ModelEntry(
            ModelSpec(
                "topazlabs/video-upscale",
                ("video-to-video",),
                min_duration_s=1,
                max_duration_s=600,
                resolutions={"720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)},
                default_resolution="1080p",
                prompt_required=False,
                negative_prompt=False,
                seed=False,
                notes="upscales the input video",
            ),
            upscale,
        ),
    ]
    return {e.spec.name: e for e in entries}


CATALOG = _catalog()


def first_url(output: Any) -> str | None:
    """The first file URL in a prediction's output (a string, a list, or a dict of them)."""
    if isinstance(output, str):
        return output if output.startswith(("http://", "https://", "data:")) else None
    if isinstance(output, list):
        for item in output:
            if url := first_url(item):
                return url
    if isinstance(output, dict):
        for item in output.values():
            if url := first_url(item):
                return url
    return None


class ReplicateBackend(CatalogBackend):
    name = "replicate"
    description = "Replicate: Wan 2.5, Hailuo 02, OmniHuman avatars, Topaz video upscaling, any owner/name model"
    config_model = ReplicateConfig
    secret_env = ("REPLICATE_API_TOKEN",)
    secret_field = "api_token"
    default_base_url = "https://api.replicate.com"
    supports_callback = True  # webhook + webhook_events_filter; signed the Standard Webhooks way
    _signing_secret: str | None = None  # the account's webhook signing secret, once asked for
    generic_names: ClassVar[dict[str, str]] = {
        "image": "image",
        "video": "video",
        "audio": "audio",
        "last_frame": "last_frame_image",
    }

    def catalog(self) -> dict[str, ModelEntry]:
        return CATALOG

    def callback_params(self, url: str) -> dict[str, Any]:
        return {"webhook": url, "webhook_events_filter": ["completed"]}

    async def verify_callback(self, headers: Mapping[str, str], body: bytes, client: ProviderClient) -> bool | None:
        """Valid only with a current Standard Webhooks signature made with the account's signing secret."""
        configured = self.config.webhook_secret  # type: ignore[attr-defined]
        secret = configured.get_secret_value() if configured is not None else self._signing_secret
        if secret is None:
            try:
                response = await self.call(client, "GET", "/v1/webhooks/default/secret", timeout=15.0)
                secret = self._signing_secret = str(response.json().get("key") or "") or None
            except (ReelforgeError, ValueError, AttributeError):
                return False  # cannot verify now: refused (the slow poll still finishes the run)
        return secret is not None and verify_standard_webhook(secret, headers, body)

    async def call(self, client: ProviderClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await super().call(client, method, url, **kwargs)
        except RateLimited as exc:
            if exc.retry_after is None and (m := _THROTTLE_RE.search(exc.message)):
                exc.retry_after = float(m.group(1))
                exc.details["retry_after"] = exc.retry_after
            raise

    async def start(
        self, plan: Plan, client: ProviderClient, ctx: RunContext, part: Path
    ) -> tuple[ProviderJob, PollResult | None]:
        """With ``Prefer: wait`` the submit's answer may hold the finished prediction: used without a poll."""
        data = await self._create(plan, client)
        job = self.job(str(data["id"]))
        finished = _STATUS.get(str(data.get("status"))) in ("succeeded", "failed", "cancelled")
        return job, self._result(job, data) if finished else None

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        return self.job(str((await self._create(plan, client))["id"]))

    async def _create(self, plan: Plan, client: ProviderClient) -> dict[str, Any]:
        body: dict[str, Any] = {"input": await self.build_body(plan, client), **self.callback_fields()}
        model, _, version = plan.model.partition(":")
        path = f"/v1/models/{model.strip('/')}/predictions"
        if version:
            path, body["version"] = "/v1/predictions", version
        wait = self.config.prefer_wait_s  # type: ignore[attr-defined]
        headers = {"Prefer": f"wait={wait}"} if wait else {}
        response = await self.call(
            client, "POST", path, json=body, headers=headers, timeout=httpx.Timeout(60.0 + wait, connect=10.0)
        )
        data = response.json()
        if not data.get("id"):
            raise ProviderError(f"{self.name} created a prediction but returned no id", submitted=True)
        return data

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        return self._result(job, (await self.call(client, "GET", f"/v1/predictions/{job.id}")).json())

    def _result(self, job: ProviderJob, data: dict[str, Any]) -> PollResult:
        status = _STATUS.get(str(data.get("status", "")).lower(), "running")
        result = PollResult(status=status, raw=data)  # type: ignore[arg-type]
        percents = _PERCENT_RE.findall(str(data.get("logs") or "")[-2000:])
        if percents and status == "running":
            result.progress = min(1.0, int(percents[-1]) / 100)
        if status == "succeeded":
            url = first_url(data.get("output"))
            result.output_urls = [url] if url else []
        elif status == "failed":
            reason = str(data.get("error") or "no reason given")[:300]
            result.billable = False
            if CONTENT_RE.search(reason):
                result.error = ContentRejected(
                    f"{self.name} prediction {job.id} was flagged: {reason}",
                    stage="input" if "input" in reason.lower() else "output",
                )
            else:
                result.error = GenerationFailed(f"{self.name} prediction {job.id} failed: {reason}")
        return result

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        await self.call(client, "POST", f"/v1/predictions/{job.id}/cancel")


__all__ = [
    "CATALOG",
    "CONTENT_RE",
    "ReplicateBackend",
    "ReplicateConfig",
    "first_url",
]
