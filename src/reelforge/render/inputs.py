"""Check every input before the render starts, and turn generated visuals into clips.

Bad media is refused here with a message naming the file, never half-way through an encode.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest
from ..media import ProbeResult, probe
from ..types import CancelToken, VideoRequest
from .timeline import ClipVisual, ColorVisual, GeneratedVisual, ImageVisual, Scene, Timeline

GenerateFn = Callable[[VideoRequest], Awaitable[Path | str]]
_FFMPEG_IMAGES = {"JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"}
_PLAIN_MODES = {"RGB", "RGBA", "L", "LA", "P", "I;16", "I"}


@dataclass(frozen=True)
class ReadyVisual:
    """A visual with its checked source: a probed clip, a normalised still, or a colour."""

    visual: ClipVisual | ImageVisual | ColorVisual
    probe: ProbeResult | None = None
    image: Path | None = None


@dataclass(frozen=True)
class ClipSound:
    """A clip's own sound in the mix: ``path`` read from ``start_s`` (looped when ``loop``), placed at ``at_s``
    on the timeline for ``span_s``, at ``gain_db``, faded in over ``fade_in_s`` and out over ``fade_out_s``."""

    path: Path
    start_s: float
    loop: bool
    at_s: float
    span_s: float
    gain_db: float
    fade_in_s: float
    fade_out_s: float
    tempo: float = 1.0  # below 1: slowed with its picture (``fill="slow"``), its pitch kept


@dataclass
class Prepared:
    visuals: list[ReadyVisual]
    narration: ProbeResult | None = None
    music: ProbeResult | None = None
    warnings: list[str] = field(default_factory=list)
    sounds: list[ClipSound] = field(default_factory=list)  # clips whose own sound is kept (``sound_db``)


_CLICK_S = 0.02  # a fade this short at a hard cut: no click, nothing heard


def clip_window(rv: ReadyVisual) -> tuple[float, float]:
    """(where a clip scene is read from, the clip's length): its ``start_s``, or 0 when that is past its end
    (picture and sound alike)."""
    v = rv.visual
    assert isinstance(v, ClipVisual) and rv.probe is not None
    length = rv.probe.video_duration_s or rv.probe.duration_s
    return (v.start_s if v.start_s < length - 0.05 else 0.0), length


def _blend_s(scene: Scene | None, room: float) -> float:
    tr = scene.transition if scene is not None else None
    if tr is None or tr.kind == "cut" or tr.duration_s <= 0:
        return 0.0
    return min(tr.duration_s, room)


def clip_sounds(timeline: Timeline, visuals: list[ReadyVisual]) -> tuple[list[ClipSound], list[str]]:
    """The sound of every clip scene with ``sound_db``: it plays while its picture is seen (through the
    transitions into and out of it, fading with them). A clip without an audio stream is skipped and named."""
    sounds: list[ClipSound] = []
    warnings: list[str] = []
    scenes, starts = timeline.scenes, timeline.scene_starts()
    for i, (scene, rv) in enumerate(zip(scenes, visuals, strict=True)):
        v = rv.visual
        if not isinstance(v, ClipVisual) or v.sound_db is None or rv.probe is None:
            continue
        if not rv.probe.has_audio:
            warnings.append(f"scenes[{i}] {v.path}: has no audio stream; sound_db ignored")
            continue
        nxt = scenes[i + 1] if i + 1 < len(scenes) else None
        out = _blend_s(nxt, nxt.duration_s if nxt is not None else 0.0)
        into = _blend_s(scene, scene.duration_s) if i else 0.0
        span = scene.duration_s + out
        start, length = clip_window(rv)
        avail = length - start
        slow = v.fill == "slow" and avail < scene.duration_s - 1e-3
        sounds.append(
            ClipSound(
                path=v.path,
                start_s=start,
                loop=v.fill == "loop" and length - start < span,
                at_s=starts[i],
                span_s=span,
                gain_db=v.sound_db,
                fade_in_s=max(into, _CLICK_S),
                fade_out_s=max(out, _CLICK_S),
                tempo=avail / scene.duration_s if slow else 1.0,
            )
        )
    return sounds, warnings


def _first_frame(path: Path, kind: str) -> None:
    import av

    try:
        with av.open(str(path)) as c:
            stream = c.streams.video[0] if kind == "video" else c.streams.audio[0]
            for _ in c.decode(stream):
                return
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise InvalidRequest({str(path): f"{kind} cannot be decoded ({exc}); re-encode or replace it"}) from None
    raise InvalidRequest({str(path): f"no {kind} frames could be decoded (empty or truncated file)"})


def check_clip(path: Path) -> ProbeResult:
    p = probe(path)
    if not p.has_video:
        raise InvalidRequest({str(path): "has no video stream; a clip scene needs video"})
    if p.num_frames <= 0 or (p.video_duration_s <= 0 and p.duration_s <= 0):
        raise InvalidRequest({str(path): "has no video frames (empty or truncated file)"})
    _first_frame(path, "video")
    return p


def check_audio(path: Path, what: str) -> ProbeResult:
    p = probe(path)
    if not p.has_audio:
        raise InvalidRequest({str(path): f"has no audio stream; {what} needs audio"})
    if max(p.audio_duration_s, p.duration_s) <= 0:
        raise InvalidRequest({str(path): f"{what} is empty (zero-length audio)"})
    _first_frame(path, "audio")
    return p


def check_image(path: Path, workdir: Path, index: int) -> Path:
    """Return a path ffmpeg can decode upright: the file itself, or a normalised PNG copy."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not path.exists():
        raise InvalidRequest({str(path): "file not found"})
    try:
        with Image.open(path) as im:
            fmt = im.format or "?"
            orientation = im.getexif().get(0x0112, 1)
            if fmt in _FFMPEG_IMAGES and orientation in (0, 1) and im.mode in _PLAIN_MODES:
                im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))  # JPEG: decode small
                im.load()  # decodes fully: catches truncated files
                return path
            im.load()
            fixed = ImageOps.exif_transpose(im)
            if fixed.mode not in ("RGB", "RGBA"):
                fixed = fixed.convert("RGBA" if "A" in fixed.mode else "RGB")
            out = workdir / f"still{index}.png"
            fixed.save(out, format="PNG", compress_level=1)
            return out
    except UnidentifiedImageError:
        raise InvalidRequest({str(path): "unsupported image format; use JPEG, PNG or WebP"}) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidRequest({str(path): f"image cannot be read ({exc}); it may be truncated"}) from None


