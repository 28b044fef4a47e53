"""Stage 7's input: the renderer's timeline built from the script, narration, visuals and music."""

from __future__ import annotations

import itertools
from pathlib import Path

from ..render import (
    Captions,
    ClipVisual,
    ColorVisual,
    ImageVisual,
    Music,
    OutputSpec,
    Scene,
    Timeline,
    Transition,
    Word,
)
from .config import ShortsConfig
from .models import Narration, SceneVisual

END_HOLD_S = 0.5


def scene_durations(narration: Narration) -> list[float]:
    """Scenes change halfway through the pause between two scenes' speech; the last holds a moment."""
    spans = narration.scene_spans
    bounds = [0.0]
    for (_, end), (start, _) in itertools.pairwise(spans):
        bounds.append(max(bounds[-1] + 0.1, (end + start) / 2))
    bounds.append(max(bounds[-1] + 0.5, narration.duration_s + END_HOLD_S))
    return [round(b - a, 3) for a, b in itertools.pairwise(bounds)]


def _visual(v: SceneVisual) -> ClipVisual | ImageVisual | ColorVisual:
    if v.kind == "clip" and v.path is not None:
        return ClipVisual(path=Path(v.path), fill="loop")
    if v.kind == "image" and v.path is not None:
        return ImageVisual(path=Path(v.path), seed=v.scene)
    return ColorVisual(color=v.color or "#101820", gradient_to=v.gradient_to, title=v.title)


def build_timeline(
    config: ShortsConfig, narration: Narration, visuals: list[SceneVisual], music: Path | None, title: str | None = None
) -> Timeline:
    out = config.output
    durations = scene_durations(narration)
    transition = None
    if config.visuals.transition != "cut" and config.visuals.transition_s > 0:
        transition = Transition(kind=config.visuals.transition, duration_s=config.visuals.transition_s)
    scenes = [
        Scene(duration_s=d, visual=_visual(v), transition=transition if i else None)
        for i, (d, v) in enumerate(zip(durations, visuals, strict=True))
    ]
    captions = None
    if config.captions.mode != "none":
        captions = Captions(
            words=[Word(text=w.text, start_s=w.start_s, end_s=w.end_s) for w in narration.words],
            mode=config.captions.mode,
            style=config.captions.style,
            position=config.captions.position,
        )
    return Timeline(
        output=OutputSpec(
            aspect_ratio=out.aspect_ratio,
            resolution=out.resolution,
            fps=out.fps,
            quality=out.quality,
            loudness_lufs=out.loudness_lufs,
        ),
        scenes=scenes,
        narration=narration.path,
        music=Music(path=music, volume_db=config.music.volume_db, duck=config.music.duck) if music else None,
        captions=captions,
        title=title,
    )


__all__ = ["END_HOLD_S", "build_timeline", "scene_durations"]
