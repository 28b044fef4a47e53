"""Render a timeline: check inputs, measure loudness, one ffmpeg pass, then thumbnail, captions and the sidecar."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..media import ProbeResult, atomic_path, atomic_write_text, probe, run_ffmpeg
from ..media.fonts import link_fonts
from ..types import CancelToken, ProgressCallback, report
from . import audio
from .assemble import Plan, build, build_chunked
from .captions import write_captions
from .encode import Encoder, choose_encoder
from .inputs import GenerateFn, Prepared, prepare
from .result import RenderResult
from .sidecar import SidecarExtra, write_sidecar
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
    sidecar_extra: SidecarExtra | None = None,
) -> RenderResult:
    """Render ``timeline`` to ``out_path`` (MP4) with one ffmpeg process for the pictures.

    Raises ``InvalidRequest`` (naming the file or field) before any encoding when an input is bad,
    ``Cancelled`` when ``cancel`` fires (nothing is left at ``out_path``), and ``FfmpegError`` with
    ffmpeg's own reason when the encode fails. The sidecar (``out_path`` with ``.json``) is written once, with
    the sections ``sidecar_extra(result)`` returns added to the renderer's own.
    """
    out = Path(out_path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="reelforge-render-"))
    try:
        report(on_progress, 0.0, "checking inputs")
        prepared = await prepare(timeline, workdir, generate, cancel)
        warnings = list(prepared.warnings)
        # the mix's loudness is measured (audio only, about a second) while the captions are laid out
        loudness = asyncio.ensure_future(_loudness(timeline, prepared, timings, cancel))
        try:
            caps = await asyncio.to_thread(write_captions, timeline, workdir, out)
            warnings += caps.warnings
            fontsdir = link_fonts([f for p in caps.fonts for f in p.faces], workdir / "fonts") if caps.ass else None
            encoder = await asyncio.to_thread(choose_encoder, timeline.output)
            warnings += encoder.warnings
            timings["prepare_s"] = time.perf_counter() - t0
            if cancel is not None:
                cancel.raise_if_cancelled("render")
            report(on_progress, 0.04, "measuring loudness")
            loud = await loudness
        finally:
            loudness.cancel()
            await asyncio.gather(loudness, return_exceptions=True)
        if audio.has_sound(timeline) and (loud is None or loud.input_i < -70):
            warnings.append("audio is silent; loudness normalisation skipped")
        report(on_progress, 0.08, "rendering")
        t2 = time.perf_counter()
        kw = {"captions": caps.ass, "fontsdir": fontsdir, "loudness": loud, "workdir": workdir}
        plan = await _encode(timeline, prepared, encoder, out, kw, on_progress, cancel)
        warnings += plan.warnings
        timings["encode_s"] = time.perf_counter() - t2
        report(on_progress, 0.97, "finishing")
        result = await _finish(timeline, out, caps, encoder.name, warnings, timings, t0)
        await write_sidecar(out.with_suffix(".json"), result, timeline, plan.argv, sidecar_extra)
        report(on_progress, 1.0, "done")
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _loudness(
    timeline: Timeline, prepared: Prepared, timings: dict[str, float], cancel: CancelToken | None
) -> audio.Loudness | None:
    """The audio mix's loudness (None without narration or music), its time in ``timings``."""
    if not audio.has_sound(timeline):
        return None
    t1 = time.perf_counter()
    loud = await audio.measure(timeline, prepared.narration, prepared.music, cancel, prepared.sounds)
    timings["loudness_s"] = time.perf_counter() - t1
    return loud


async def _encode(
    timeline: Timeline,
    prepared: Prepared,
    encoder: Encoder,
    out: Path,
    kw: dict[str, Any],
    on_progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> Plan:
    """The one ffmpeg run into ``out`` (placed atomically); long timelines are composed in groups of scenes
    that feed the encoder through a FIFO."""
    with atomic_path(out) as tmp:
        if len(timeline.scenes) > SINGLE_PROCESS_MAX_SCENES and hasattr(os, "mkfifo"):
            fifo: Path | None = kw["workdir"] / "frames.yuv"
            os.mkfifo(fifo)
            plan = build_chunked(timeline, prepared, encoder, tmp, fifo=fifo, group_size=GROUP_SCENES, **kw)
        else:
            fifo = None
            plan = build(timeline, prepared, encoder, tmp, **kw)

        def progress(f: float) -> None:
            report(on_progress, 0.08 + 0.88 * f, "rendering")

        await _run(plan, fifo, timeline.duration_s, progress, cancel)
    return plan


async def _finish(
    timeline: Timeline,
    out: Path,
    caps: Any,
    encoder: str,
    warnings: list[str],
    timings: dict[str, float],
    t0: float,
) -> RenderResult:
    """Measure the written file, make its thumbnail and caption files; every figure comes from the file."""
    t3 = time.perf_counter()
    p = await asyncio.to_thread(probe, out, True)
    thumb = out.with_suffix(".jpg")
    loudness = await _thumbnail_and_loudness(timeline, out, thumb, p)
    warnings += audio.loudness_warnings(timeline, *loudness)  # a miss is named in the result and sidecar
    srt = vtt = None
    if caps.srt is not None:
        srt = atomic_write_text(out.with_suffix(".srt"), caps.srt.read_text(encoding="utf-8"))
        vtt = atomic_write_text(out.with_suffix(".vtt"), caps.vtt.read_text(encoding="utf-8"))
    font_file = caps.fonts[0].primary.path if caps.fonts else None
    timings["total_s"] = time.perf_counter() - t0
    timings["finish_s"] = time.perf_counter() - t3
    return RenderResult(
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


async def _thumbnail_and_loudness(
    timeline: Timeline, out: Path, thumb: Path, p: ProbeResult
) -> tuple[float | None, float | None]:
    """Write the thumbnail while the written file's loudness is measured; return (LUFS, true peak)."""
    at = timeline.output.thumbnail_at_s
    at = min(max(0.0, at if at is not None else p.duration_s / 3), max(0.0, p.video_duration_s - 0.1))
    argv = ["-ss", f"{at:.3f}", "-i", str(out), "-frames:v", "1", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg"]
    with atomic_path(thumb) as tmp:
        _, loudness = await asyncio.gather(
            run_ffmpeg([*argv, str(tmp)]),
            audio.measure_file(out) if p.has_audio else asyncio.sleep(0, (None, None)),
        )
    return loudness


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


__all__ = ["GROUP_SCENES", "SINGLE_PROCESS_MAX_SCENES", "render_timeline", "render_timeline_sync"]
