"""What every visuals source does: find one visual for one scene, or return None to fall through."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pydantic import Field

from ..models import SceneVisual, ScriptScene

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
VIDEO_EXTS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}


@dataclass
class SceneNeed:
    index: int
    scene: ScriptScene
    duration_s: float
    aspect_ratio: str  # "9:16" | "16:9" | "1:1"
    used: set[str] = field(default_factory=set)  # identities already shown in this short
    previous: Path | None = None  # the previous scene's visual (for continuity)
    language: str = "en"  # the script's

    @property
    def orientation(self) -> str:
        return {"9:16": "portrait", "16:9": "landscape"}.get(self.aspect_ratio, "square")

    @property
    def terms(self) -> list[str]:
        return self.scene.search_terms or [self.scene.text[:60]]


class RankedVisual(SceneVisual):
    """A scene's visual with how it was chosen: its match score (0-1, from ``rank``), the ranker used and the
    runner-up. The sidecar's storyboard and the plan file carry these."""

    score: float | None = Field(default=None, ge=0, le=1)
    ranker: str | None = None  # semantic | lexical | clip
    runner_up: str | None = None
    runner_up_score: float | None = None


class VisualSource(Protocol):
    name: str

    async def find(self, need: SceneNeed, cache_dir: Path) -> SceneVisual | None: ...


def orientation_of(width: int, height: int) -> str:
    if width <= 0 or height <= 0:
        return "unknown"
    ratio = width / height
    return "portrait" if ratio < 0.9 else "landscape" if ratio > 1.1 else "square"


__all__ = ["IMAGE_EXTS", "VIDEO_EXTS", "RankedVisual", "SceneNeed", "VisualSource", "orientation_of"]
