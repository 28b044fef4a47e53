"""WaveSpeed AI: ``POST /api/v3/{model path}``, poll ``GET /api/v3/predictions/{id}/result``.

Every answer is an envelope ``{"code": 200, "message": "success", "data": {...}}``; a failed task comes
back as HTTP 200 with ``data.status == "failed"`` and ``data.error``. Local input files are uploaded
first (``POST /api/v3/upload``, not billable) and passed by URL. WaveSpeed documents no cancel
endpoint: a cancelled run stops polling and the task runs to its end at the provider.
"""

from __future__ import annotations

import asyncio
import re
from functools import partial
from typing import Any, ClassVar

from ..errors import ContentRejected, GenerationFailed, ProviderError
from ..http_errors import raise_for_code
from ..media.inputs import MediaRef
from ..types import ModelSpec
from .adapters import ModelEntry, hunyuan, ltx, talking_head, upscale, wan, wan25_spec
from .base import Plan, ProviderJob
from .catalog import CatalogBackend
from .hosted import PollResult
from .http import ProviderClient

_STATUS = {
    "created": "queued",
    "pending": "queued",
    "processing": "running",
    "completed": "succeeded",
    "failed": "failed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
}
CONTENT_RE = re.compile(r"nsfw|sensitive|content (?:policy|moderation)|safety|inappropriate|violat", re.I)
_REFUSED = frozenset(range(400, 500)) - {401, 403, 408, 429}  # any other 4xx code in the envelope: refused
INPUT_RE = re.compile(r"prompt|input|image|audio", re.I)

_LTX = {"1080p": (1920, 1080), "1440p": (2560, 1440), "2160p": (3840, 2160)}


# long: a data table, one entry per model the host serves
def _catalog() -> dict[str, ModelEntry]:
    entries = [
        ModelEntry(wan25_spec("alibaba/wan-2.5/text-to-video", "text-to-video"), partial(wan, image=None)),
        ModelEntry(
            wan25_spec("alibaba/wan-2.5/image-to-video", "image-to-video", prompt_required=False),
            partial(wan, size="tier"),
        ),
        ModelEntry(
            ModelSpec(
                "wavespeed-ai/hunyuan-video-1.5/text-to-video",
                ("text-to-video",),
                durations=(5, 8, 10),
                fps=(24,),
                resolutions={"480p": (848, 480), "720p": (1280, 720)},
                aspect_ratios=("16:9", "9:16"),
            ),
            partial(hunyuan, image=None),
        ),
        ModelEntry(
            ModelSpec(
                "lightricks/ltx-2-pro/text-to-video",
                ("text-to-video",),
                durations=(6, 8, 10),
                fps=(25,),
                resolutions=_LTX,
                default_resolution="1080p",
                aspect_ratios=("16:9",),
                negative_prompt=False,
                seed=False,
                audio_output=True,
            ),
            partial(ltx, image=None, video=None),
        ),
        ModelEntry(
            ModelSpec(
                "lightricks/ltx-2-fast/text-to-video",
                ("text-to-video",),
                durations=(6, 8, 10, 12, 14, 16, 18, 20),
                fps=(25,),
                resolutions=_LTX,
                default_resolution="1080p",
                aspect_ratios=("16:9",),
                negative_prompt=False,
                seed=False,
                audio_output=True,
            ),
            partial(ltx, image=None, video=None),
        ),
        ModelEntry(
            ModelSpec(
                "wavespeed-ai/infinitetalk",
                ("avatar",),
                min_duration_s=1,
                max_duration_s=600,
                resolutions={"480p": (854, 480), "720p": (1280, 720)},
                default_resolution="480p",
                prompt_required=False,
                negative_prompt=False,
                aspect_ratios=("16:9", "9:16", "1:1"),
                notes="talking head from a face image and a voice track; length follows the audio",
            ),
            talking_head,
        ),
        ModelEntry(
            ModelSpec(
                "wavespeed-ai/video-upscaler",
                ("video-to-video",),
                min_duration_s=1,
                max_duration_s=600,
                resolutions={"720p": (1280, 720), "1080p": (1920, 1080), "2k": (2560, 1440), "4k": (3840, 2160)},
                default_resolution="1080p",
                prompt_required=False,
                negative_prompt=False,
                seed=False,
                notes="upscales the input video",
            ),
            upscale,
        ),
        ModelEntry(
            ModelSpec(
                "lightricks/ltx-2-retake",
                ("video-to-video",),
                min_duration_s=2,
                max_duration_s=20,
                resolutions=_LTX,
                default_resolution="1080p",
                negative_prompt=False,
                seed=False,
                notes="re-generates a span of the input video from the prompt (extra: start_time, duration, mode)",
            ),
            partial(ltx, image=None, with_resolution=False),
        ),
    ]
    return {e.spec.name: e for e in entries}


