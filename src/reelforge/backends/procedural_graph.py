"""ffmpeg argv for the procedural backend, built as data from a scene (pure functions, no I/O).

Text-to-video: a ``gradients`` colour field rendered at a quarter of the size (it is smooth, so scaling
it up loses nothing and costs little), rotating slowly, semi-transparent shapes overlaid along
moving paths, then the key words drawn one after another with ``drawtext`` time expressions.
Image-to-video: one still (already cover-fitted and oversampled) fed as a single raw frame to
``zoompan``, which produces every output frame from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from ..media.ffmpeg import libx264_args
from ..media.filters import drawtext_text, filter_path
from ..media.framerate import rate_str
from .procedural_scenes import RGB, KenBurns, Scene, Shape

GRADIENT_DIVISOR = 4
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


def _even(value: float, minimum: int = 2) -> int:
    return max(minimum, round(value / 2) * 2)


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _hex(c: RGB, alpha: float | None = None) -> str:
    base = f"0x{c[0]:02x}{c[1]:02x}{c[2]:02x}"
    return base if alpha is None else f"{base}@{_num(alpha)}"


def encode_args(num_frames: int, fps: float, out: Path | str, *, preset: str = "veryfast", crf: int = 20) -> list[str]:
    """H.264 High, yuv420p, +faststart, exactly ``num_frames`` frames at ``fps``, bit-exact."""
    return [
        "-map",
        "[v]",
        "-r",
        rate_str(fps),
        *libx264_args(preset, crf),
        "-movflags",
        "+faststart",
        "-frames:v",
        str(num_frames),
        "-an",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-f",
        "mp4",
        str(out),
    ]


# -- text-to-video --------------------------------------------------------------------------------
def _gradient(scene: Scene, width: int, height: int, fps: float) -> str:
    geometry = scene.geometry
    gw, gh = _even(width / GRADIENT_DIVISOR, 16), _even(height / GRADIENT_DIVISOR, 16)
    cx, cy = gw / 2, gh / 2
    angle = geometry[0] * 2 * math.pi
    if scene.gradient == "linear":
        reach = 0.5 * math.hypot(gw, gh)
        x0, y0 = cx - reach * math.cos(angle), cy - reach * math.sin(angle)
        x1, y1 = cx + reach * math.cos(angle), cy + reach * math.sin(angle)
    else:
        x0, y0 = cx + (geometry[1] - 0.5) * 0.4 * gw, cy + (geometry[2] - 0.5) * 0.4 * gh
        reach = 0.75 * max(gw, gh)
        x1, y1 = x0 + reach * math.cos(angle), y0 + reach * math.sin(angle)
    colours = ":".join(f"c{i}={_hex(c)}" for i, c in enumerate(scene.palette[:8]))
    speed = min(1.0, scene.spin / fps)
    return (
        f"gradients=s={gw}x{gh}:r={rate_str(fps)}:{colours}:n={len(scene.palette[:8])}"
        f":x0={max(0, round(x0))}:y0={max(0, round(y0))}:x1={max(0, round(x1))}:y1={max(0, round(y1))}"
        f":seed=0:speed={_num(speed)}:type={scene.gradient},"
        f"scale={width}:{height}:flags=bilinear,format=yuv420p"
    )


def _shape_source(shape: Shape, size: tuple[int, int], fps: float) -> str:
    sw, sh = size
    c, r = sw / 2, sw / 2 - 1
    a = _num(255 * shape.opacity)
    dist = f"hypot(X-{_num(c)},Y-{_num(c)})"
    alpha = {
        "disc": f"{a}*clip({_num(r)}-{dist}+0.5,0,1)",
        "ring": f"{a}*clip({_num(r)}-{dist}+0.5,0,1)*clip({dist}-{_num(r * 0.7)}+0.5,0,1)",
        "diamond": f"{a}*clip({_num(r)}-abs(X-{_num(c)})-abs(Y-{_num(c)})+0.5,0,1)",
        "glow": f"{a}*pow(clip(1-{dist}/{_num(max(r, 1))},0,1),1.5)",
    }.get(shape.kind, a)
    return (
        f"color=c={_hex(shape.colour)}:s={sw}x{sh}:r={rate_str(fps)},trim=end_frame=1,format=yuva420p,"
        f"geq=lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)':a='{alpha}'"
    )


def _shape_path(shape: Shape, size: tuple[int, int], width: int, height: int) -> tuple[str, str]:
    p = shape.params
    sw, sh = size
    if shape.path == "orbit":
        radius = min(width, height) * (0.15 + 0.3 * p[0])
        omega = (0.3 + 0.8 * p[1]) * (1 if p[2] > 0.5 else -1)
        phase = 2 * math.pi * p[3]
        arg = f"{_num(omega)}*t+{_num(phase)}"
        return (
            f"{_num(width / 2 - sw / 2)}+{_num(radius * 1.3)}*cos({arg})",
            f"{_num(height / 2 - sh / 2)}+{_num(radius)}*sin({arg})",
        )
    if shape.path in ("fall", "rise"):
        speed = height * (0.25 + 0.6 * p[2]) * (2.0 if shape.kind == "streak" else 1.0)
        x = f"{_num(width * p[0] - sw / 2)}+{_num(width * 0.03)}*sin(0.8*t+{_num(2 * math.pi * p[1])})"
        travel = f"mod({_num(height * p[3])}+{_num(speed)}*t,{height + sh})"
        return x, (f"{travel}-{sh}" if shape.path == "fall" else f"{height}-{travel}")
    cx, cy = width * (0.15 + 0.7 * p[0]) - sw / 2, height * (0.15 + 0.7 * p[1]) - sh / 2
    ax, ay = width * (0.1 + 0.25 * p[2]), height * (0.1 + 0.25 * p[3])
    wx, wy = 0.3 + 0.9 * p[4], 0.3 + 0.9 * p[5]
    return (
        f"{_num(cx)}+{_num(ax)}*sin({_num(wx)}*t+{_num(2 * math.pi * p[2])})",
        f"{_num(cy)}+{_num(ay)}*sin({_num(wy)}*t+{_num(2 * math.pi * p[3])})",
    )


def _shape_size(shape: Shape, width: int, height: int) -> tuple[int, int]:
    side = _even(min(width, height) * shape.size)
    return (_even(side / 10), side) if shape.kind == "streak" else (side, side)


def _word_filter(
    word: str, font: Path, index: int, count: int, entry: str, colour: RGB, width: int, height: int, duration_s: float
) -> str:
    slot = duration_s / count
    start = index * slot
    end = (index + 1) * slot if index < count - 1 else duration_s + 1.0
    fade, move = min(0.35, slot * 0.3), min(0.8, slot * 0.5)
    text = word.upper()
    size = max(4, int(min(min(width, height) * 0.17, 0.86 * width / (0.7 * len(text) + 0.2))))
    dx = {"left": -0.12 * width, "right": 0.12 * width}.get(entry, 0.0)
    dy = {"up": 0.12 * height, "down": -0.12 * height}.get(entry, 0.0)
    ease = f"pow(1-min(1,(t-{_num(start)})/{_num(move)}),3)"
    since = f"(t-{_num(start)})"
    x = f"(w-tw)/2+{_num(dx)}*{ease}+{_num(-dx * 0.15)}*{since}"
    y = f"(h-th)/2+{_num(dy)}*{ease}+{_num(-dy * 0.15)}*{since}"
    alpha = (
        f"if(lt(t,{_num(start + fade)}),max(0,{since}/{_num(fade)}),"
        f"if(gt(t,{_num(end - fade)}),max(0,({_num(end)}-t)/{_num(fade)}),1))"
    )
    border = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    return (
        f"drawtext=fontfile={filter_path(font)}:{drawtext_text(text)}:fontsize={size}"
        f":fontcolor={_hex(colour)}:borderw={max(1, size // 22)}:bordercolor={_hex(border, 0.45)}"
        f":x='{x}':y='{y}':alpha='{alpha}':enable='between(t,{_num(start)},{_num(end)})'"
    )


def t2v_graph(
    scene: Scene, fonts: Sequence[Path | None], width: int, height: int, fps: float, duration_s: float
) -> str:
    """The whole text-to-video filtergraph, ending in the label ``[v]``.

    ``fonts[i]`` is the font for ``scene.words[i]``; a word whose font is None is left out.
    """
    chains = [f"{_gradient(scene, width, height, fps)}[bg0]"]
    last = "bg0"
    for i, shape in enumerate(scene.shapes):
        size = _shape_size(shape, width, height)
        x, y = _shape_path(shape, size, width, height)
        chains.append(f"{_shape_source(shape, size, fps)}[s{i}]")
        chains.append(f"[{last}][s{i}]overlay=x='{x}':y='{y}':eval=frame[bg{i + 1}]")
        last = f"bg{i + 1}"
    drawn = [(w, f) for w, f in zip(scene.words, fonts, strict=False) if f is not None]
    entries = dict(zip(scene.words, scene.entries, strict=False))
    texts = [
        _word_filter(w, f, i, len(drawn), entries.get(w, "up"), scene.text_colour, width, height, duration_s)
        for i, (w, f) in enumerate(drawn)
    ]
    chains.append(f"[{last}]" + (",".join(texts) if texts else "null") + "[v]")
    return ";".join(chains)


def t2v_argv(
    scene: Scene,
    fonts: Sequence[Path | None],
    width: int,
    height: int,
    fps: float,
    num_frames: int,
    out: Path | str,
    *,
    preset: str = "veryfast",
    crf: int = 20,
) -> list[str]:
    graph = t2v_graph(scene, fonts, width, height, fps, num_frames / fps)
    return ["-filter_complex", graph, *encode_args(num_frames, fps, out, preset=preset, crf=crf)]


# -- image-to-video -------------------------------------------------------------------------------
def still_size(width: int, height: int, *, oversample: float = 1.5, max_pixels: int = 16_000_000) -> tuple[int, int]:
    """Size to cover-fit the still to: a bit above the output so zoom and pan stay sharp and smooth."""
    q = max(1.0, min(oversample, math.sqrt(max_pixels / (width * height))))
    return _even(width * q), _even(height * q)


def i2v_argv(
    kb: KenBurns,
    still: tuple[int, int],
    width: int,
    height: int,
    fps: float,
    num_frames: int,
    out: Path | str,
    *,
    preset: str = "veryfast",
    crf: int = 20,
) -> list[str]:
    """Ken Burns over one raw RGB still read from stdin (``still`` is its size)."""
    last = max(1, num_frames - 1)
    ease = f"(1-cos(PI*min(on,{last})/{last}))/2"
    zoom = f"{_num(kb.zoom_from)}+{_num(kb.zoom_to - kb.zoom_from)}*{ease}"
    x = f"(iw-iw/zoom)*({_num(kb.x_from)}+{_num(kb.x_to - kb.x_from)}*{ease})"
    y = f"(ih-ih/zoom)*({_num(kb.y_from)}+{_num(kb.y_to - kb.y_from)}*{ease})"
    graph = (
        f"[0:v]zoompan=z='{zoom}':x='{x}':y='{y}':d={num_frames}:s={width}x{height}:fps={rate_str(fps)}"
        ",format=yuv420p[v]"
    )
    source = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{still[0]}x{still[1]}", "-i", "pipe:0"]
    return [*source, "-filter_complex", graph, *encode_args(num_frames, fps, out, preset=preset, crf=crf)]


__all__ = ["GRADIENT_DIVISOR", "X264_PRESETS", "encode_args", "i2v_argv", "still_size", "t2v_argv", "t2v_graph"]
