"""What a finished run reports: the ``ShortResult``, and the studio's sections of the render's sidecar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..render import RenderResult
from .request import SceneReport, ShortResult
from .state import RunState

RANKING = ("score", "ranker", "runner_up", "runner_up_score")  # set on visuals a source ranked


def scene_reports(state: RunState) -> list[SceneReport]:
    script, reports, start = state.need_script(), [], 0.0
    for i, (scene, visual, duration) in enumerate(zip(script.scenes, state.visuals, state.durations, strict=True)):
        reports.append(
            SceneReport(
                index=i,
                text=scene.text,
                start_s=round(start, 3),
                end_s=round(start + duration, 3),
                source=visual.source,
                kind=visual.kind,
                detail=visual.detail,
                fallback_reason=visual.fallback_reason,
                cost_usd=visual.cost_usd,
                **{k: getattr(visual, k, None) for k in RANKING},
            )
        )
        start += duration
    return reports


def build_result(state: RunState, rendered: RenderResult, run_dir: Path) -> ShortResult:
    """The run's result from its state and the measured render (reads the state, changes nothing)."""
    narration = state.need_narration()
    fallbacks = [
        f"scene {v.scene + 1}: {v.source} used ({v.fallback_reason})" for v in state.visuals if v.fallback_reason
    ]
    return ShortResult(
        path=rendered.path,
        width=rendered.width,
        height=rendered.height,
        fps=rendered.fps,
        duration_s=rendered.duration_s,
        narration_s=round(narration.duration_s, 3),
        scenes=scene_reports(state),
        words=len(narration.words),
        timing_source=narration.timing_source,
        tts=narration.engine,
        voice=narration.voice,
        music=state.music,
        metadata=state.need_metadata(),
        cost_usd=state.cost_usd,
        timings={**state.timings, **{f"render.{k}": v for k, v in rendered.timings.items()}},
        resumed=list(state.resumed),
        run_dir=run_dir,
        sidecar=rendered.sidecar,
        srt=rendered.srt,
        vtt=rendered.vtt,
        thumbnail=rendered.thumbnail,
        warnings=[*state.warnings, *fallbacks, *rendered.warnings],
    )


def sidecar_sections(state: RunState, rendered: RenderResult, run_dir: Path) -> dict[str, Any]:
    """The studio's part of the sidecar: ``short`` (the result: title, description, tags, chapters, voice,
    every scene's visual source), ``script`` (the scene plan) and ``request``. No secrets: the request holds
    none and the config is not written."""
    result = build_result(state, rendered, run_dir)
    return {
        "short": result.model_dump(mode="json", exclude={"sidecar"}),
        "script": state.need_script().model_dump(mode="json"),
        "request": state.request.model_dump(mode="json", exclude_none=True),
    }


__all__ = ["RANKING", "build_result", "scene_reports", "sidecar_sections"]
