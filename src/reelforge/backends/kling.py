"""Kling AI's official API (https://app.klingai.com/global/dev/document-api), new system.

Auth: an access key and a secret key sign a short-lived HS256 JWT (``iss`` = access key, ``exp`` in 30 min,
``nbf`` 5 s back) sent as ``Authorization: Bearer <token>``; a fresh token is made before the old one ends.
One billable ``POST /v1/videos/text2video`` or ``POST /v1/videos/image2video`` answers
``{"code": 0, "data": {"task_id", "task_status": "submitted"}}``; ``GET /v1/videos/{kind}/{id}`` reports
``task_status`` submitted, processing, succeed (``task_result.videos[0].url``) or failed
(``task_status_msg``). The id in that path may also be the ``external_task_id`` given at creation: a run
with an idempotency key sends one, so an interrupted submit can be looked up instead of paid twice.
Errors carry a service ``code`` in the body next to the HTTP status (1000-1004 auth, 1101/1102 balance or
resource pack, 1301 content security, 1302 rate, 1303 concurrency over the pack's limit, 5000+ server).
There is no cancel endpoint. Priced in units per second by mode (std = 720p, pro = 1080p).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

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
from ..http_errors import error_text, map_transport_errors, raise_for_status, retry_after_seconds
from ..media.inputs import MediaRef
from ..types import ModelSpec, VideoRequest
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedBackend, HostedConfig, PollResult, scrub_secret
from .http import ProviderClient

T2V, I2V = "text-to-video", "image-to-video"
_TIERS = {"720p": (1280, 720), "1080p": (1920, 1080)}
_MODE = {"720p": "std", "1080p": "pro"}
_STATUS = {"submitted": "queued", "processing": "running", "succeed": "succeeded", "failed": "failed"}
_MODERATION_WORDS = ("risk", "sensitive", "security", "policy", "violat", "moderat")
_ENV = "KLING_ACCESS_KEY and KLING_SECRET_KEY"


def _spec(name: str, ops: tuple[str, ...], tiers: tuple[str, ...], audio: bool = False, notes: str = "") -> ModelSpec:
    return ModelSpec(
        name=name,
        operations=ops,
        durations=(5.0, 10.0),
        fps=(24.0,),
        default_fps=24.0,
        resolutions={t: _TIERS[t] for t in tiers},
        default_resolution=tiers[0],
        aspect_ratios=("16:9", "9:16", "1:1"),
        prompt_max_chars=2500,
        prompt_required=True,
        last_frame=I2V in ops,
        negative_prompt=True,
        seed=False,
        audio_output=audio,
        max_image_bytes=10 * 1024 * 1024,
        notes=notes,
    )


MODELS: tuple[ModelSpec, ...] = (
    _spec("kling-v2-6", (T2V, I2V), ("720p", "1080p"), audio=True, notes="sound (generate_audio) in pro (1080p)"),
    _spec("kling-v2-5-turbo", (T2V, I2V), ("720p", "1080p")),
    _spec("kling-v2-1-master", (T2V, I2V), ("1080p",), notes="1080p only"),
    _spec("kling-v2-1", (I2V,), ("720p", "1080p"), notes="image-to-video only"),
    _spec("kling-v1-6", (T2V, I2V), ("720p", "1080p")),
)


def hs256_token(access_key: str, secret_key: str, now: float, ttl_s: int = 1800) -> str:
    """The JWT Kling asks for: HS256 over ``{"iss": access_key, "exp": now + ttl, "nbf": now - 5}``."""

    def part(value: dict[str, Any] | bytes) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing = (
        part({"alg": "HS256", "typ": "JWT"})
        + "."
        + part({"iss": access_key, "exp": int(now) + ttl_s, "nbf": int(now) - 5})
    )
    signature = hmac.new(secret_key.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + part(signature)


def kling_error(response: httpx.Response, data: Any, where: str) -> ReelforgeError | None:
    """The error-tree exception for an answer with an error status or a service code other than 0."""
    code = int(data.get("code") or 0) if isinstance(data, dict) and str(data.get("code", "0")).isdigit() else 0
    status = response.status_code
    if status < 400 and code == 0:
        return None
    message = str(data.get("message") or "") if isinstance(data, dict) else ""
    text = f"kling {where} error {status}/{code}: {message or error_text(response)}"
    if 1000 <= code <= 1004 or code in (1103, 1304):
        return AuthError(f"{text}; check {_ENV} (and that this account may use the API from here)")
    if code in (1100, 1101, 1102):
        return BackendUnavailable(f"{text}; the Kling account is in arrears or its resource pack is used up: top it up")
    if code in (1300, 1301):
        return ContentRejected(
            f"{text}; Kling's content security refused the input: change the prompt or image",
            "input",
        )
    if code in (1302, 1303) or status == 429:
        return RateLimited(f"{text}; slow down or wait for running tasks", retry_after=retry_after_seconds(response))
    if code in (1200, 1201, 1202):
        return InvalidRequest({"provider": f"{text}; the parameters do not fit this model"})
    if code == 1203 or status == 404:
        return ProviderError(f"{text}; no such task", retryable=False, status=404)
    if code >= 5000 or status >= 500:
        return ProviderError(text, retryable=True, status=status, submitted=True)
    try:
        raise_for_status(response, who="kling", secret_env=_ENV)
    except ReelforgeError as exc:
        return exc
    return ProviderError(text, retryable=False, status=status, submitted=True)


class KlingConfig(HostedConfig):
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    poll_interval_s: float = 10.0
    jwt_ttl_s: int = 1800


class KlingBackend(HostedBackend):
    name = "kling"
    description = "Kling AI API: Kling 2.6 / 2.5 Turbo / 2.1 / 1.6 (text- and image-to-video, first/last frame)"
    config_model: ClassVar[type[BackendConfig]] = KlingConfig
    secret_env = ("KLING_SECRET_KEY",)
    secret_field = "secret_key"
    default_base_url = "https://api-singapore.klingai.com"
    supports_callback = True  # callback_url: task status changes are posted there (unsigned: a hint to poll)

    def callback_params(self, url: str) -> dict[str, Any]:
        return {"callback_url": url}

    def __init__(self, config: BackendConfig | dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self._token: tuple[str, float] | None = None

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    # -- credentials -------------------------------------------------------------------------------
    def _key(self, field: str, env: str) -> str | None:
        value = getattr(self.config, field, None)
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return text or os.environ.get(env) or None

    @property
    def access_key(self) -> str | None:
        return self._key("access_key", "KLING_ACCESS_KEY")

    @property
    def secret(self) -> str | None:
        return self._key("secret_key", "KLING_SECRET_KEY")

    def configured(self) -> tuple[bool, str | None]:
        if self.access_key and self.secret:
            return True, None
        return False, f"set the {_ENV} environment variables (or backends.kling.access_key and secret_key)"

    def headers(self) -> dict[str, str]:
        cfg: Any = self.config
        now = time.time()
        if self._token is None or self._token[1] - now < 300:
            token = hs256_token(self.access_key or "", self.secret or "", now, cfg.jwt_ttl_s)
            self._token = (token, now + cfg.jwt_ttl_s)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def call(self, client: ProviderClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call; Kling's service codes (in the body, next to the HTTP status) mapped, the keys scrubbed."""
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        where = kwargs.pop("where", method.lower())
        try:
            with map_transport_errors(self.name):
                response = await client.call(method, self.base_url + url, headers=headers, **kwargs)
            try:
                data = response.json()
            except ValueError:
                data = None
            if (error := kling_error(response, data, where)) is not None:
                raise error
            return response
        except ReelforgeError as exc:
            for secret in (self.secret, self.access_key, self._token[0] if self._token else None):
                scrub_secret(exc, secret)
            raise

    # -- validation ------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        if plan.last_frame is not None and plan.resolution != "1080p":
            plan.warnings.append(f"resolution {plan.resolution} snapped to 1080p (a last frame needs Kling's pro mode)")
            plan.resolution = "1080p"
        audio = bool(plan.extra.pop("generate_audio", False))
        if audio and not (plan.model == "kling-v2-6" and plan.resolution == "1080p"):
            plan.warnings.append("generate_audio ignored: Kling makes sound with kling-v2-6 in pro mode (1080p) only")
            audio = False
        if audio and plan.last_frame is not None:
            plan.warnings.append("generate_audio ignored: Kling takes a last frame or sound, not both")
            audio = False
        if audio:
            plan.extra["generate_audio"] = True
        plan.width, plan.height = _size(plan)
        return plan

    # -- the provider's part ---------------------------------------------------------------------------
    @staticmethod
    def _image(ref: MediaRef) -> str:
        return ref.url or ref.data_uri().split(",", 1)[1]  # Kling takes a URL or bare base64

    @staticmethod
    def task_kind(plan: Plan) -> str:
        return "image2video" if plan.image is not None else "text2video"

    def body(self, plan: Plan) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model_name": plan.model,
            "prompt": plan.prompt or "",
            "mode": _MODE[plan.resolution],
            "duration": str(round(plan.duration_s)),
        }
        if plan.negative_prompt:
            body["negative_prompt"] = plan.negative_prompt
        if plan.image is not None:
            body["image"] = self._image(plan.image)
            if plan.last_frame is not None:
                body["image_tail"] = self._image(plan.last_frame)
        else:
            body["aspect_ratio"] = plan.aspect_ratio
        if plan.model == "kling-v2-6":
            body["sound"] = "on" if plan.extra.get("generate_audio") else "off"
        if plan.idempotency_key:
            body["external_task_id"] = external_id(plan.idempotency_key)
        body.update({k: v for k, v in plan.extra.items() if k != "generate_audio"})  # cfg_scale, camera_control
        return body

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        kind = self.task_kind(plan)
        body = await asyncio.to_thread(self.body, plan)  # local images are read and encoded off the event loop
        body.update(self.callback_fields())  # callback_url, when the run asks for a completion callback
        data = (await self.call(client, "POST", f"/v1/videos/{kind}", json=body, where="submit")).json()
        task_id = (data.get("data") or {}).get("task_id")
        if not task_id:
            raise GenerationFailed(f"kling accepted the request but returned no task_id: {str(data)[:200]}")
        return self.job(str(task_id), kind=kind)

    def resumable(self, job: ProviderJob, plan: Plan) -> ProviderJob:
        return job if job.data.get("kind") else self.job(job.id, kind=self.task_kind(plan))

    async def lookup(self, plan: Plan, client: ProviderClient) -> ProviderJob | None:
        """With an idempotency key the task was created under a known ``external_task_id``: ask for it."""
        if not plan.idempotency_key:
            return await super().lookup(plan, client)
        kind = self.task_kind(plan)
        try:
            response = await self.call(client, "GET", f"/v1/videos/{kind}/{external_id(plan.idempotency_key)}")
        except ProviderError as exc:
            if exc.status == 404:
                return None  # the lost submit never made a task: submitting now is safe
            raise
        task_id = ((response.json().get("data") or {}).get("task_id")) or ""
        return self.job(str(task_id), kind=kind) if task_id else None

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        kind = job.data.get("kind", "text2video")
        data = (await self.call(client, "GET", f"/v1/videos/{kind}/{job.id}", where="query")).json()
        task = data.get("data") or {}
        status: Any = _STATUS.get(str(task.get("task_status")), "running")
        result = PollResult(status=status, raw=data)
        if status == "succeeded":
            videos = (task.get("task_result") or {}).get("videos") or []
            result.output_urls = [str(v["url"]) for v in videos if isinstance(v, dict) and v.get("url")]
        elif status == "failed":
            result.error = failure_error(job.id, str(task.get("task_status_msg") or ""))
            result.billable = False  # Kling does not charge failed tasks
        return result


def _size(plan: Plan) -> tuple[int, int]:
    long, short = _TIERS[plan.resolution]
    if plan.aspect_ratio == "1:1":
        return short, short
    return (long, short) if plan.aspect_ratio == "16:9" else (short, long)


def external_id(idempotency_key: str) -> str:
    """A stable ``external_task_id`` for an idempotency key (unique per account at Kling)."""
    return "rf-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def failure_error(task_id: str, reason: str) -> ReelforgeError:
    where = f"kling task {task_id} failed: {reason or 'no reason given'}"
    if any(word in reason.lower() for word in _MODERATION_WORDS):
        stage = "input" if any(w in reason.lower() for w in ("prompt", "input", "image")) else "output"
        why = f"Kling's content review refused the {stage}; change the prompt or image"
        return ContentRejected(f"{where}. {why}", stage)
    return GenerationFailed(f"{where}. Try again, or simplify the prompt", stage="generation")


__all__ = [
    "MODELS",
    "KlingBackend",
    "KlingConfig",
    "external_id",
    "failure_error",
    "hs256_token",
    "kling_error",
]
