"""The editable storyboard: plan a short, edit one scene, and only that scene's narration or visual is redone;
nothing already paid for is generated again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from reelforge.errors import InvalidRequest
from reelforge.shorts import pipeline
from reelforge.shorts.config import ShortsConfig
from reelforge.shorts.pipeline import run_short
from reelforge.shorts.request import ShortRequest
from reelforge.shorts.storyboard import read_storyboard, request_from_storyboard, run_plan, write_storyboard
from reelforge.shorts.tts.base import Segment, TTSEngine
from reelforge.types import Cost, VideoRequest, VideoResult
from tests.shorts.conftest import RecordingRender

TEXT = "A red kite climbs over a windy beach.\n\nThe lighthouse sweeps the dark sea.\n\nGulls sleep on the pier."


class CountingTTS(TTSEngine):
    """Half a second of tone per sentence, evenly timed words; every sentence it is asked for is kept."""

    name = "counting"
    timing_source = "even"

    def __init__(self, spoken: list[str]) -> None:
        self.spoken = spoken

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        self.spoken.append(sentence)
        rate, n = 16000, 8000
        samples = (0.2 * np.sin(np.arange(n) * 2 * np.pi * 220 / rate)).astype(np.float32)
        step = 0.5 / max(1, len(words))
        return Segment(samples, rate, [(i * step, (i + 1) * step) for i in range(len(words))], cost_usd=0.01)


@pytest.fixture
def spoken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr(pipeline, "create_tts", lambda config, language="en": CountingTTS(said))
    return said


def config() -> ShortsConfig:
    cfg = ShortsConfig()
    cfg.visuals.source = "generate"
    cfg.music.source = "none"
    cfg.output.resolution = 160
    return cfg


def generator(
    tiny_mp4: Path, folder: Path, asked: list[VideoRequest]
) -> Callable[[VideoRequest], Awaitable[VideoResult]]:
    async def generate(request: VideoRequest) -> VideoResult:
        asked.append(request)
        clip = folder / f"generated-{len(asked)}.mp4"
        shutil.copy(tiny_mp4, clip)
        cost = Cost(estimated_usd=0.5, actual_usd=0.5, billable=True)
        return VideoResult(
            path=clip, width=64, height=64, fps=8, num_frames=8, duration_s=1, backend="procedural", cost=cost
        )

    return generate


async def test_editing_one_scene_redoes_only_that_scene(tmp_path: Path, tiny_mp4: Path, spoken: list[str]) -> None:
    asked: list[VideoRequest] = []
    generate = generator(tiny_mp4, tmp_path, asked)
    request = ShortRequest(script_text=TEXT, caption_style="clean", output=tmp_path / "short.mp4")
    board = await run_plan(request, config(), data_dir=tmp_path / "data", generate=generate)
    plan = write_storyboard(board, tmp_path / "plan.yaml")
    assert len(spoken) == 3 and len(asked) == 3  # planning speaks and generates every scene once

    data = yaml.safe_load(plan.read_text())
    assert data["kind"] == "reelforge.storyboard" and data["request"]["caption_style"] == "clean"
    first = data["scenes"][0]
    assert first["text"] == "A red kite climbs over a windy beach." and first["search_terms"]
    assert first["visual"]["source"] == "generate" and Path(first["visual"]["path"]).is_file()
    assert first["caption_style"] == "clean" and data["scenes"][1]["transition"] == "fade"

    render = RecordingRender()
    result = await run_short(
        request_from_storyboard(plan, output=tmp_path / "a.mp4"),
        config(),
        data_dir=tmp_path / "data",
        generate=generate,
        render=render,
    )
    assert len(spoken) == 3 and len(asked) == 3  # rendering the plan as it is: nothing said or made again
    assert [s.source for s in result.scenes] == ["generate"] * 3
    sidecar = json.loads(result.sidecar.read_text())
    assert [s["visual"]["path"] for s in sidecar["storyboard"]["scenes"]] == [
        s["visual"]["path"] for s in data["scenes"]
    ]

    data["scenes"][1]["text"] = "At night the lighthouse sweeps the black sea."
    plan.write_text(yaml.safe_dump(data, sort_keys=False))
    result = await run_short(
        request_from_storyboard(plan, output=tmp_path / "b.mp4"),
        config(),
        data_dir=tmp_path / "data",
        generate=generate,
        render=render,
    )
    assert spoken[3:] == ["At night the lighthouse sweeps the black sea."]  # only the edited scene is spoken
    assert len(asked) == 3 and result.scenes[1].text.endswith("black sea.")

    data["scenes"][2]["visual"] = None
    data["scenes"][2]["visual_prompt"] = "gulls asleep on a wooden pier"
    plan.write_text(yaml.safe_dump(data, sort_keys=False))
    result = await run_short(
        request_from_storyboard(plan, output=tmp_path / "c.mp4"),
        config(),
        data_dir=tmp_path / "data",
        generate=generate,
        render=render,
    )
    assert len(spoken) == 4  # no narration redone
    assert [r.prompt for r in asked[3:]] == ["gulls asleep on a wooden pier"]  # only that visual is made again
    kept = [v.visual.path for v in render.timelines[-1].scenes[:2]]
    assert [Path(p).name for p in kept] == ["generated-1.mp4", "generated-2.mp4"]

    data = yaml.safe_load(plan.read_text())  # the new pick was written back into the plan
    assert Path(data["scenes"][2]["visual"]["path"]).name == "generated-4.mp4"
    data["scenes"][0]["search_terms"] = ["kite festival"]  # the visual stays in the file, chosen for other terms
    plan.write_text(yaml.safe_dump(data, sort_keys=False))
    await run_short(
        request_from_storyboard(plan, output=tmp_path / "d.mp4"),
        config(),
        data_dir=tmp_path / "data",
        generate=generate,
        render=render,
    )
    assert len(asked) == 5 and len(spoken) == 4  # scene 1's visual alone is made again
    assert [Path(v.visual.path).name for v in render.timelines[-1].scenes[1:]] == [
        "generated-2.mp4",
        "generated-4.mp4",
    ]


async def test_a_hand_picked_file_and_bad_plans(tmp_path: Path, tiny_mp4: Path, spoken: list[str]) -> None:
    shutil.copy(tiny_mp4, tmp_path / "mine.mp4")
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "kind": "reelforge.storyboard",
                "scenes": [{"text": "My own clip.", "visual": {"path": "mine.mp4"}}],
            }
        )
    )
    render = RecordingRender()
    result = await run_short(request_from_storyboard(plan), config(), data_dir=tmp_path / "d", render=render)
    assert result.scenes[0].source == "storyboard" and result.scenes[0].kind == "clip"
    assert Path(render.timelines[-1].scenes[0].visual.path) == tmp_path / "mine.mp4"

    other = tmp_path / "script.yaml"
    other.write_text("scenes:\n  - text: Just a script.\n")
    assert read_storyboard(other) is None
    with pytest.raises(InvalidRequest, match="not a storyboard"):
        request_from_storyboard(other)
    plan.write_text(yaml.safe_dump({"kind": "reelforge.storyboard", "scenes": [{"txt": "typo"}]}))
    with pytest.raises(InvalidRequest) as info:
        read_storyboard(plan)
    assert any(k.startswith("plan.scenes") for k in info.value.problems)
