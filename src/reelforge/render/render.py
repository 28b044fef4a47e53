"""Render a timeline: check inputs, one ffmpeg pass for the pictures while the soundtrack is made beside it,
a stream-copy join, then thumbnail, captions and the sidecar."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..media import atomic_path, atomic_write_text, probe, run_ffmpeg
from ..media.fonts import link_fonts
from ..types import CancelToken, ProgressCallback, report
from . import audio
from .assemble import Plan, build, build_chunked, mux_args, thumbnail_frame
from .captions import write_captions
from .encode import Encoder, choose_encoder
from .inputs import GenerateFn, Prepared, prepare
from .result import RenderResult
from .sidecar import SidecarExtra, write_sidecar
from .soundtrack import Soundtrack, make_soundtrack
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

    The soundtrack (loudness measured, gained, limited, encoded, measured again) is made by its own process
    while the pictures encode; a stream copy joins them. Raises ``InvalidRequest`` (naming the file or field)
    before any encoding when an input is bad, ``Cancelled`` when ``cancel`` fires (nothing is left at
    ``out_path``), and ``FfmpegError`` with ffmpeg's own reason when the encode fails. The sidecar
    (``out_path`` with ``.json``) is written once, with the sections ``sidecar_extra(result)`` returns added.
    """
    out = Path(out_path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    # beside the output: the encoded pictures wait here for the join (on the output's disk, not in /tmp)
    workdir = Path(tempfile.mkdtemp(prefix=".reelforge-render-", dir=out.parent))
    try:
        report(on_progress, 0.0, "checking inputs")
        prepared = await prepare(timeline, workdir, generate, cancel)
        sound = asyncio.ensure_future(make_soundtrack(timeline, prepared, workdir / "sound.m4a", timings, cancel))
        try:
            caps = await asyncio.to_thread(write_captions, timeline, workdir, out)
            fontsdir = link_fonts([f for p in caps.fonts for f in p.faces], workdir / "fonts") if caps.ass else None
            encoder = await asyncio.to_thread(choose_encoder, timeline.output)
            timings["prepare_s"] = time.perf_counter() - t0
            if cancel is not None:
                cancel.raise_if_cancelled("render")
            report(on_progress, 0.04, "rendering")
            t2 = time.perf_counter()
            kw = {"captions": caps.ass, "fontsdir": fontsdir, "workdir": workdir}
            plan = await _encode(timeline, prepared, encoder, workdir / "video.mp4", kw, on_progress, cancel)
            timings["encode_s"] = time.perf_counter() - t2
            track = await sound
        finally:
            sound.cancel()
            await asyncio.gather(sound, return_exceptions=True)
        warnings = [*prepared.warnings, *caps.warnings, *encoder.warnings, *track.warnings, *plan.warnings]
        report(on_progress, 0.97, "finishing")
        result = await _finish(timeline, out, workdir / "video.mp4", track, caps, encoder.name, warnings, timings, t0)
        await write_sidecar(out.with_suffix(".json"), result, timeline, plan.argv, sidecar_extra)
        report(on_progress, 1.0, "done")
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _encode(
    timeline: Timeline,
    prepared: Prepared,
    encoder: Encoder,
    out: Path,
    kw: dict[str, Any],
    on_progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> Plan:
    """The one ffmpeg run of the pictures into ``out`` (a work file); long timelines are composed in groups of
    scenes that feed the encoder through a FIFO."""
    if len(timeline.scenes) > SINGLE_PROCESS_MAX_SCENES and hasattr(os, "mkfifo"):
        fifo: Path | None = kw["workdir"] / "frames.yuv"
        os.mkfifo(fifo)
        plan = build_chunked(timeline, prepared, encoder, out, fifo=fifo, group_size=GROUP_SCENES, **kw)
    else:
        fifo = None
        plan = build(timeline, prepared, encoder, out, **kw)

    def progress(f: float) -> None:
        report(on_progress, 0.04 + 0.92 * f, "rendering")

    await _run(plan, fifo, timeline.duration_s, progress, cancel)
    return plan


async def _finish(
    timeline: Timeline,
    out: Path,
    video: Path,
    track: Soundtrack,
    caps: Any,
    encoder: str,
    warnings: list[str],
    timings: dict[str, float],
    t0: float,
) -> RenderResult:
    """Join pictures and soundtrack into ``out`` (atomically) while the thumbnail is cut, then measure the
    written file; every figure comes from the file (its loudness from the AAC stream copied into it)."""
    t3 = time.perf_counter()
    thumb = out.with_suffix(".jpg")
    with atomic_path(out) as tmp:
        await asyncio.gather(run_ffmpeg(mux_args(video, track.path, timeline, tmp)), _thumbnail(timeline, video, thumb))
    p = await asyncio.to_thread(probe, out, True)
    warnings += audio.loudness_warnings(timeline, track.lufs, track.true_peak_db)  # named in result and sidecar
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
        loudness_lufs=track.lufs,
        true_peak_db=track.true_peak_db,
        timings={k: round(v, 3) for k, v in timings.items()},
        warnings=warnings,
    )


async def _thumbnail(timeline: Timeline, video: Path, thumb: Path) -> None:
    """A JPEG of the frame at ``thumbnail_at_s`` (a third of the way in by default). The encode made that frame
    a key frame: the seek lands on it (half a frame into it, without trimming to the exact time) and only it is
    decoded."""
    at = (thumbnail_frame(timeline) + 0.5) / timeline.output.fps
    argv = ["-noaccurate_seek", "-ss", f"{at:.6f}", "-i", str(video), "-frames:v", "1", "-q:v", "3"]
    with atomic_path(thumb) as tmp:
        await run_ffmpeg([*argv, "-f", "image2", "-c:v", "mjpeg", "-update", "1", str(tmp)])


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
