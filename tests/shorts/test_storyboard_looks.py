"""A storyboard's per-scene caption style and transition are what the render uses for that scene."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from reelforge.errors import InvalidRequest
from reelforge.media import probe
from reelforge.render import RenderResult, Timeline, render_timeline
from reelforge.shorts.pipeline import run_short
from reelforge.shorts.storyboard import read_storyboard, request_from_storyboard, scene_looks
from tests.render.render_probes import frames_at
from tests.shorts.test_storyboard import config, spoken  # noqa: F401  (spoken: the fixture)

DARK = "#101828"


def _plan(path: Path, second: dict[str, Any]) -> Path:
    scenes = [
        {"text": "Bees dance in the hive.", "visual": {"kind": "color", "color": DARK}, "caption_style": "bold"},
        {"text": "Then they fly out.", "visual": {"kind": "color", "color": DARK}, **second},
    ]
    board = {"kind": "reelforge.storyboard", "request": {"caption_style": "bold"}, "scenes": scenes}
    path.write_text(yaml.safe_dump(board, sort_keys=False))
    return path


class Recorded:
    """The real renderer, keeping the timeline it was given."""

    def __init__(self) -> None:
        self.timelines: list[Timeline] = []

    async def __call__(self, timeline: Timeline, out: Path, **kwargs: Any) -> RenderResult:
        self.timelines.append(timeline)
        return await render_timeline(timeline, out, **kwargs)


def _pixels(img: np.ndarray, rgb: tuple[int, int, int]) -> int:
    return int((np.abs(img.astype(int) - np.array(rgb)).max(axis=2) < 60).sum())


async def test_an_edited_scene_renders_with_its_own_style_and_transition(
    tmp_path: Path,
    spoken: list[str],  # noqa: F811
) -> None:
    plan = _plan(tmp_path / "plan.yaml", {"caption_style": "boxed", "transition": "fadewhite"})
    cfg = config()
    cfg.visuals.transition, cfg.visuals.transition_s = "cut", 0.4  # the plan's transition, not the config's
    cfg.output.resolution = 360
    render = Recorded()
    result = await run_short(
        request_from_storyboard(plan, output=tmp_path / "short.mp4"), cfg, data_dir=tmp_path / "d", render=render
    )
    (tl,) = render.timelines
    assert tl.scenes[0].caption_style is None and tl.scenes[0].transition is None
    assert tl.scenes[1].caption_style == "boxed"
    assert tl.scenes[1].transition is not None and tl.scenes[1].transition.kind == "fadewhite"
    assert tl.scenes[1].transition.duration_s == 0.4

    info = probe(result.path)
    assert info.height == 640 and abs(info.duration_s - tl.duration_s) < 0.15
    cut = tl.scene_starts()[1]
    first, flash, second = frames_at(result.path, [0.35, cut + 0.2, tl.duration_s - 0.5])
    assert flash.mean() > 150 > 60 > first.mean()  # the white fade into scene 2
    yellow, green = (0xFF, 0xE0, 0x00), (0x39, 0xE7, 0x5F)  # bold's and boxed's highlights
    assert _pixels(first, yellow) > 10 and _pixels(first, green) == 0
    assert _pixels(second, green) > 10 and _pixels(second, yellow) == 0

    side = json.loads(result.sidecar.read_text())["storyboard"]["scenes"]
    assert [s.get("caption_style") for s in side] == ["bold", "boxed"]
    assert side[1]["transition"] == "fadewhite"


async def test_unedited_scenes_follow_the_config_and_the_request(
    tmp_path: Path,
    spoken: list[str],  # noqa: F811
) -> None:
    from tests.shorts.conftest import RecordingRender

    plan = _plan(tmp_path / "plan.yaml", {"caption_style": "bold"})
    assert scene_looks(plan) is not None and all(look.caption_style is None for look in scene_looks(plan) or [])
    cfg = config()
    cfg.visuals.transition = "slideup"
    render = RecordingRender()
    await run_short(
        request_from_storyboard(plan, caption_style="neon"), cfg, data_dir=tmp_path / "d", render=render
    )  # --caption-style neon
    (tl,) = render.timelines
    assert tl.captions is not None and tl.captions.style == "neon"
    assert [s.caption_style for s in tl.scenes] == [None, None]  # "bold" was the plan's request-wide style
    assert tl.scenes[1].transition is not None and tl.scenes[1].transition.kind == "slideup"


@pytest.mark.parametrize(
    ("second", "field", "words"),
    [
        ({"transition": "spin"}, "plan.scenes.1.transition", ["scene 2", "'spin'", "fadewhite", "cut"]),
        ({"caption_style": "glow"}, "plan.scenes.1.caption_style", ["scene 2", "'glow'", "boxed", "neon"]),
    ],
)
def test_unknown_names_are_refused_naming_the_scene(
    tmp_path: Path, second: dict[str, Any], field: str, words: list[str]
) -> None:
    plan = _plan(tmp_path / "plan.yaml", second)
    with pytest.raises(InvalidRequest) as info:
        read_storyboard(plan)
    assert all(w in info.value.problems[field] for w in words), info.value.problems
    with pytest.raises(InvalidRequest):
        request_from_storyboard(plan)


def test_a_scene_may_give_a_style_of_its_own(tmp_path: Path) -> None:
    plan = _plan(tmp_path / "plan.yaml", {"caption_style": {"name": "mine", "box": True, "size": 50}})
    looks = scene_looks(plan)
    assert looks is not None and looks[1].caption_style is not None
    assert not isinstance(looks[1].caption_style, str) and looks[1].caption_style.size == 50
