"""Model adapters: the request mapping for one model family, kept apart from the host that serves it.

Hosts like WaveSpeed, fal and Replicate serve many model families behind one protocol (auth, base URL,
submit, poll). What differs per family is the input body: field names, how size and duration are spelled.
A provider file owns the protocol and a catalog of ``ModelEntry`` (spec + adapter); an adapter turns a
``Plan`` into the model's input dict, with media inputs encoded by the host's ``MediaEncoder`` (a URL,
a data URI, or an uploaded file's URL).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from ..media.inputs import MediaRef
from ..types import ModelSpec

if TYPE_CHECKING:
    from .base import Plan

MediaEncoder = Callable[[MediaRef], Awaitable[str]]
Adapter = Callable[["Plan", MediaEncoder], Awaitable[dict[str, Any]]]
_RESERVED_EXTRA = {"generate_audio"}  # read by adapters and price rules, passed on only where a model takes it


@dataclass(frozen=True)
class ModelEntry:
    """One model a host serves: its rules and how to spell a request for it."""

    spec: ModelSpec
    adapter: Adapter
    extra: dict[str, Any] = field(default_factory=dict)  # fixed inputs this entry always sends


async def _media(body: dict[str, Any], key: str | None, ref: MediaRef | None, encode: MediaEncoder) -> None:
    if key and ref is not None:
        body[key] = await encode(ref)


def _finish(body: dict[str, Any], plan: Plan) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if v is not None}
    out.update({k: v for k, v in plan.extra.items() if k not in _RESERVED_EXTRA})
    return out


def star_size(plan: Plan) -> str:
    return f"{plan.width}*{plan.height}"


def _seconds(plan: Plan, as_str: bool) -> int | str:
    n = round(plan.duration_s)
    return str(n) if as_str else n


def wan25_spec(
    name: str,
    operation: str,
    *,
    sd_width: int = 832,
    aspect_ratios: tuple[str, ...] = ("16:9", "9:16"),
    prompt_required: bool = True,
) -> ModelSpec:
    """Alibaba Wan 2.5 as every host serves it: 5 or 10 s at 24 fps, 480p/720p/1080p, sound generated.

    Hosts differ only in the model's id, the 480p width (``sd_width``), the aspect ratios they pass on
    (``()``: any, image-to-video follows the image), and whether image-to-video needs a prompt.
    """
    return ModelSpec(
        name,
        (operation,),
        durations=(5, 10),
        fps=(24,),
        resolutions={"480p": (sd_width, 480), "720p": (1280, 720), "1080p": (1920, 1080)},
        aspect_ratios=aspect_ratios,
        prompt_required=prompt_required,
        audio_output=True,
    )


async def wan(
    plan: Plan,
    encode: MediaEncoder,
    *,
    image: str = "image",
    audio: str | None = "audio",
    size: str = "star",
    duration_str: bool = False,
) -> dict[str, Any]:
    """Alibaba Wan 2.x: prompt, negative prompt, size as W*H (or resolution + aspect ratio), 5/10 s, seed."""
    body: dict[str, Any] = {
        "prompt": plan.prompt,
        "negative_prompt": plan.negative_prompt,
        "duration": _seconds(plan, duration_str),
        "seed": plan.seed,
    }
    if size == "star":
        body["size"] = star_size(plan)
    else:
        body["resolution"] = plan.resolution
        if plan.image is None:
            body["aspect_ratio"] = plan.aspect_ratio
    await _media(body, image, plan.image, encode)
    await _media(body, audio, plan.audio, encode)
    return _finish(body, plan)


async def ltx(
    plan: Plan, encode: MediaEncoder, *, image: str = "image", video: str = "video", with_resolution: bool = True
) -> dict[str, Any]:
    """Lightricks LTX-2: prompt, duration, resolution, optional audio track; retake edits a video span."""
    body: dict[str, Any] = {
        "prompt": plan.prompt,
        "duration": _seconds(plan, False),
        "generate_audio": bool(plan.extra.get("generate_audio", False)),
    }
    if with_resolution:
        body["resolution"] = plan.resolution
        body["aspect_ratio"] = plan.aspect_ratio
    await _media(body, image, plan.image, encode)
    await _media(body, video, plan.video, encode)
    return _finish(body, plan)


async def hunyuan(plan: Plan, encode: MediaEncoder, *, image: str = "image") -> dict[str, Any]:
    """HunyuanVideo 1.5: prompt, negative prompt, size as W*H, duration, seed."""
    body: dict[str, Any] = {
        "prompt": plan.prompt,
        "negative_prompt": plan.negative_prompt,
        "size": star_size(plan),
        "duration": _seconds(plan, False),
        "seed": plan.seed,
    }
    await _media(body, image, plan.image, encode)
    return _finish(body, plan)


async def kling(plan: Plan, encode: MediaEncoder, *, image: str = "image_url") -> dict[str, Any]:
    """Kling: prompt, negative prompt, duration as "5"/"10", aspect ratio (text-to-video only)."""
    body: dict[str, Any] = {
        "prompt": plan.prompt,
        "negative_prompt": plan.negative_prompt,
        "duration": _seconds(plan, True),
    }
    if plan.image is None:
        body["aspect_ratio"] = plan.aspect_ratio
    await _media(body, image, plan.image, encode)
    return _finish(body, plan)


async def hailuo(
    plan: Plan,
    encode: MediaEncoder,
    *,
    image: str = "first_frame_image",
    duration_str: bool = False,
    with_resolution: bool = True,
    upper: bool = True,
) -> dict[str, Any]:
    """MiniMax Hailuo 02 on a host: prompt, 6/10 s, 512p/768p/1080p, prompt optimizer."""
    body: dict[str, Any] = {
        "prompt": plan.prompt,
        "duration": _seconds(plan, duration_str),
        "prompt_optimizer": plan.extra.get("prompt_optimizer", True),
    }
    if with_resolution:
        body["resolution"] = plan.resolution.upper() if upper else plan.resolution
    await _media(body, image, plan.image, encode)
    return _finish(body, plan)


async def talking_head(
    plan: Plan, encode: MediaEncoder, *, image: str = "image", audio: str = "audio", with_resolution: bool = True
) -> dict[str, Any]:
    """Audio-driven avatar (InfiniteTalk, OmniHuman): a face image and a voice track, optional prompt."""
    body: dict[str, Any] = {"prompt": plan.prompt, "seed": plan.seed}
    if with_resolution:
        body["resolution"] = plan.resolution
    await _media(body, image, plan.image, encode)
    await _media(body, audio, plan.audio, encode)
    return _finish(body, plan)


async def upscale(
    plan: Plan, encode: MediaEncoder, *, video: str = "video", target: str | None = "target_resolution"
) -> dict[str, Any]:
    """Video upscaler: the source video and the target resolution tier."""
    body: dict[str, Any] = {}
    if target:
        body[target] = plan.resolution
    await _media(body, video, plan.video, encode)
    return _finish(body, plan)


async def generic(
    plan: Plan,
    encode: MediaEncoder,
    *,
    image: str = "image",
    video: str = "video",
    audio: str = "audio",
    last_frame: str = "last_image",
) -> dict[str, Any]:
    """A model the catalog does not know: the common field names most hosts use; ``extra`` overrides."""
    body: dict[str, Any] = {
        "prompt": plan.prompt,
        "negative_prompt": plan.negative_prompt,
        "duration": _seconds(plan, False),
        "resolution": plan.resolution,
        "aspect_ratio": plan.aspect_ratio,
        "seed": plan.seed,
    }
    for key, ref in ((image, plan.image), (video, plan.video), (audio, plan.audio), (last_frame, plan.last_frame)):
        await _media(body, key, ref, encode)
    return _finish(body, plan)


async def build_input(entry: ModelEntry, plan: Plan, encode: MediaEncoder) -> dict[str, Any]:
    """The model's input body: the adapter's mapping, the entry's fixed inputs, then ``plan.extra`` (wins)."""
    body = await entry.adapter(plan, encode)
    for key, value in entry.extra.items():
        if key not in plan.extra:
            body[key] = value
    return body


def generic_spec(name: str, notes: str = "") -> ModelSpec:
    """A permissive spec for a model id outside the catalog: the host validates the details."""
    return ModelSpec(
        name=name,
        operations=("text-to-video", "image-to-video", "video-to-video", "avatar"),
        min_duration_s=1.0,
        max_duration_s=20.0,
        any_size=True,
        side_multiple=16,
        max_side=3840,
        last_frame=True,
        notes=notes or "not in the catalog: fields passed as-is, host validates",
    )


def entry_for(catalog: dict[str, ModelEntry], name: str, **generic_names: str) -> ModelEntry:
    """The catalog entry for ``name``, or a generic one for a model id the catalog does not list."""
    if name in catalog:
        return catalog[name]
    return ModelEntry(generic_spec(name), partial(generic, **generic_names))


__all__ = [
    "Adapter",
    "MediaEncoder",
    "ModelEntry",
    "build_input",
    "entry_for",
    "generic",
    "generic_spec",
    "hailuo",
    "hunyuan",
    "kling",
    "ltx",
    "star_size",
    "talking_head",
    "upscale",
    "wan",
    "wan25_spec",
]
