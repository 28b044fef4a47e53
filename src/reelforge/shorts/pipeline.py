"""The studio's stages, each a checkpoint in the run folder, with progress and cancellation throughout."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..errors import Cancelled, ReelforgeError
from ..types import CancelToken, ProgressCallback, report
from . import metadata as meta
from .checkpoints import RunFolder, file_digest, fingerprint
from .compose import build_timeline, scene_durations
from .config import ShortsConfig
from .llm import create_llm
from .models import Metadata, Narration, SceneVisual, Script
from .music import choose_music
from .narration import narrate, use_voiceover
from .overrides import check_request, effective_config
from .plan import plan_from_text, plan_with_llm, write_script
from .request import SceneReport, ShortRequest, ShortResult
from .script import estimate_seconds, load_script, parse_script
from .tts import create_tts
from .visuals import build_sources, choose_visuals
from .visuals.generate import GenerateFn

WEIGHTS = {
    "script": 0.04,
    "plan": 0.02,
    "narration": 0.22,
    "visuals": 0.12,
    "music": 0.01,
    "metadata": 0.01,
    "render": 0.58,
}
Renderer = Callable[..., Awaitable[Any]]


class _Progress:
    def __init__(self, cb: ProgressCallback | None) -> None:
        self.cb, self.done = cb, 0.0

    def stage(self, name: str, fraction: float, message: str = "") -> None:
        report(self.cb, self.done + WEIGHTS[name] * max(0.0, min(1.0, fraction)), f"{name}: {message}".strip(": "))

    def finish(self, name: str) -> None:
        self.done += WEIGHTS[name]
        report(self.cb, self.done, f"{name}: done")


def run_id_for(request: ShortRequest) -> str:
    return request.run_id or fingerprint(
        request.topic,
        file_digest(request.script),
        request.script_text,
        file_digest(request.voiceover),
        request.language,
        request.target_duration_s,
    )


async def run_short(
    request: ShortRequest,
    config: ShortsConfig,
    *,
    data_dir: Path,
    generate: GenerateFn | None = None,
    render: Renderer | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ShortResult:
    check_request(request)
    cfg = effective_config(request, config)
    cancel = cancel or CancelToken()
    run = RunFolder(Path(data_dir).expanduser() / "shorts" / "runs" / run_id_for(request))
    progress = _Progress(on_progress)
    timings: dict[str, float] = {}
    resumed: list[str] = []
    warnings: list[str] = []
    llm = create_llm(cfg.llm)
    engine = create_tts(cfg.tts, request.language) if request.voiceover is None else None
    stage = "script"

    def start(name: str) -> float:
        nonlocal stage
        stage = name
        cancel.raise_if_cancelled(name)
        progress.stage(name, 0.0, "starting")
        return time.perf_counter()

    def end(name: str, t0: float, from_checkpoint: bool) -> None:
        timings[name] = round(time.perf_counter() - t0, 3)
        if from_checkpoint:
            resumed.append(name)
        progress.finish(name)

    try:
        # 1. script
        t0 = start("script")
        llm_key = cfg.llm.model_dump(exclude={"api_key", "timeout_s"})
        key = fingerprint("script", run.root.name, llm_key if request.topic else None)
        data = run.load("script", key)
        if data is None:
            wpm = engine.words_per_minute if engine else 160.0
            if request.topic:
                script = await write_script(
                    llm,
                    request.topic,
                    language=request.language,
                    seconds=request.target_duration_s or 45.0,
                    words_per_minute=wpm,
                    prompt=cfg.llm.prompt,
                )
            elif request.script is not None:
                script = load_script(Path(request.script).expanduser(), language=request.language)
            else:
                script = parse_script(request.script_text or "", language=request.language)
            target = request.target_duration_s
            if target and not request.topic and estimate_seconds(script, wpm) > target * 1.25:
                script.warnings.append(
                    f"the script runs about {estimate_seconds(script, wpm):.0f} s, longer "
                    f"than the {target:.0f} s target"
                )
            run.save("script", key, script.model_dump(mode="json"))
        else:
            script = Script.model_validate(data)
        warnings += script.warnings
        end("script", t0, data is not None)

        # 2. scene plan
        t0 = start("plan")
        key = fingerprint("plan", key, llm_key)
        data = run.load("plan", key)
        if data is None:
            if llm is not None:
                try:
                    script = await plan_with_llm(llm, script)
                except (Cancelled, ReelforgeError) as exc:
                    if isinstance(exc, Cancelled):
                        raise
                    warnings.append(f"scene plan from keywords: the LLM failed ({exc.message})")
                    script = plan_from_text(script)
            else:
                script = plan_from_text(script)
            run.save("plan", key, script.model_dump(mode="json"))
        else:
            script = Script.model_validate(data)
        end("plan", t0, data is not None)

        # 3-4. narration and word timings
        t0 = start("narration")
        tts_key = cfg.tts.model_dump(exclude={"api_key"})
        key = fingerprint("narration", key, tts_key, file_digest(request.voiceover))
        data = run.load("narration", key)
        if data is None or not Path(data["path"]).is_file():
            wav = run.root / "narration.wav"
            if request.voiceover is not None:
                narration = await use_voiceover(script, Path(request.voiceover).expanduser(), wav, request.language)
            else:
                assert engine is not None
                narration = await narrate(
                    script,
                    engine,
                    wav,
                    sentence_pause_s=cfg.tts.sentence_pause_s,
                    scene_pause_s=cfg.tts.scene_pause_s,
                    cancel=cancel,
                    on_sentence=lambda n, total: progress.stage("narration", n / total, f"sentence {n}/{total}"),
                )
            run.save("narration", key, narration.model_dump(mode="json"))
            data = None
        else:
            narration = Narration.model_validate(data)
        warnings += narration.warnings
        end("narration", t0, data is not None)

        # 5. visuals (saved after every scene: a generated clip is never paid for twice)
        t0 = start("visuals")
        durations = scene_durations(narration)
        key = fingerprint(
            "visuals",
            key,
            cfg.visuals.model_dump(exclude={"pexels_api_key", "pixabay_api_key"}),
            cfg.output.aspect_ratio,
        )
        data = run.load("visuals", key)
        if data is None:
            partial = {v["scene"]: SceneVisual.model_validate(v) for v in run.partial("visuals", key) or []}
            partial = {i: v for i, v in partial.items() if v.path is None or Path(v.path).is_file()}
            sources, notes = build_sources(cfg.visuals, generate, cancel)
            chosen: dict[int, SceneVisual] = dict(partial)

            def keep(v: SceneVisual, total: int) -> None:
                chosen[v.scene] = v
                run.save("visuals", key, [x.model_dump(mode="json") for x in chosen.values()], complete=False)
                progress.stage("visuals", len(chosen) / total, f"scene {len(chosen)}/{total} ({v.source})")

            visuals = await choose_visuals(
                script,
                durations,
                cfg.output.aspect_ratio,
                sources,
                Path(data_dir).expanduser() / "shorts" / "stock",
                notes=notes,
                cancel=cancel,
                on_chosen=keep,
                done=partial,
            )
            run.save("visuals", key, [v.model_dump(mode="json") for v in visuals])
        else:
            visuals = [SceneVisual.model_validate(v) for v in data]
        end("visuals", t0, data is not None)

        # 6. music
        t0 = start("music")
        music = choose_music(cfg.music, seed=script.title or script.text[:200])
        end("music", t0, False)

        # 8. metadata (before the render so the sidecar carries it)
        t0 = start("metadata")
        mkey = fingerprint("metadata", key, llm_key)
        data = run.load("metadata", mkey)
        if data is None:
            metadata = meta.from_script(script, narration)
            if llm is not None:
                try:
                    metadata = await meta.from_llm(llm, script, narration)
                except (Cancelled, ReelforgeError) as exc:
                    if isinstance(exc, Cancelled):
                        raise
                    warnings.append(f"metadata from the script: the LLM failed ({exc.message})")
            run.save("metadata", mkey, metadata.model_dump(mode="json"))
        else:
            metadata = Metadata.model_validate(data)
        end("metadata", t0, data is not None)

        # 7. render
        t0 = start("render")
        output = Path(request.output).expanduser() if request.output else run.root / "short.mp4"
        timeline = build_timeline(cfg, narration, visuals, music, title=metadata.title)
        if render is None:
            from ..render import render_timeline as render
        rendered = await render(
            timeline, output, cancel=cancel, on_progress=lambda f, m: progress.stage("render", f, m)
        )
        end("render", t0, False)
    except Cancelled as exc:
        raise Cancelled(
            f"cancelled during the {stage} stage; finished stages are kept in {run.root} and a "
            "rerun resumes from there",
            stage=stage,
        ) from exc
    cost = narration.cost_usd + sum(v.cost_usd for v in visuals)
    return _result(
        request, script, narration, visuals, music, metadata, rendered, run, timings, resumed, warnings, cost
    )


def _result(
    request: ShortRequest,
    script: Script,
    narration: Narration,
    visuals: list[SceneVisual],
    music: Path | None,
    metadata: Metadata,
    rendered: Any,
    run: RunFolder,
    timings: dict[str, float],
    resumed: list[str],
    warnings: list[str],
    cost: float,
) -> ShortResult:
    starts, t = [], 0.0
    for d in scene_durations(narration):
        starts.append((t, t + d))
        t += d
    scenes = [
        SceneReport(
            index=i,
            text=s.text,
            start_s=round(a, 3),
            end_s=round(b, 3),
            source=v.source,
            kind=v.kind,
            detail=v.detail,
            fallback_reason=v.fallback_reason,
            cost_usd=v.cost_usd,
        )
        for i, (s, v, (a, b)) in enumerate(zip(script.scenes, visuals, starts, strict=True))
    ]
    for v in visuals:
        if v.fallback_reason:
            warnings.append(f"scene {v.scene + 1}: {v.source} used ({v.fallback_reason})")
    result = ShortResult(
        path=rendered.path,
        width=rendered.width,
        height=rendered.height,
        fps=rendered.fps,
        duration_s=rendered.duration_s,
        narration_s=round(narration.duration_s, 3),
        scenes=scenes,
        words=len(narration.words),
        timing_source=narration.timing_source,
        tts=narration.engine,
        voice=narration.voice,
        music=music,
        metadata=metadata,
        cost_usd=round(cost, 6),
        timings={**timings, **{f"render.{k}": v for k, v in (rendered.timings or {}).items()}},
        resumed=resumed,
        run_dir=run.root,
        sidecar=rendered.sidecar,
        srt=rendered.srt,
        vtt=rendered.vtt,
        thumbnail=rendered.thumbnail,
        warnings=[*warnings, *(rendered.warnings or [])],
    )
    if rendered.sidecar and Path(rendered.sidecar).is_file():
        from ..media import atomic_write_text

        side = json.loads(Path(rendered.sidecar).read_text(encoding="utf-8"))
        side["short"] = json.loads(result.model_dump_json(exclude={"sidecar"}))
        atomic_write_text(rendered.sidecar, json.dumps(side, indent=1))
    return result
