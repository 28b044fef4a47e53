"""Hugging Face Inference: ``POST {base}/models/{model id}`` answers the video bytes synchronously.

Any model id works (model-agnostic). Without ``model`` in the request, the text-to-video or
image-to-video default comes from the config (``t2v_model``/``i2v_model``) or the environment
(``HF_T2V_MODEL``/``HF_I2V_MODEL``). When a model is missing (404), still loading after
``max_load_wait_s`` (``503 Model ... is currently loading`` with ``estimated_time``, waited and retried),
or failing (5xx), the next of ``fallback_models`` is tried, with a warning. One POST that answers a
video is one billable call; errors are not billed. The answer is streamed to a temp file, capped at
``max_output_bytes``, then renamed into place by the hosted template (which has no job to poll: the call's
answer is the result). A stored job cannot be resumed: there is nothing at the provider to poll.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from pydantic import Field

from ..errors import Cancelled, GenerationFailed, InvalidRequest, ProviderError, Timeout
from ..http_errors import error_text, map_transport_errors, raise_for_status
from ..types import ModelSpec, VideoRequest
from .base import Plan, ProviderJob, RunContext
from .hosted import HostedBackend, HostedConfig, PollResult
from .http import ProviderClient, save_body

DEFAULT_T2V = "Wan-AI/Wan2.2-T2V-A14B"
DEFAULT_I2V = "Wan-AI/Wan2.2-I2V-A14B"
MAX_PROMPT, MAX_FPS, MAX_STEPS, MAX_SIDE, MAX_IMAGE = 1000, 60, 100, 1920, 10 * 1024 * 1024


class HuggingFaceConfig(HostedConfig):
    t2v_model: str | None = None
    i2v_model: str | None = None
    fallback_models: list[str] = Field(default_factory=list)
    max_load_wait_s: float = 300.0  # per model: how long to wait for it to load before moving on
    max_output_bytes: int = 500 * 1024 * 1024
    poll_interval_s: float = 1.0  # how often progress is reported while the call runs


class _NextModel(Exception):
    """This model cannot serve now (missing, loading too long, failing): try the next one."""

    def __init__(self, reason: str, error: Exception) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


def hf_spec(name: str) -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=("text-to-video", "image-to-video"),
        any_size=True,
        side_multiple=16,
        max_side=MAX_SIDE,
        min_duration_s=0.5,
        max_duration_s=20.0,
        default_fps=16,
        default_resolution="480p",
        prompt_max_chars=MAX_PROMPT,
        max_image_bytes=MAX_IMAGE,
        notes="any Hugging Face model id served for text-to-video or image-to-video",
    )


class HuggingFaceBackend(HostedBackend):
    name = "huggingface"
    description = "Hugging Face Inference: any text-to-video or image-to-video model id, with fallback models"
    config_model = HuggingFaceConfig
    secret_env = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
    secret_field = "token"
    default_base_url = "https://router.huggingface.co/hf-inference"

    @property
    def cfg(self) -> HuggingFaceConfig:
        return self.config  # type: ignore[return-value]

    def default_for(self, operation: str) -> str:
        if operation == "image-to-video":
            return self.cfg.i2v_model or os.environ.get("HF_I2V_MODEL") or DEFAULT_I2V
        return self.cfg.model or self.cfg.t2v_model or os.environ.get("HF_T2V_MODEL") or DEFAULT_T2V

    def models(self) -> list[ModelSpec]:
        names = dict.fromkeys(
            [self.default_for("text-to-video"), self.default_for("image-to-video"), *self.cfg.fallback_models]
        )
        return [hf_spec(n) for n in names]

    def unknown_model_spec(self, name: str) -> ModelSpec:
        return hf_spec(name)

    def validate(self, request: VideoRequest) -> Plan:
        problems: dict[str, str] = {}
        prompt = (request.prompt or "").strip()
        if prompt and len(prompt) > MAX_PROMPT:
            problems["prompt"] = f"prompt is {len(prompt)} characters; Hugging Face takes 1-{MAX_PROMPT}"
        if request.fps is not None and not 1 <= request.fps <= MAX_FPS:
            problems["fps"] = f"fps {request.fps:g} is out of range 1-{MAX_FPS}"
        steps = request.extra.get("num_inference_steps")
        if steps is not None and not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
            problems["extra.num_inference_steps"] = f"num_inference_steps {steps!r} must be an integer 1-{MAX_STEPS}"
        if request.model is None:
            request = request.model_copy(update={"model": self.default_for(request.inferred_operation())})
        try:
            plan = super().validate(request)
        except InvalidRequest as exc:
            raise InvalidRequest({**exc.problems, **problems}) from None
        if problems:
            raise InvalidRequest(problems)
        return plan

    def payload(self, plan: Plan) -> dict[str, Any]:
        params: dict[str, Any] = {"num_frames": plan.num_frames, "seed": plan.seed}
        if plan.operation == "image-to-video" and plan.image is not None:
            params.update(
                prompt=plan.prompt,
                negative_prompt=plan.negative_prompt,
                target_size={"width": plan.width, "height": plan.height},
            )
            inputs = plan.image.read_bytes() if plan.image.url is None else None
            body: dict[str, Any] = {"inputs": plan.image.url or _b64(inputs or b"")}
        else:
            params.update(
                negative_prompt=[plan.negative_prompt] if plan.negative_prompt else None,
                width=plan.width,
                height=plan.height,
            )
            body = {"inputs": plan.prompt}
        params.update(plan.extra)
        body["parameters"] = {k: v for k, v in params.items() if v is not None}
        return body

    # -- the provider's part: one synchronous call answers the video ------------------------------------
    async def start(
        self, plan: Plan, client: ProviderClient, ctx: RunContext, part: Path
    ) -> tuple[ProviderJob, PollResult | None]:
        """Call the plan's model, then each fallback model, until one answers a video (written to ``part``)."""
        models = list(dict.fromkeys([plan.model, *self.cfg.fallback_models]))
        warnings: list[str] = []
        deadline = time.monotonic() + self.cfg.timeout_s
        body = await asyncio.to_thread(self.payload, plan)  # reads and encodes an image input
        for i, model in enumerate(models):
            try:
                request_id = await self._generate(model, body, client, ctx, deadline, part)
            except _NextModel as skip:
                if i == len(models) - 1:
                    raise skip.error from None
                warnings.append(f"model {model} {skip.reason}; fell back to {models[i + 1]}")
                continue
            result = PollResult(status="succeeded", output_file=part, billable=True, warnings=warnings)
            return self.job(request_id, model=model), result
        raise AssertionError("unreachable")

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        raise NotImplementedError("Hugging Face answers the video to the call itself: see start()")

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        raise InvalidRequest(
            {"resume": "Hugging Face Inference answers synchronously: there is no provider job to resume; run again"}
        )

    async def _generate(
        self, model: str, body: dict[str, Any], client: ProviderClient, ctx: RunContext, deadline: float, out: Path
    ) -> str:
        """Call ``model`` until it answers a video (waiting out loading); its request id, or ``_NextModel``."""
        waited = 0.0  # time spent waiting for this model to load (as asked, so an injected sleep counts too)
        while True:
            ctx.cancel.raise_if_cancelled("generate")
            ctx.progress(0.02, f"{self.name}: calling {model}")
            task = asyncio.ensure_future(self._post(model, body, client, out))
            started = time.monotonic()
            while not task.done():
                await asyncio.wait({task}, timeout=self.cfg.poll_interval_s)
                if ctx.cancel.cancelled or time.monotonic() > deadline:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                    if ctx.cancel.cancelled:
                        raise Cancelled(f"{self.name} call to {model} cancelled", stage="generate")
                    raise Timeout(f"{self.name} {model} did not answer within {self.cfg.timeout_s:g}s")
                elapsed = time.monotonic() - started
                ctx.progress(0.05 + 0.85 * elapsed / (elapsed + 60), f"{self.name}: generating with {model}")
            loading, request_id = task.result()
            if loading is None:
                return request_id
            wait = min(loading, self.cfg.max_load_wait_s - waited, max(0.0, deadline - time.monotonic()))
            if wait <= 0:
                raise _NextModel(
                    f"still loading after {self.cfg.max_load_wait_s:g}s",
                    ProviderError(
                        f"{self.name} model {model} is still loading; try again later", retryable=True, submitted=True
                    ),
                )
            ctx.progress(0.03, f"{self.name}: {model} is loading (about {loading:.0f}s)")
            await self._sleep(ctx, wait)
            waited += wait

    async def _post(
        self, model: str, body: dict[str, Any], client: ProviderClient, out: Path
    ) -> tuple[float | None, str]:
        """One call: (None, request id) with the video written to ``out``, or (seconds to wait for loading, "")."""
        url = f"{self.base_url}/models/{model}"
        headers = {**self.headers(), "Accept": "video/mp4, application/octet-stream"}
        timeout = httpx.Timeout(self.cfg.timeout_s, connect=10.0)
        with map_transport_errors(self.name, f"during the call to {model}"):
            async with client.stream("POST", url, json=body, headers=headers, timeout=timeout) as response:
                if response.status_code >= 400 or "json" in response.headers.get("content-type", ""):
                    await response.aread()
                    return self._error(model, response), ""
                await save_body(response, out, self.cfg.max_output_bytes, self.name)
                return None, response.headers.get("x-request-id") or f"hf-{uuid.uuid4().hex[:12]}"

    def _error(self, model: str, response: httpx.Response) -> float:
        """The loading wait of a 503 "currently loading"; else the error (``_NextModel`` where another may serve)."""
        status = response.status_code
        text = error_text(response)
        if status == 503 and "loading" in text.lower():
            try:
                return float(response.json().get("estimated_time") or 10.0)
            except (ValueError, AttributeError, TypeError):
                return 10.0
        if status == 404:
            raise _NextModel(
                "is not available",
                InvalidRequest(
                    {"model": f"{self.name} has no deployed model {model!r} ({text}); pick another model id"}
                ),
            )
        if status >= 500:
            raise _NextModel(
                f"failed ({status})",
                ProviderError(
                    f"{self.name} {model} error {status}: {text}", retryable=True, status=status, submitted=True
                ),
            )
        raise_for_status(response, who=f"{self.name} {model}", secret_env="HF_TOKEN")
        raise GenerationFailed(f"{self.name} {model} answered JSON instead of a video: {text}")


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


__all__ = [
    "DEFAULT_I2V",
    "DEFAULT_T2V",
    "HuggingFaceBackend",
    "HuggingFaceConfig",
    "hf_spec",
]
