"""``shorts.visuals.clip_sound_db``: a library clip's own sound under the narration, off by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from reelforge.render import ClipVisual, ImageVisual
from reelforge.shorts.compose import build_timeline
from reelforge.shorts.config import ShortsConfig, VisualsConfig
from reelforge.shorts.models import Narration, SceneVisual, WordTiming


def _narration(tmp_path: Path) -> Narration:
    words = [
        WordTiming(text="hello", start_s=0.1, end_s=0.5, scene=0),
        WordTiming(text="there", start_s=2.1, end_s=2.6, scene=1),
    ]
    return Narration(
        path=tmp_path / "narration.wav",
        duration_s=3.0,
        engine="test",
        scene_spans=[(0.1, 0.5), (2.1, 2.6)],
        words=words,
        timing_source="even",
    )


def _visuals(tmp_path: Path) -> list[SceneVisual]:
    return [
        SceneVisual(scene=0, source="library", kind="clip", path=tmp_path / "waves.mp4"),
        SceneVisual(scene=1, source="library", kind="image", path=tmp_path / "still.jpg"),
    ]


def test_clip_sound_is_off_by_default(tmp_path: Path) -> None:
    tl = build_timeline(ShortsConfig(), _narration(tmp_path), _visuals(tmp_path), None)
    clip = tl.scenes[0].visual
    assert isinstance(clip, ClipVisual) and clip.sound_db is None


def test_the_switch_reaches_every_clip_scene(tmp_path: Path) -> None:
    cfg = ShortsConfig(visuals=VisualsConfig(clip_sound_db=-12))
    tl = build_timeline(cfg, _narration(tmp_path), _visuals(tmp_path), None)
    clip, still = tl.scenes[0].visual, tl.scenes[1].visual
    assert isinstance(clip, ClipVisual) and clip.sound_db == -12
    assert isinstance(still, ImageVisual)  # stills have no sound to keep


def test_the_gain_is_bounded() -> None:
    with pytest.raises(ValidationError):
        VisualsConfig(clip_sound_db=40)
