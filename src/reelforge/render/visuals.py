"""One filter chain per visual, each ending as ``W``x``H`` yuv420p at the output frame rate.

Stills are decoded once, fitted once (the contain-mode blur too) and looped in memory; Ken Burns
moves are a per-frame crop (pans, nearly free) or one bilinear scale plus a crop (zooms), never
``zoompan`` over an oversized image.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..media.framerate import rate_str
from .graph import Graph
from .inputs import ReadyVisual, clip_window
from .timeline import ClipVisual, ColorVisual, Fit, ImageVisual

_MOVES = ("in", "out", "left", "right", "up", "down")

# Every chain ends as limited-range yuv420p: full-range sources (JPEG stills, phone clips) are converted,
# not merely tagged, so the output is plain yuv420p (not yuvj420p) with levels players expect.
YUV = "format=pix_fmts=yuv420p:color_ranges=tv"


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    fps: float

    @property
    def rate(self) -> str:
        return rate_str(self.fps)


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def _aspect_crop(w: int, h: int) -> str:
    """Centre crop of the input to the aspect ``w:h`` (even sizes, at most the input)."""
    return f"crop=w='2*trunc(min(iw,ih*{w}/{h})/2)':h='2*trunc(min(ih,iw*{h}/{w})/2)'"


def fit_chain(g: Graph, src: str, fit: Fit, w: int, h: int, flags: str = "bicubic") -> str:
    """Scale ``src`` to exactly ``w``x``h``: cover (crop + scale) or contain (over a blurred copy)."""
    if fit == "cover":
        # crop to the output aspect in source pixels first, then scale: a landscape clip in a
        # portrait frame is scaled to w x h, not to three times that and cropped
        return g.add(src, f"{_aspect_crop(w, h)},scale={w}:{h}:flags={flags},setsar=1,{YUV}")
    a, b = g.label("bgin"), g.label("fgin")
    g.chains.append(f"[{src}]split=2[{a}][{b}]")
    sw, sh = _even(w / 8), _even(h / 8)
    bg = g.add(
        a,
        f"{_aspect_crop(w, h)},scale={sw}:{sh}:flags=fast_bilinear,"
        f"gblur=sigma=4,eq=brightness=-0.08,scale={w}:{h}:flags=bilinear,setsar=1,{YUV}",
    )
    fg = g.add(b, f"scale={w}:{h}:force_original_aspect_ratio=decrease:flags={flags},setsar=1,{YUV}")
    return g.add([bg, fg], "overlay=(W-w)/2:(H-h)/2:format=yuv420,setsar=1")


def clip_chain(g: Graph, rv: ReadyVisual, fit: Fit, frames: int, fr: Frame, warnings: list[str]) -> str:
    v = rv.visual
    assert isinstance(v, ClipVisual) and rv.probe is not None
    need = frames / fr.fps
    start, length = clip_window(rv)
    if start != v.start_s:
        warnings.append(f"{v.path}: start_s {v.start_s:g} is past its end ({length:.2f} s); started at 0")
    avail = length - start
    opts: list[str] = []
    slow = ""
    if avail < need - 1e-3:
        if v.fill == "loop":
            opts += ["-stream_loop", "-1"]
        elif v.fill == "slow":
            slow = f"setpts={need / avail:.6f}*PTS,"
    if start > 0:
        opts += ["-ss", f"{start:.3f}"]
    src_s = need + 0.5 if v.fill == "loop" else min(need + 0.5, avail + 0.5)
    k = g.input(*opts, "-t", f"{src_s:.3f}", "-i", str(v.path))
    pre = g.add(f"{k}:v", f"setpts=PTS-STARTPTS,{slow}fps={fr.rate}")
    fitted = fit_chain(g, pre, fit, fr.width, fr.height)
    # tpad: a clip that ends early (truncated, or "freeze") holds its last frame
    return g.add(fitted, f"tpad=stop=-1:stop_mode=clone,trim=end_frame={frames},setpts=PTS-STARTPTS")


def _move(v: ImageVisual, index: int) -> str:
    if v.kenburns != "auto":
        return v.kenburns
    return random.Random(v.seed if v.seed is not None else index).choice(_MOVES)


def image_chain(g: Graph, rv: ReadyVisual, fit: Fit, frames: int, fr: Frame, index: int) -> str:
    v = rv.visual
    assert isinstance(v, ImageVisual) and rv.image is not None
    w, h = fr.width, fr.height
    move = _move(v, index)
    z = 1.0 if move == "none" else v.zoom
    pw, ph = _even(w * z), _even(h * z)
    k = g.input("-framerate", fr.rate, "-i", str(rv.image))
    still = fit_chain(g, f"{k}:v", fit, pw, ph, flags="lanczos")
    looped = g.add(still, f"loop=loop=-1:size=1,setpts=N/({fr.rate}*TB),trim=end_frame={frames}")
    last = max(1, frames - 1)
    p = f"min(n/{last},1)"  # inside quoted option values: the comma needs no escape
    if move in ("in", "out"):
        # zoompan keeps the output size fixed. A per-frame `scale=...:eval=frame` (output size changing
        # every frame) made the bundled ffmpeg 9 crash in swscale now and then; zoompan does not.
        q = f"min(on/{last},1)"
        zexpr = f"(1+{z - 1:.4f}*{q})" if move == "in" else f"({z:.4f}-{z - 1:.4f}*{q})"
        kb = f"zoompan=z='{zexpr}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s={w}x{h}:fps={fr.rate}"
    elif move == "none":
        kb = "null"
    else:
        dx, dy = pw - w, ph - h
        x = {"left": f"{dx}*(1-{p})", "right": f"{dx}*{p}"}.get(move, f"{dx / 2:.0f}")
        y = {"up": f"{dy}*(1-{p})", "down": f"{dy}*{p}"}.get(move, f"{dy / 2:.0f}")
        kb = f"crop={w}:{h}:x='{x}':y='{y}'"
    return g.add(looped, f"{kb},setsar=1,{YUV},setpts=PTS-STARTPTS")


def color_chain(g: Graph, rv: ReadyVisual, frames: int, fr: Frame) -> str:
    v = rv.visual
    assert isinstance(v, ColorVisual)
    w, h = fr.width, fr.height
    c0 = "0x" + v.color[1:7]
    if v.gradient_to is None:
        return g.add([], f"color=c={c0}:s={w}x{h}:r={fr.rate},trim=end_frame={frames},{YUV},setsar=1")
    c1 = "0x" + v.gradient_to[1:7]
    x1, y1 = {"vertical": (0, h), "horizontal": (w, 0), "diagonal": (w, h)}[v.gradient_direction]
    src = (
        f"gradients=s={w}x{h}:c0={c0}:c1={c1}:x0=0:y0=0:x1={x1}:y1={y1}:nb_colors=2:speed=0:"
        f"r={fr.rate},trim=end_frame=1,{YUV},loop=loop=-1:size=1,setpts=N/({fr.rate}*TB),"
        f"trim=end_frame={frames},setsar=1"
    )
    return g.add([], src)


def visual_chain(g: Graph, rv: ReadyVisual, fit: Fit, frames: int, fr: Frame, index: int, warnings: list[str]) -> str:
    if isinstance(rv.visual, ClipVisual):
        return clip_chain(g, rv, fit, frames, fr, warnings)
    if isinstance(rv.visual, ImageVisual):
        return image_chain(g, rv, fit, frames, fr, index)
    return color_chain(g, rv, frames, fr)


__all__ = ["Frame", "fit_chain", "visual_chain"]
