"""The typed timeline: what to render, independent of how.

Timing rule: transitions never move anything. Scene ``i`` starts at the sum of the earlier scenes'
``duration_s``; the transition *into* scene ``i`` runs from that start for ``transition.duration_s``
while the previous scene keeps playing underneath. The timeline lasts ``sum(duration_s)``, so
captions and narration timed against the script stay in sync whatever transitions are chosen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..types import VideoRequest

AspectRatio = Literal["9:16", "16:9", "1:1"]
Quality = Literal["draft", "standard", "high"]
Fit = Literal["cover", "contain"]
KenBurns = Literal["auto", "none", "in", "out", "left", "right", "up", "down"]
CaptionMode = Literal["karaoke", "word", "sentence", "none"]
Position = Literal["top", "middle", "bottom"]
TransitionKind = Literal[
    "cut",
    "fade",
    "dissolve",
    "fadeblack",
    "fadewhite",
    "slideleft",
    "slideright",
    "slideup",
    "slidedown",
    "wipeleft",
    "wiperight",
    "wipeup",
    "wipedown",
    "zoomin",
    "circleopen",
    "circleclose",
    "smoothleft",
    "smoothright",
]

_ASPECTS = {"9:16": (9, 16), "16:9": (16, 9), "1:1": (1, 1)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutputSpec(_Model):
    """The file to write. ``width``/``height`` (both even) override ``aspect_ratio`` + ``resolution``."""

    aspect_ratio: AspectRatio = "9:16"
    resolution: int = Field(default=1080, ge=144, le=4320, description="short side in pixels")
    width: int | None = Field(default=None, ge=16, le=8192)
    height: int | None = Field(default=None, ge=16, le=8192)
    fps: float = Field(default=30.0, gt=0, le=120)
    quality: Quality = "standard"
    encoder: str = "auto"  # "auto" | "libx264" | "h264_nvenc" | "h264_qsv" | "h264_videotoolbox" | ...
    keyframe_interval_s: float = Field(default=2.0, gt=0, le=10)
    loudness_lufs: float = Field(default=-14.0, ge=-40, le=-5)
    true_peak_db: float = Field(default=-1.0, ge=-9, le=0)
    audio_bitrate_k: int = Field(default=160, ge=32, le=512)
    thumbnail_at_s: float | None = None  # None: a third into the timeline
    threads: int | None = Field(default=None, ge=1, le=64)

    @model_validator(mode="after")
    def _both_or_neither(self) -> OutputSpec:
        if (self.width is None) != (self.height is None):
            raise ValueError("give both width and height, or neither")
        for name in ("width", "height"):
            v = getattr(self, name)
            if v is not None and v % 2:
                raise ValueError(f"{name} must be even for yuv420p, got {v}")
        return self

    @property
    def size(self) -> tuple[int, int]:
        """Output (width, height) in pixels, both even."""
        if self.width and self.height:
            return self.width, self.height
        aw, ah = _ASPECTS[self.aspect_ratio]
        short = self.resolution - self.resolution % 2
        if aw <= ah:
            w, h = short, short * ah / aw
        else:
            w, h = short * aw / ah, short
        return int(round(w / 2) * 2), int(round(h / 2) * 2)


class Transition(_Model):
    """How scene ``i`` enters over scene ``i-1`` (ffmpeg ``xfade`` transitions; ``cut`` = none)."""

    kind: TransitionKind = "fade"
    duration_s: float = Field(default=0.5, ge=0, le=5)


class ClipVisual(_Model):
    """A video file. Trimmed from ``start_s``; when shorter than the scene it loops, freezes or slows."""

    kind: Literal["clip"] = "clip"
    path: Path
    start_s: float = Field(default=0.0, ge=0)
    fill: Literal["loop", "freeze", "slow"] = "loop"
    # None: the clip's own sound is dropped; a gain in dB: it plays under the narration, ducked like music
    sound_db: float | None = Field(default=None, ge=-60, le=12)


class ImageVisual(_Model):
    """A still, animated with a slow Ken Burns pan/zoom (``auto`` picks a direction from ``seed``)."""

    kind: Literal["image"] = "image"
    path: Path
    kenburns: KenBurns = "auto"
    zoom: float = Field(default=1.15, ge=1.0, le=2.0, description="zoom at the far end of the move")
    seed: int | None = None


class ColorVisual(_Model):
    """A solid colour or a two-stop gradient, optionally with big title text."""

    kind: Literal["color"] = "color"
    color: str = "#101820"
    gradient_to: str | None = None
    gradient_direction: Literal["vertical", "horizontal", "diagonal"] = "vertical"
    title: str | None = None
    title_color: str = "#FFFFFF"

    @field_validator("color", "gradient_to", "title_color")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is None:
            return v
        s = v.lstrip("#")
        if len(s) not in (6, 8) or any(c not in "0123456789abcdefABCDEF" for c in s):
            raise ValueError(f"colour must be #RRGGBB or #RRGGBBAA, got {v!r}")
        return "#" + s.upper()


class GeneratedVisual(_Model):
    """A clip to generate first (by the ``generate`` callable given to ``render_timeline``)."""

    kind: Literal["generated"] = "generated"
    request: VideoRequest
    fill: Literal["loop", "freeze", "slow"] = "slow"


Visual = Annotated[ClipVisual | ImageVisual | ColorVisual | GeneratedVisual, Field(discriminator="kind")]


class Scene(_Model):
    duration_s: float = Field(gt=0, le=3600)
    visual: Visual
    fit: Fit = "cover"
    transition: Transition | None = None  # into this scene; ignored on the first scene
    caption_style: str | CaptionStyle | None = None  # captions whose first word falls here; None = the captions'


class Word(_Model):
    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Word:
        if self.end_s < self.start_s:
            raise ValueError(f"word {self.text!r} ends ({self.end_s}) before it starts ({self.start_s})")
        return self


class CaptionStyle(_Model):
    """Look of burned captions. Sizes are in pixels at a 1080-pixel short side and scale with it."""

    name: str = "custom"
    font: str | None = None  # family name; None = the shipped default (with Noto fallbacks)
    size: int = Field(default=72, ge=8, le=400)
    bold: bool = True
    uppercase: bool = False
    primary_color: str = "#FFFFFF"
    highlight_color: str = "#FFE000"
    outline_color: str = "#000000"
    outline: float = Field(default=5.0, ge=0, le=20)
    shadow: float = Field(default=0.0, ge=0, le=20)
    box: bool = False  # opaque box behind the text instead of an outline
    box_color: str = "#000000B0"
    pop: bool = True  # "word" mode: each chunk scales in


class Captions(_Model):
    words: list[Word] = Field(default_factory=list)
    mode: CaptionMode = "karaoke"
    style: str | CaptionStyle = "bold"  # preset name (see captions.PRESETS) or a CaptionStyle
    position: Position = "bottom"
    margin_v: int | None = Field(default=None, ge=0, description="px from the edge at 1080; None = safe")
    max_chars_per_line: int = Field(default=22, ge=4, le=80)
    max_lines: int = Field(default=2, ge=1, le=3)
    font: str | None = None  # overrides the style's font
    write_sidecars: bool = True  # SRT + WebVTT next to the output


class Music(_Model):
    path: Path
    volume_db: float = Field(default=-18.0, ge=-60, le=12)
    fade_in_s: float = Field(default=1.0, ge=0)
    fade_out_s: float = Field(default=2.0, ge=0)
    duck: bool = True  # compress the music under narration
    start_s: float = Field(default=0.0, ge=0)


class Timeline(_Model):
    output: OutputSpec = Field(default_factory=OutputSpec)
    scenes: list[Scene] = Field(min_length=1)
    narration: Path | None = None
    narration_volume_db: float = Field(default=0.0, ge=-60, le=24)
    music: Music | None = None
    captions: Captions | None = None
    title: str | None = None  # stored in the sidecar and the MP4 metadata

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.scenes)

    def scene_starts(self) -> list[float]:
        starts, t = [], 0.0
        for s in self.scenes:
            starts.append(t)
            t += s.duration_s
        return starts


__all__ = [
    "AspectRatio",
    "CaptionMode",
    "CaptionStyle",
    "Captions",
    "ClipVisual",
    "ColorVisual",
    "Fit",
    "GeneratedVisual",
    "ImageVisual",
    "KenBurns",
    "Music",
    "OutputSpec",
    "Position",
    "Quality",
    "Scene",
    "Timeline",
    "Transition",
    "TransitionKind",
    "Visual",
    "Word",
]
