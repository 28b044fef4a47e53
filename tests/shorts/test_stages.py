"""The stages over one run state: order, progress per stage, a pinned work folder, resume, the sidecar."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
from pathlib import Path
from typing import Any

import pytest

from reelforge.errors import Cancelled
from reelforge.media import atomic as atomic_mod
from reelforge.shorts import pipeline as pipeline_mod
from reelforge.shorts.pipeline import run_short
from reelforge.shorts.request import ShortRequest
from reelforge.shorts.stages import STAGES
from reelforge.types import CancelToken
from tests.fakes.llm_servers import OllamaFake
from tests.shorts.conftest import RecordingRender
from tests.shorts.test_pipeline import TEXT, fast_config

NAMES = ["script", "plan", "narration", "visuals", "music", "metadata", "render"]


def test_stages_run_in_order_and_each_fits_on_one_screen() -> None:
    assert [s.name for s in STAGES] == NAMES
    assert sum(s.weight for s in STAGES) == pytest.approx(1.0)
    for stage in STAGES:
        lines, _ = inspect.getsourcelines(stage.run)
        assert len(lines) < 60, f"the {stage.name} stage is {len(lines)} lines"


async def test_progress_names_every_stage_in_order(tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    await run_short(
        ShortRequest(script_text=TEXT),
        fast_config(),
        data_dir=tmp_path,
        render=RecordingRender(),
        on_progress=lambda f, m: seen.append((f, m)),
    )
    started = [m.split(":")[0] for _, m in seen if m.endswith(": starting")]
    finished = [m.split(":")[0] for _, m in seen if m.endswith(": done")]
    assert started == NAMES and finished == NAMES
    assert any(m.startswith("narration: sentence 1/") for _, m in seen)
    assert any(m.startswith("render: encoded") for _, m in seen)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1] == (pytest.approx(1.0), "render: done")


async def test_a_work_dir_pins_the_run_folder_and_a_rerun_takes_every_finished_stage(tmp_path: Path) -> None:
    work = tmp_path / "job-1"
    request = ShortRequest(script_text=TEXT)
    first = await run_short(request, fast_config(), data_dir=tmp_path, work_dir=work, render=RecordingRender())
    assert first.run_dir == work and first.path == work / "short.mp4" and first.resumed == []
    assert not (tmp_path / "shorts" / "runs").exists()
    stored = {p.name for p in work.glob("*.json")}
    assert {"script.json", "plan.json", "narration.json", "visuals.json", "metadata.json"} <= stored
    wav = work / "narration.wav"
    made = wav.stat().st_mtime_ns
    render = RecordingRender()
    again = await run_short(request, fast_config(), data_dir=tmp_path, work_dir=work, render=render)
    assert again.resumed == ["script", "plan", "narration", "visuals", "metadata"]
    assert wav.stat().st_mtime_ns == made and len(render.timelines) == 1  # not spoken again; rendered again
    assert again.narration_s == first.narration_s and again.metadata == first.metadata


async def test_cancel_between_scenes_names_the_visuals_stage_and_keeps_the_chosen_scenes(tmp_path: Path) -> None:
    cancel = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("visuals: scene 1/"):
            cancel.cancel()

    request = ShortRequest(script_text=TEXT)
    with pytest.raises(Cancelled) as err:
        await run_short(
            request, fast_config(), data_dir=tmp_path, render=RecordingRender(), on_progress=progress, cancel=cancel
        )
    assert err.value.stage == "visuals" and "visuals stage" in err.value.message
    seen: list[str] = []
    result = await run_short(
        request, fast_config(), data_dir=tmp_path, render=RecordingRender(), on_progress=lambda f, m: seen.append(m)
    )
    assert result.resumed == ["script", "plan", "narration"]
    assert not any(m.startswith("visuals: scene 1/") for m in seen)  # scene 1 came from the partial record
    assert any(m.startswith("visuals: scene 2/") for m in seen)


async def test_the_sidecar_is_written_once_with_the_studio_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replaced: list[Path] = []
    real_replace = os.replace

    def counting_replace(src: Any, dst: Any) -> None:
        replaced.append(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic_mod.os, "replace", counting_replace)
    out = tmp_path / "v.mp4"
    result = await run_short(
        ShortRequest(script_text=TEXT, output=out), fast_config(), data_dir=tmp_path, render=RecordingRender()
    )
    assert result.sidecar == out.with_suffix(".json") and replaced.count(result.sidecar) == 1
    side = json.loads(result.sidecar.read_text(encoding="utf-8"))
    short = side["short"]
    assert short["metadata"] == json.loads(result.metadata.model_dump_json())
    assert short["metadata"]["tags"] and short["metadata"]["chapters"][0][0] == 0.0
    assert short["voice"] == result.voice and short["tts"] == "espeak"
    assert [s["source"] for s in short["scenes"]] == ["fallback", "fallback"] and "sidecar" not in short
    assert [s["text"] for s in side["script"]["scenes"]] == [s.text for s in result.scenes]
    assert side["script"]["scenes"][0]["search_terms"] and side["request"]["script_text"] == TEXT
    assert side["ffmpeg_args"] and side["result"]["width"] == result.width


class HangingLLM:
    """An LLM that never answers; records that it was asked and whether its call was dropped."""

    name, model = "hanging", "none"

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.dropped = False

    async def chat(self, messages: list[Any], *, json_mode: bool = False) -> str:
        self.asked.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.dropped = True
            raise
        return "{}"


async def test_cancel_reaches_an_llm_call_that_takes_no_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = HangingLLM()
    monkeypatch.setattr(pipeline_mod, "create_llm", lambda config: llm)
    cancel = CancelToken()

    async def cancel_when_asked() -> None:
        await llm.asked.wait()
        cancel.cancel()

    canceller = asyncio.create_task(cancel_when_asked())
    run = run_short(
        ShortRequest(topic="volcanoes"), fast_config(), data_dir=tmp_path, render=RecordingRender(), cancel=cancel
    )
    with pytest.raises(Cancelled) as err:
        await asyncio.wait_for(run, 60)
    await canceller
    assert err.value.stage == "script" and llm.dropped


async def test_an_llm_that_fails_leaves_the_keyword_plan_and_the_scripts_metadata(tmp_path: Path) -> None:
    with OllamaFake(["this is not JSON"]) as llm:
        cfg = fast_config()
        cfg.llm.provider, cfg.llm.base_url = "ollama", llm.url
        result = await run_short(ShortRequest(script_text=TEXT), cfg, data_dir=tmp_path, render=RecordingRender())
    assert len(llm.bodies) == 4  # plan and metadata: each asked, then asked once to repair
    assert any(w.startswith("scene plan from keywords: the LLM failed") for w in result.warnings)
    assert any(w.startswith("metadata from the script: the LLM failed") for w in result.warnings)
    assert result.metadata.source == "script" and result.metadata.title
    side = json.loads(Path(result.sidecar or "").read_text(encoding="utf-8"))
    assert all(scene["search_terms"] and scene["visual_prompt"] for scene in side["script"]["scenes"])


async def test_a_changed_script_in_the_same_folder_is_spoken_anew(tmp_path: Path) -> None:
    work = tmp_path / "job-2"
    first = await run_short(
        ShortRequest(script_text=TEXT), fast_config(), data_dir=tmp_path, work_dir=work, render=RecordingRender()
    )
    edited = TEXT.replace("Ash rises high.", "Ash rises very high into the sky.")
    second = await run_short(
        ShortRequest(script_text=edited), fast_config(), data_dir=tmp_path, work_dir=work, render=RecordingRender()
    )
    assert second.resumed == [] and second.words == first.words + 4
    assert second.scenes[1].text.endswith("into the sky.")