async def _generate_clips(timeline: Timeline, generate: GenerateFn | None) -> dict[int, Path]:
    """The clip of every ``GeneratedVisual`` scene, by scene index, made concurrently."""
    gen_idx = [i for i, s in enumerate(timeline.scenes) if isinstance(s.visual, GeneratedVisual)]
    if not gen_idx:
        return {}
    if generate is None:
        where = f"scenes[{gen_idx[0]}].visual"
        raise InvalidRequest({where: "a generated visual needs render_timeline(..., generate=...) to produce its clip"})
    paths = await asyncio.gather(*(generate(timeline.scenes[i].visual.request) for i in gen_idx))  # type: ignore[union-attr]
    return {i: Path(p) for i, p in zip(gen_idx, paths, strict=True)}


async def prepare(
    timeline: Timeline, workdir: Path, generate: GenerateFn | None = None, cancel: CancelToken | None = None
) -> Prepared:
    """Probe and check every input (in threads), generating clips for ``GeneratedVisual`` scenes."""
    out = Prepared(visuals=[])
    problems: dict[str, str] = {}
    generated = await _generate_clips(timeline, generate)
    if cancel is not None:
        cancel.raise_if_cancelled("prepare")

    # each file is checked once however often it is used, two at a time (bounded memory)
    limit = asyncio.Semaphore(2)
    checked: dict[tuple[str, str], asyncio.Task[Any]] = {}

    def once(kind: str, path: Path, fn: Callable[..., Any], *args: Any) -> asyncio.Task[Any]:
        key = (kind, str(path))
        if key not in checked:

            async def run() -> Any:
                async with limit:
                    return await asyncio.to_thread(fn, path, *args)

            checked[key] = asyncio.ensure_future(run())
        return checked[key]

    async def one(i: int) -> ReadyVisual:
        v = timeline.scenes[i].visual
        if isinstance(v, GeneratedVisual):
            v = ClipVisual(path=generated[i], fill=v.fill)
        if isinstance(v, ClipVisual):
            return ReadyVisual(v, probe=await once("clip", v.path, check_clip))
        if isinstance(v, ImageVisual):
            return ReadyVisual(v, image=await once("image", v.path, check_image, workdir, i))
        return ReadyVisual(v)

    results = await asyncio.gather(*(one(i) for i in range(len(timeline.scenes))), return_exceptions=True)
    for i, r in enumerate(results):
        if isinstance(r, InvalidRequest):
            problems.update({f"scenes[{i}] {k}": v for k, v in r.problems.items()})
        elif isinstance(r, BaseException):
            raise r
        else:
            out.visuals.append(r)
    for what, path in (("narration", timeline.narration), ("music", timeline.music and timeline.music.path)):
        if path is None:
            continue
        try:
            setattr(out, what, await asyncio.to_thread(check_audio, Path(path), what))
        except InvalidRequest as exc:
            problems.update({f"{what} {k}": v for k, v in exc.problems.items()})
    if problems:
        raise InvalidRequest(problems)
    out.sounds, out.warnings = clip_sounds(timeline, out.visuals)  # the first warnings
    if out.narration is not None:
        n = max(out.narration.audio_duration_s, out.narration.duration_s)
        if n > timeline.duration_s + 0.05:
            out.warnings.append(
                f"narration ({n:.2f} s) is longer than the timeline ({timeline.duration_s:.2f} s); its end is cut"
            )
    return out


__all__ = [
    "ClipSound",
    "GenerateFn",
    "Prepared",
    "ReadyVisual",
    "check_audio",
    "check_clip",
    "check_image",
    "clip_sounds",
    "clip_window",
    "prepare",
]
