"""``ShortRequest`` and ``ShortResult``: what ``make_short`` takes and returns."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import Metadata


class ShortRequest(BaseModel):
    """One short. Fields left as None take their value from the ``shorts:`` config block."""

    model_config = ConfigDict(extra="forbid")

    topic: str | None = None
    script: Path | None = None  # a script file: plain text/markdown, or a scene list in YAML/JSON
    script_text: str | None = None  # the script itself
    language: str = "en"
    aspect_ratio: Literal["9:16", "16:9", "1:1"] | None = None
    voice: str | None = None
    tts: Literal["piper", "espeak", "edge", "openai", "elevenlabs"] | None = None
    speed: float | None = Field(default=None, ge=0.5, le=2.0)
    voiceover: Path | None = None  # your own recording instead of TTS
    llm: Literal["none", "ollama", "openai"] | None = None
    visuals: Literal["library", "pexels", "pixabay", "generate"] | None = None
    music: str | None = None  # a bundled mood, a file path, or "none"
    captions: Literal["karaoke", "word", "sentence", "none"] | None = None
    caption_style: str | None = None
    target_duration_s: float | None = Field(default=None, gt=0, le=600)
    resolution: int | None = Field(default=None, ge=144, le=4320)
    output: Path | None = None  # default: short.mp4 in the run folder
    upload: str | None = None  # refused with directions: publishing is a separate step (reelforge.publish)
    run_id: str | None = None  # resume a specific run; default: derived from the request's content


class SceneReport(BaseModel):
    index: int
    text: str
    start_s: float
    end_s: float
    source: str
    kind: str
    detail: str = ""
    fallback_reason: str | None = None
    cost_usd: float = 0.0
    score: float | None = None  # how well the pick matched the scene (0-1), where it was ranked
    ranker: str | None = None  # semantic | lexical | clip
    runner_up: str | None = None  # the next-best candidate and its score
    runner_up_score: float | None = None


class ShortResult(BaseModel):
    """A finished short. Size, fps and durations are measured from the written file."""

    path: Path
    width: int
    height: int
    fps: float
    duration_s: float
    narration_s: float
    scenes: list[SceneReport]
    words: int
    timing_source: str
    tts: str
    voice: str | None = None
    music: Path | None = None
    metadata: Metadata
    cost_usd: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    resumed: list[str] = Field(default_factory=list)  # stages taken from an earlier run's checkpoints
    run_dir: Path
    sidecar: Path | None = None
    srt: Path | None = None
    vtt: Path | None = None
    thumbnail: Path | None = None
    warnings: list[str] = Field(default_factory=list)


__all__ = ["SceneReport", "ShortRequest", "ShortResult"]
