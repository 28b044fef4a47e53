"""The sidecar: one JSON file beside the MP4, written once with the caller's sections in it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reelforge.media import atomic as atomic_mod
from reelforge.render import ColorVisual, OutputSpec, RenderResult, Scene, Timeline, render_timeline
from reelforge.render.sidecar import RESERVED, sidecar_document

OUT = OutputSpec(width=144, height=256, fps=10, quality="draft")


def _timeline() -> Timeline:
    return Timeline(output=OUT, scenes=[Scene(duration_s=1.0, visual=ColorVisual(title="one"))], title="T")


def _result(path: Path) -> RenderResult:
    return RenderResult(path=path, width=144, height=256, fps=10, duration_s=1.0, num_frames=10)


def test_caller_sections_are_added_and_cannot_replace_the_renderers(tmp_path: Path) -> None:
    seen: list[RenderResult] = []

    def extra(result: RenderResult) -> dict[str, Any]:
        seen.append(result)
        return {"short": {"title": "Volcanoes", "made_from": result.width}, "result": "overwritten?"}

    doc = sidecar_document(_result(tmp_path / "a.mp4"), _timeline(), ["-i", "x" * 5000], extra)
    assert list(doc) == [*RESERVED, "short"]
    assert doc["short"] == {"title": "Volcanoes", "made_from": 144} and seen[0].num_frames == 10
    assert doc["result"]["num_frames"] == 10 and doc["timeline"]["title"] == "T"
    assert doc["ffmpeg_args"][0] == "-i" and len(doc["ffmpeg_args"][1]) < 2100


async def test_render_writes_the_sidecar_once_with_the_extra_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replaced: list[Path] = []
    real_replace = os.replace

    def counting_replace(src: Any, dst: Any) -> None:
        replaced.append(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic_mod.os, "replace", counting_replace)
    out = tmp_path / "s.mp4"
    res = await render_timeline(_timeline(), out, sidecar_extra=lambda r: {"short": {"frames": r.num_frames}})
    assert res.sidecar == out.with_suffix(".json") and replaced.count(res.sidecar) == 1
    side = json.loads(res.sidecar.read_text(encoding="utf-8"))
    assert side["short"] == {"frames": res.num_frames} and side["result"]["num_frames"] == res.num_frames
    assert side["ffmpeg_args"] and not list(tmp_path.glob(".*part*"))
