"""Turn a VideoRequest into a Plan for one ModelSpec: snap what can be snapped, refuse the rest at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import InvalidRequest
from ..media.inputs import MediaRef, resolve_input
from ..types import ModelSpec, VideoRequest

if TYPE_CHECKING:
    from .base import Backend, Plan

TIER_SHORT_SIDE = {
    "240p": 240,
    "360p": 360,
    "480p": 480,
    "512p": 512,
    "540p": 540,
    "576p": 576,
    "720p": 720,
    "768p": 768,
    "1080p": 1080,
    "1440p": 1440,
    "2160p": 2160,
    "4k": 2160,
}
_SIZE_RE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


def ratio_value(aspect: str) -> float:
    a, b = aspect.split(":")
    return int(a) / int(b)


def _round_to(value: float, multiple: int) -> int:
    return max(multiple, round(value / multiple) * multiple)


def size_for(tier_short: int, aspect: str, multiple: int) -> tuple[int, int]:
    """Width and height for a resolution tier (its short side) at an aspect ratio."""
    r = ratio_value(aspect)
    if r >= 1:
        return _round_to(tier_short * r, multiple), _round_to(tier_short, multiple)
    return _round_to(tier_short, multiple), _round_to(tier_short / r, multiple)


def _nearest(values: list[float] | tuple[float, ...], target: float) -> float:
    return min(values, key=lambda v: (abs(v - target), v))


def _tier_short(spec: ModelSpec, tier: str) -> int:
    if tier in spec.resolutions:
        w, h = spec.resolutions[tier]
        return min(w, h)
    return TIER_SHORT_SIDE[tier]


def _resolve_inputs(
    request: VideoRequest, spec: ModelSpec, op: str, problems: dict[str, str]
) -> dict[str, MediaRef | None]:
    kinds = {"image": "image", "last_frame": "image", "video": "video", "audio": "audio"}
    needed = {"image-to-video": ["image"], "video-to-video": ["video"], "avatar": ["image", "audio"]}.get(op, [])
    refs: dict[str, MediaRef | None] = {}
    for name, kind in kinds.items():
        value = getattr(request, name)
        if value is None:
            if name in needed:
                problems[name] = f"{op} needs an {name}"
            refs[name] = None
            continue
        refs[name] = resolve_input(
            name,
            value,
            kind=kind,
            max_bytes=spec.max_image_bytes if kind == "image" else 500 * 1024 * 1024,
            problems=problems,
        )
    if request.last_frame is not None and request.image is None:
        problems["last_frame"] = "a last frame needs a first frame too: pass image as well"
    elif refs["last_frame"] is not None and not spec.last_frame:
        problems["last_frame"] = f"model {spec.name} does not take a last frame"
    return refs


@dataclass
class _Checks:
    """What validation found so far: problems (refuse) and warnings (snapped)."""

    problems: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _prompts(request: VideoRequest, spec: ModelSpec, op: str, c: _Checks) -> tuple[str | None, str | None]:
    prompt = (request.prompt or "").strip() or None
    if prompt is None and spec.prompt_required and op == "text-to-video":
        c.problems["prompt"] = "empty prompt: describe the video to generate"
    elif prompt and len(prompt) > spec.prompt_max_chars:
        c.problems["prompt"] = f"prompt is {len(prompt)} characters; {spec.name} takes at most {spec.prompt_max_chars}"
    negative = (request.negative_prompt or "").strip() or None
    if negative and not spec.negative_prompt:
        c.warnings.append(f"negative_prompt ignored: {spec.name} does not take one")
        negative = None
    return prompt, negative


def _aspect(request: VideoRequest, spec: ModelSpec, image: MediaRef | None, c: _Checks) -> str:
    """The aspect ratio: asked, else the input image's, else the model default; snapped to the model's."""
    aspect = request.aspect_ratio
    if aspect is None and image is not None and image.width and image.height:
        aspect = "16:9" if image.width >= image.height else "9:16"
        if abs(image.width - image.height) < 0.1 * max(image.width, image.height):
            aspect = "1:1"
    aspect = aspect or spec.default_aspect_ratio
    if spec.aspect_ratios and aspect not in spec.aspect_ratios:
        snapped = min(spec.aspect_ratios, key=lambda a: abs(ratio_value(a) - ratio_value(aspect)))
        c.warnings.append(f"aspect_ratio {aspect} snapped to {snapped} (supported: {', '.join(spec.aspect_ratios)})")
        aspect = snapped
    return aspect


def _size(request: VideoRequest, spec: ModelSpec, aspect: str, c: _Checks) -> tuple[int, int, str, str]:
    """(width, height, aspect ratio, resolution) from a tier or a WxH size, snapped to what the model makes."""
    width = height = 0
    resolution = request.resolution or spec.default_resolution
    tiers = list(spec.resolutions) or list(TIER_SHORT_SIDE)
    m = _SIZE_RE.match(resolution.lower())
    if m:
        w, h = int(m.group(1)), int(m.group(2))
        if spec.any_size:
            width, height = _round_to(w, spec.side_multiple), _round_to(h, spec.side_multiple)
            if max(width, height) > spec.max_side:
                c.problems["resolution"] = f"{resolution} is larger than {spec.name}'s {spec.max_side}px limit"
            elif (width, height) != (w, h):
                c.warnings.append(f"size {w}x{h} snapped to {width}x{height} (multiples of {spec.side_multiple})")
            aspect = f"{width}:{height}" if request.aspect_ratio is None else aspect
            resolution = f"{width}x{height}"
        else:
            tier = min(tiers, key=lambda t: abs(_tier_short(spec, t) - min(w, h)))
            c.warnings.append(f"size {resolution} snapped to {tier} {aspect} ({spec.name} takes fixed sizes)")
            resolution = tier
    elif resolution.lower() in TIER_SHORT_SIDE or resolution in spec.resolutions:
        resolution = resolution.lower() if resolution.lower() in TIER_SHORT_SIDE else resolution
        if spec.resolutions and resolution not in spec.resolutions:
            tier = min(tiers, key=lambda t: abs(_tier_short(spec, t) - TIER_SHORT_SIDE[resolution]))
            c.warnings.append(f"resolution {resolution} snapped to {tier} (supported: {', '.join(tiers)})")
            resolution = tier
    else:
        c.problems["resolution"] = f"unknown resolution {resolution!r}: use 480p, 720p, 1080p or WxH"
    if not width and "resolution" not in c.problems:
        width, height = size_for(_tier_short(spec, resolution), aspect, spec.side_multiple)
    return width, height, aspect, resolution


def _fps(request: VideoRequest, spec: ModelSpec, c: _Checks) -> float:
    fps = float(request.fps or spec.default_fps)
    if not 1 <= fps <= 120:
        c.problems["fps"] = f"fps {fps:g} is out of range 1-120"
    elif spec.fps and fps not in spec.fps:
        snapped = _nearest(spec.fps, fps)
        c.warnings.append(f"fps {fps:g} snapped to {snapped:g} (supported: {', '.join(f'{f:g}' for f in spec.fps)})")
        fps = snapped
    return fps


def _duration(request: VideoRequest, spec: ModelSpec, fps: float, c: _Checks) -> tuple[float, int]:
    """(duration in seconds, number of frames), snapped to the model's durations, range and frame rule."""
    if request.num_frames is not None:
        duration = request.num_frames / fps
    else:
        duration = request.duration_s or (spec.durations[0] if spec.durations else min(5.0, spec.max_duration_s))
    lo = min(spec.durations) if spec.durations else spec.min_duration_s
    hi = max(spec.durations) if spec.durations else spec.max_duration_s
    if duration > hi * 1.5 or duration < lo / 4:
        c.problems["duration_s"] = f"duration {duration:g}s is out of range for {spec.name} ({lo:g}-{hi:g}s)"
    elif spec.durations and duration not in spec.durations:
        snapped = _nearest(spec.durations, duration)
        supported = ", ".join(f"{d:g}" for d in spec.durations)
        c.warnings.append(f"duration {duration:g}s snapped to {snapped:g}s (supported: {supported})")
        duration = snapped
    elif not lo <= duration <= hi:
        clamped = max(lo, min(hi, duration))
        c.warnings.append(f"duration {duration:g}s snapped to {clamped:g}s (range {lo:g}-{hi:g}s)")
        duration = clamped
    num_frames = max(1, round(duration * fps))
    if spec.frame_rule is not None:
        snapped_n = spec.frame_rule.snap(num_frames)
        if snapped_n != num_frames:
            c.warnings.append(f"num_frames {num_frames} snapped to {snapped_n} ({spec.name} frame rule)")
            num_frames = snapped_n
        duration = num_frames / fps
    return duration, num_frames


