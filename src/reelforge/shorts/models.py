"""Value objects passed between the studio's stages (each one is what a stage checkpoints)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VisualKind = Literal["clip", "image", "color"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScriptScene(_Model):
    """One scene of the script: what is said, and hints for what is shown."""

    text: str
    visual_hint: str | None = None
    duration_s: float | None = Field(default=None, gt=0)  # a wish; narration decides the real length
    search_terms: list[str] = Field(default_factory=list)
    visual_prompt: str | None = None


class Script(_Model):
    title: str | None = None
    language: str = "en"
    scenes: list[ScriptScene] = Field(min_length=1)
    source: Literal["file", "text", "llm"] = "text"
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.scenes)

    @property
    def word_count(self) -> int:
        return sum(len(s.text.split()) for s in self.scenes)


class WordTiming(_Model):
    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    scene: int = 0


class Narration(_Model):
    """The narration track and where every script word is spoken in it."""

    path: Path
    duration_s: float
    engine: str
    voice: str | None = None
    scene_spans: list[tuple[float, float]]  # (start, end) of each scene's speech in the track
    words: list[WordTiming]
    timing_source: str  # piper-alignment | espeak-events | edge-word-boundary | elevenlabs | whisper | even
    cost_usd: float = 0.0
    warnings: list[str] = Field(default_factory=list)


class SceneVisual(_Model):
    """What one scene shows and where it came from."""

    scene: int
    source: str  # library | pexels | pixabay | generate | fallback
    kind: VisualKind
    path: Path | None = None
    color: str | None = None
    gradient_to: str | None = None
    title: str | None = None
    detail: str = ""  # file name, provider id, prompt
    cost_usd: float = 0.0
    fallback_reason: str | None = None


class Metadata(_Model):
    title: str
    description: str
    tags: list[str] = Field(default_factory=list)
    chapters: list[tuple[float, str]] = Field(default_factory=list)
    source: Literal["llm", "script"] = "script"


__all__ = ["Metadata", "Narration", "SceneVisual", "Script", "ScriptScene", "VisualKind", "WordTiming"]
