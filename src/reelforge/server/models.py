"""Request and response bodies of the REST API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..jobs.models import Job, JobKind

Operation = Literal["text-to-video", "image-to-video", "video-to-video", "avatar"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class PublishStep(_Body):
    """Publish the finished video: ``{"to": "youtube", "privacy": "private"}``."""

    to: Literal["youtube", "tiktok"]
    privacy: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, max_length=200)
    schedule: datetime | None = None


class JobOptions(_Body):
    callback_url: str | None = Field(
        default=None, max_length=2000, description="POSTed the job, signed, when it ends (see docs/service.md)"
    )
    publish: list[PublishStep] | None = Field(default=None, max_length=4)


class VideoIn(JobOptions):
    """One generation. Media inputs are upload ids (``POST /v1/uploads``) or https URLs the server fetches."""

    operation: Operation | None = None
    prompt: str | None = Field(default=None, max_length=20_000)
    negative_prompt: str | None = Field(default=None, max_length=20_000)
    image: str | None = Field(default=None, max_length=4000, description="upload id or https URL")
    last_frame: str | None = Field(default=None, max_length=4000, description="upload id or https URL")
    video: str | None = Field(default=None, max_length=4000, description="upload id or https URL")
    audio: str | None = Field(default=None, max_length=4000, description="upload id or https URL")
    duration_s: float | None = Field(default=None, gt=0, le=3600)
    num_frames: int | None = Field(default=None, gt=0, le=100_000)
    fps: float | None = Field(default=None, gt=0, le=240)
    aspect_ratio: str | None = Field(default=None, max_length=16, examples=["16:9"])
    resolution: str | None = Field(default=None, max_length=16, examples=["720p", "1280x720"])
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    backend: str = Field(default="auto", max_length=200)
    model: str | None = Field(default=None, max_length=500)
    max_cost_usd: float | None = Field(default=None, ge=0, le=1e9)
    extra: dict[str, Any] = Field(default_factory=dict, description="provider passthrough")

    def request(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"callback_url", "publish"})


class ShortIn(JobOptions):
    """One short. Fields left out take their value from the server's ``shorts:`` config block."""

    topic: str | None = Field(default=None, max_length=2000)
    script_text: str | None = Field(default=None, max_length=100_000)
    language: str = Field(default="en", max_length=16)
    aspect_ratio: Literal["9:16", "16:9", "1:1"] | None = None
    voice: str | None = Field(default=None, max_length=200)
    tts: Literal["piper", "espeak", "edge", "openai", "elevenlabs"] | None = None
    speed: float | None = Field(default=None, ge=0.5, le=2.0)
    voiceover: str | None = Field(default=None, max_length=4000, description="upload id or https URL (audio)")
    llm: Literal["none", "ollama", "openai"] | None = None
    visuals: Literal["library", "pexels", "pixabay", "generate"] | None = None
    music: str | None = Field(default=None, max_length=4000, description="a bundled mood, 'none', or audio")
    captions: Literal["karaoke", "word", "sentence", "none"] | None = None
    caption_style: str | None = Field(default=None, max_length=64)
    target_duration_s: float | None = Field(default=None, gt=0, le=600)
    resolution: int | None = Field(default=None, ge=144, le=4320)

    def request(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"callback_url", "publish"})


class BatchItem(JobOptions):
    kind: JobKind = "video"
    request: dict[str, Any] = Field(description="a video or short request, as for /v1/videos or /v1/shorts")


class BatchIn(_Body):
    items: list[BatchItem] = Field(min_length=1, max_length=10_000)


class ItemError(BaseModel):
    index: int
    fields: dict[str, str]


class BatchOut(BaseModel):
    id: str
    created_at: datetime
    total: int
    accepted: int
    job_ids: list[str]
    errors: list[ItemError] = Field(default_factory=list, description="items refused, by their index")


class BatchStatus(BaseModel):
    id: str
    created_at: datetime
    total: int
    accepted: int
    job_ids: list[str]
    counts: dict[str, int]
    finished: bool


class JobList(BaseModel):
    jobs: list[Job]
    next_cursor: str | None = Field(default=None, description="pass as ?cursor= for the next page")


class CancelOut(BaseModel):
    job: Job
    action: Literal["cancelled", "cancelling", "noop"]
    message: str


class AssetOut(BaseModel):
    id: str
    kind: str
    created_at: datetime
    backend: str
    model: str | None = None
    seed: int | None = None
    cost_usd: float
    billable: bool
    checksum: str
    size_bytes: int
    width: int
    height: int
    fps: float
    num_frames: int
    duration_s: float
    warnings: list[str] = Field(default_factory=list)
    file_url: str


class AssetList(BaseModel):
    assets: list[AssetOut]
    next_cursor: str | None = None


class UsageRowOut(BaseModel):
    day: date
    backend: str
    attempts: int
    succeeded: int
    failed: int
    cached: int
    billable: int
    cost_usd: float


class UsageOut(BaseModel):
    rows: list[UsageRowOut]
    total_cost_usd: float
    total_attempts: int


class ModelInfo(BaseModel):
    name: str
    operations: list[str]
    durations_s: str
    resolutions: str
    price_rule: str | None = None


class BackendInfo(BaseModel):
    name: str
    kind: str | None = None
    description: str | None = None
    configured: bool
    why_not: str | None = None
    operations: list[str] = Field(default_factory=list)
    models: list[ModelInfo] = Field(default_factory=list)


class BackendList(BaseModel):
    backends: list[BackendInfo]


class Estimate(BaseModel):
    backend: str
    model: str | None = None
    operation: str
    estimated_usd: float | None = None
    price_rule: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    num_frames: int | None = None
    duration_s: float | None = None
    warnings: list[str] = Field(default_factory=list)


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool
    workers: int = Field(description="workers whose lease is fresh")
    embedded_worker: str | None = None
    queue: dict[str, int] = Field(default_factory=dict, description="jobs by status")


__all__ = [
    "AssetList",
    "AssetOut",
    "BackendInfo",
    "BackendList",
    "BatchIn",
    "BatchItem",
    "BatchOut",
    "BatchStatus",
    "CancelOut",
    "Estimate",
    "Health",
    "ItemError",
    "JobList",
    "JobOptions",
    "ModelInfo",
    "PublishStep",
    "ShortIn",
    "UsageOut",
    "UsageRowOut",
    "VideoIn",
]
