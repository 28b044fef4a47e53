"""What a render returns. Every figure is measured from the written file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class RenderResult(BaseModel):
    path: Path
    width: int
    height: int
    fps: float
    duration_s: float
    num_frames: int
    audio_duration_s: float = 0.0
    thumbnail: Path | None = None
    sidecar: Path | None = None  # JSON: the result, the timeline, the ffmpeg command, the caller's sections
    srt: Path | None = None
    vtt: Path | None = None
    font: str | None = None  # family libass was given for the captions
    font_file: Path | None = None
    encoder: str = "libx264"
    loudness_lufs: float | None = None  # integrated, measured from the written file (ebur128)
    true_peak_db: float | None = None  # true peak (dBTP) of the written file
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


__all__ = ["RenderResult"]