CATALOG = _catalog()


def _check_envelope(body: Any, who: str, env: str) -> dict[str, Any]:
    """The ``data`` of a WaveSpeed envelope; a non-200 ``code`` inside an HTTP 200 maps like the status."""
    if not isinstance(body, dict):
        raise ProviderError(f"{who} returned an unexpected answer", retryable=True, submitted=True)
    code = body.get("code", 200)
    if code in (200, 0, None):
        data = body.get("data")
        return data if isinstance(data, dict) else {}
    message = str(body.get("message") or body.get("error") or "")[:300]
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    raise_for_code(status, message, who=who, secret_env=env, refused=_REFUSED)
    raise AssertionError("unreachable")  # pragma: no cover


class WavespeedBackend(CatalogBackend):
    name = "wavespeed"
    description = "WaveSpeed AI: Wan 2.5, HunyuanVideo 1.5, LTX-2, InfiniteTalk avatars, video upscaling"
    secret_env = ("WAVESPEED_API_KEY",)
    default_base_url = "https://api.wavespeed.ai"
    generic_names: ClassVar[dict[str, str]] = {"image": "image", "video": "video", "audio": "audio"}

    def catalog(self) -> dict[str, ModelEntry]:
        return CATALOG

    async def encode_media(self, ref: MediaRef, client: ProviderClient) -> str:
        if ref.url:
            return ref.url
        name = ref.path.name if ref.path else f"{ref.field}.bin"
        response = await self.call(
            client,
            "POST",
            "/api/v3/upload",
            files={"file": (name, await asyncio.to_thread(ref.read_bytes), ref.mime or "application/octet-stream")},
        )
        data = _check_envelope(response.json(), self.name, self.secret_env[0])
        url = data.get("url") or data.get("download_url")
        if not url:
            raise ProviderError(f"{self.name} upload of {ref.field} returned no URL", retryable=True)
        return str(url)

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        body = await self.build_body(plan, client)
        response = await self.call(client, "POST", f"/api/v3/{plan.model.strip('/')}", json=body)
        data = _check_envelope(response.json(), self.name, self.secret_env[0])
        job_id = data.get("id")
        if not job_id:
            raise ProviderError(f"{self.name} accepted the task but returned no id", retryable=False, submitted=True)
        return self.job(str(job_id))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        response = await self.call(client, "GET", f"/api/v3/predictions/{job.id}/result")
        data = _check_envelope(response.json(), self.name, self.secret_env[0])
        status = _STATUS.get(str(data.get("status", "")).lower(), "running")
        outputs = [str(u) for u in data.get("outputs") or [] if u]
        result = PollResult(status=status, output_urls=outputs, raw=data)  # type: ignore[arg-type]
        if status == "failed":
            result.error = self._failure(job.id, str(data.get("error") or "no reason given"))
            result.billable = False
        if status == "succeeded" and any(data.get("has_nsfw_contents") or []):
            result.status = "failed"
            result.error = ContentRejected(
                f"{self.name} task {job.id}: the output was flagged by the safety checker; change the prompt or inputs",
                stage="output",
            )
        return result

    def _failure(self, job_id: str, reason: str) -> Exception:
        if CONTENT_RE.search(reason):
            stage = "input" if INPUT_RE.search(reason) else "output"
            return ContentRejected(
                f"{self.name} task {job_id} was refused by the content filter: {reason[:200]}", stage=stage
            )
        return GenerationFailed(f"{self.name} task {job_id} failed: {reason[:300]}", billable=False)


__all__ = [
    "CATALOG",
    "CONTENT_RE",
    "INPUT_RE",
    "WavespeedBackend",
]
