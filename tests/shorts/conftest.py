"""Shared helpers for the studio's tests: a renderer stand-in that records the timeline it was given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelforge.render import RenderResult
from reelforge.render.sidecar import write_sidecar


class RecordingRender:
    """Writes a placeholder file and its sidecar (the way the renderer does) and returns what a render would;
    keeps every timeline it saw."""

    def __init__(self, fail_with: BaseException | None = None) -> None:
        self.timelines: list[Any] = []
        self.fail_with = fail_with

    async def __call__(
        self, timeline: Any, out: Path, *, cancel: Any = None, on_progress: Any = None, sidecar_extra: Any = None
    ) -> RenderResult:
        self.timelines.append(timeline)
        if self.fail_with is not None:
            raise self.fail_with
        if on_progress:
            on_progress(1.0, "encoded")
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(b"placeholder")
        w, h = timeline.output.size
        result = RenderResult(
            path=Path(out),
            width=w,
            height=h,
            fps=timeline.output.fps,
            duration_s=timeline.duration_s,
            num_frames=int(timeline.duration_s * timeline.output.fps),
            sidecar=Path(out).with_suffix(".json"),
        )
        await write_sidecar(Path(out).with_suffix(".json"), result, timeline, ["ffmpeg"], sidecar_extra)
        return result


@pytest.fixture
def recording_render() -> RecordingRender:
    return RecordingRender()
