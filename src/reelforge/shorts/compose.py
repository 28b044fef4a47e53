"""Stage 7's input: the renderer's timeline built from the script, narration, visuals and music."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from ..errors import InvalidRequest
from ..render import (
    Captions,
    CaptionStyle,
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
from ..render.timeline import TransitionKind
from .config import ShortsConfig
from .models import Narration, SceneVisual

END_HOLD_S = 0.5
#: the transitions a scene may enter with (``cut``: none)
TRANSITIONS: tuple[str, ...] = get_args(TransitionKind)


@dataclass(frozen=True)
class SceneLook:
    """A scene's own caption style and transition into it (from a storyboard); None: the config's."""

    caption_style: str | CaptionStyle | None = None
    transition: str | None = None


def transition_problem(kind: str) -> str | None:
    """Why ``kind`` is no transition the renderer knows; None when it is one."""
    return None if kind in TRANSITIONS else f"unknown transition {kind!r}; choose one of {', '.join(TRANSITIONS)}"


def check_transition(kind: str, where: str) -> str:
    """``kind`` when it is a transition the renderer knows, else InvalidRequest naming ``where``."""
    if (problem := transition_problem(kind)) is not None:
        raise InvalidRequest({where: problem})
    return kind


def scene_durations(narration: Narration) -> list[float]:
    """Scenes change halfway through the pause between two scenes' speech; the last holds a moment."""
    spans = narration.scene_spans
    bounds = [0.0]
    for (_, end), (start, _) in itertools.pairwise(spans):
        bounds.append(max(bounds[-1] + 0.1, (end + start) / 2))
    bounds.append(max(bounds[-1] + 0.5, narration.duration_s + END_HOLD_S))
    return [round(b - a, 3) for a, b in itertools.pairwise(bounds)]


def _visual(v: SceneVisual, sound_db: float | None = None) -> ClipVisual | ImageVisual | ColorVisual:
    if v.kind == "clip" and v.path is not None:
        return ClipVisual(path=Path(v.path), fill="loop", sound_db=sound_db)
    if v.kind == "image" and v.path is not None:
        return ImageVisual(path=Path(v.path), seed=v.scene)
    return ColorVisual(color=v.color or "#101820", gradient_to=v.gradient_to, title=v.title)


def _transition(kind: str, duration_s: float) -> Transition | None:
    return None if kind == "cut" or duration_s <= 0 else Transition(kind=kind, duration_s=duration_s)  # type: ignore[arg-type]


def _scenes(
    config: ShortsConfig, durations: list[float], visuals: list[SceneVisual], looks: list[SceneLook]
) -> list[Scene]:
    """One scene per visual; a scene's own transition and caption style (its look) win over the config's."""
    default = config.captions.style
    scenes = []
    for i, (d, v) in enumerate(zip(durations, visuals, strict=True)):
        look = looks[i] if i < len(looks) else SceneLook()
        style = None if look.caption_style in (None, default) else look.caption_style
        transition = None
        if i:  # the first scene enters with nothing
            where = f"scenes[{i}].transition" if look.transition else "shorts.visuals.transition"
            kind = check_transition(look.transition or config.visuals.transition, where)
            transition = _transition(kind, config.visuals.transition_s)
        visual = _visual(v, config.visuals.clip_sound_db)
        scenes.append(Scene(duration_s=d, visual=visual, transition=transition, caption_style=style))
    return scenes


def build_timeline(
    config: ShortsConfig,
    narration: Narration,
    visuals: list[SceneVisual],
    music: Path | None,
    title: str | None = None,
    looks: list[SceneLook] | None = None,
) -> Timeline:
    """The renderer's timeline; ``looks`` (a storyboard's, by scene) set scenes' own transition and caption style."""
    out = config.output
    scenes = _scenes(config, scene_durations(narration), visuals, looks or [])
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


__all__ = [
    "END_HOLD_S",
    "TRANSITIONS",
    "SceneLook",
    "build_timeline",
    "check_transition",
    "scene_durations",
    "transition_problem",
]