def plan_from_spec(backend: Backend, request: VideoRequest, spec: ModelSpec) -> Plan:
    """The plan for ``spec``: every snap a warning; every problem found, then refused at once."""
    from .base import Plan

    c = _Checks()
    op = request.inferred_operation()
    if op not in spec.operations:
        c.problems["operation"] = (
            f"{backend.name} model {spec.name} does not do {op} (it does: {', '.join(spec.operations)})"
        )
    prompt, negative = _prompts(request, spec, op, c)
    refs = _resolve_inputs(request, spec, op, c.problems)
    width, height, aspect, resolution = _size(request, spec, _aspect(request, spec, refs.get("image"), c), c)
    fps = _fps(request, spec, c)
    duration, num_frames = _duration(request, spec, fps, c)
    seed = request.seed
    if seed is not None and not spec.seed:
        c.warnings.append(f"seed ignored: {spec.name} does not take a seed")
        seed = None
    if c.problems:
        raise InvalidRequest(c.problems)
    return Plan(
        backend=backend.name,
        model=spec.name,
        operation=op,
        prompt=prompt,
        negative_prompt=negative,
        width=width,
        height=height,
        aspect_ratio=aspect,
        resolution=resolution,
        fps=fps,
        num_frames=num_frames,
        duration_s=round(duration, 4),
        seed=seed,
        image=refs["image"],
        last_frame=refs["last_frame"],
        video=refs["video"],
        audio=refs["audio"],
        extra=dict(request.extra),
        warnings=c.warnings,
        idempotency_key=request.idempotency_key,
    )


__all__ = [
    "TIER_SHORT_SIDE",
    "plan_from_spec",
    "ratio_value",
    "size_for",
]
