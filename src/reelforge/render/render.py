"""Render a timeline: check inputs, measure loudness, one ffmpeg pass, then thumbnail and sidecars."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..media import atomic_path, atomic_write_text, probe, run_ffmpeg
from ..types import CancelToken, ProgressCallback, report
from . import audio
from .assemble import Plan, build, build_chunked
from .captions import write_captions
from .encode import choose_encoder
from .fonts import link_fonts
from .inputs import GenerateFn, prepare
from .result import RenderResult
from .timeline import Timeline

SINGLE_PROCESS_MAX_SCENES = 8  # longer timelines are composed in groups (memory stays flat)
GROUP_SCENES = 3  # scenes per composing process on those


async def render_timeline(
    timeline: Timeline,
    out_path: str | Path,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    generate: GenerateFn | None = None,
) -> RenderResult:
    """Render ``timeline`` to ``out_path`` (MP4) with one ffmpeg process for the pictures.

    Raises ``InvalidRequest`` (naming the file or field) before any encoding when an input is bad,
    ``Cancelled`` when ``cancel`` fires (nothing is left at ``out_path``), and ``FfmpegError`` with
    ffmpeg's own reason when the encode fails.
    """
    out = Path(out_path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="reelforge-render-"))
    try:
        report(on_progress, 0.0, "checking inputs")
        prepared = await prepare(timeline, workdir, generate, cancel)
        warnings = list(prepared.warnings)
        caps = await asyncio.to_thread(write_captions, timeline, workdir, out)
        warnings += caps.warnings
        fontsdir = link_fonts([f for p in caps.fonts for f in p.faces], workdir / "fonts") if caps.ass else None
        encoder = await asyncio.to_thread(choose_encoder, timeline.output)
        warnings += encoder.warnings
        timings["prepare_s"] = time.perf_counter() - t0
        if cancel is not None:
            cancel.raise_if_cancelled("render")
        loud = None
        if audio.has_sound(timeline):
            report(on_progress, 0.04, "measuring loudness")
            t1 = time.perf_counter()
            loud = await audio.measure(timeline, prepared.narration, prepared.music, cancel)
            timings["loudness_s"] = time.perf_counter() - t1
            if loud is None or loud.input_i < -70:
                warnings.append("audio is silent; loudness normalisation skipped")
        report(on_progress, 0.08, "rendering")
        t2 = time.perf_counter()
        with atomic_path(out) as tmp:
            kw = {"captions": caps.ass, "fontsdir": fontsdir, "loudness": loud, "workdir": workdir}
            if len(timeline.scenes) > SINGLE_PROCESS_MAX_SCENES and hasattr(os, "mkfifo"):
                fifo = workdir / "frames.yuv"
                os.mkfifo(fifo)
                plan = build_chunked(timeline, prepared, encoder, tmp, fifo=fifo, group_size=GROUP_SCENES, **kw)
            else:
                fifo = None
                plan = build(timeline, prepared, encoder, tmp, **kw)
            warnings += plan.warnings

            def progress(f: float) -> None:
                report(on_progress, 0.08 + 0.88 * f, "rendering")

            await _run(plan, fifo, timeline.duration_s, progress, cancel)
        timings["encode_s"] = time.perf_counter() - t2
        report(on_progress, 0.97, "finishing")
        result = await _finish(timeline, out, caps, encoder.name, warnings, plan.argv, timings, t0)
        report(on_progress, 1.0, "done")
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _finish(
    timeline: Timeline,
    out: Path,
    caps: Any,
    encoder: str,
    warnings: list[str],
    argv: list[str],
    timings: dict[str, float],
    t0: float,
) -> RenderResult:
    p = await asyncio.to_thread(probe, out, True)
    thumb = out.with_suffix(".jpg")
    at = timeline.output.thumbnail_at_s
    at = min(max(0.0, at if at is not None else p.duration_s / 3), max(0.0, p.video_duration_s - 0.1))
    with atomic_path(thumb) as tmp:
        _, loudness = await asyncio.gather(
            run_ffmpeg(
                [
                    "-ss",
                    f"{at:.3f}",
                    "-i",
                    str(out),
                    "-frames:v",
                    "1",
                    "-q:v",
                    "3",
                    "-f",
                    "image2",
                    "-c:v",
                    "mjpeg",
                    str(tmp),
                ]
            ),
            audio.measure_file(out) if p.has_audio else asyncio.sleep(0, (None, None)),
        )
    srt = vtt = None
    if caps.srt is not None:
        srt = atomic_write_text(out.with_suffix(".srt"), caps.srt.read_text(encoding="utf-8"))
        vtt = atomic_write_text(out.with_suffix(".vtt"), caps.vtt.read_text(encoding="utf-8"))
    font_file = caps.fonts[0].primary.path if caps.fonts else None
    timings["total_s"] = time.perf_counter() - t0
    result = RenderResult(
        path=out,
        width=p.width,
        height=p.height,
        fps=p.fps,
        duration_s=round(p.video_duration_s, 3),
        num_frames=p.num_frames,
        audio_duration_s=round(p.audio_duration_s, 3),
        thumbnail=thumb,
        sidecar=out.with_suffix(".json"),
        srt=srt,
        vtt=vtt,
        font=caps.font,
        font_file=font_file,
        encoder=encoder,
        loudness_lufs=loudness[0],
        true_peak_db=loudness[1],
        timings={k: round(v, 3) for k, v in timings.items()},
        warnings=warnings,
    )
    try:
        tl = timeline.model_dump(mode="json")
    except Exception:  # e.g. raw bytes inside a generated visual's request
        tl = {"scenes": len(timeline.scenes), "duration_s": timeline.duration_s}
    sidecar = {
        "result": result.model_dump(mode="json"),
        "timeline": tl,
        "ffmpeg_args": [a if len(a) < 2000 else a[:2000] + "…" for a in argv],
    }
    atomic_write_text(result.sidecar, json.dumps(sidecar, indent=2, ensure_ascii=False))  # type: ignore[arg-type]
    return result


async def _run(
    plan: Plan, fifo: Path | None, total_s: float, progress: Callable[[float], None], cancel: CancelToken | None
) -> None:
    if fifo is None:
        await run_ffmpeg(plan.argv, total_s=total_s, on_progress=progress, cancel=cancel)
        return
    # Holding the FIFO open read-write keeps a writer on it between producers, so the encoder sees
    # one continuous stream and EOF only once the last producer is done and this end is closed.
    keep = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    encoder = asyncio.create_task(run_ffmpeg(plan.argv, total_s=total_s, on_progress=progress, cancel=cancel))

    async def produce() -> None:
        try:
            for argv in plan.producers:
                await run_ffmpeg(argv, cancel=cancel)
        finally:
            os.close(keep)

    producers = asyncio.create_task(produce())
    try:
        done, _ = await asyncio.wait({encoder, producers}, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # re-raise the first failure
        await asyncio.gather(encoder, producers)
    finally:
        for task in (encoder, producers):
            task.cancel()
        await asyncio.gather(encoder, producers, return_exceptions=True)


def render_timeline_sync(timeline: Timeline, out_path: str | Path, **kwargs: Any) -> RenderResult:
    """Blocking wrapper of ``render_timeline`` for scripts (not from inside a running event loop)."""
    return asyncio.run(render_timeline(timeline, out_path, **kwargs))
