"""Model families: the rules each open video model was trained with, keyed by diffusers pipeline class.

A model's ``model_index.json`` names its pipeline class (``_class_name``); that class picks the family,
and the family gives the ``ModelSpec`` the request is snapped to (frame counts, side multiples, fps,
native sizes) plus what the pipeline call needs (steps, guidance, components kept in float32).
Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ...types import FrameRule, ModelSpec

T2V, I2V = "text-to-video", "image-to-video"


@dataclass(frozen=True)
class Family:
    """The rules of one model family (and one variant of it)."""

    key: str
    label: str
    frame_rule: FrameRule
    fps: tuple[float, ...]
    default_fps: float
    side_multiple: int
    sizes: dict[str, tuple[int, int]]  # tier -> landscape (w, h) the model was trained at
    default_resolution: str = "480p"
    aspect_ratios: tuple[str, ...] = ()
    default_aspect_ratio: str = "16:9"
    any_size: bool = True
    max_duration_s: float = 10.0
    steps: int = 50
    guidance: float | None = 5.0
    fp32_components: tuple[str, ...] = ()  # loaded in float32 whatever the dtype (e.g. Wan's VAE)
    prompt: bool = True
    negative_prompt: bool = True
    notes: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)  # extra call arguments the family needs


WAN = Family(
    "wan",
    "Wan 2.1",
    FrameRule(4, 1, 5, 161),
    (16.0,),
    16.0,
    16,
    {"480p": (832, 480), "720p": (1280, 720)},
    guidance=5.0,
    fp32_components=("vae", "image_encoder"),
    notes="Wan 2.1: frames 4k+1, sides multiple of 16, 16 fps, VAE in float32",
)
WAN22 = replace(WAN, key="wan22", label="Wan 2.2 A14B", guidance=4.0, notes="Wan 2.2 A14B (two experts): 4k+1, 16 fps")
WAN22_TI2V = replace(
    WAN,
    key="wan22-ti2v",
    label="Wan 2.2 TI2V 5B",
    fps=(24.0,),
    default_fps=24.0,
    side_multiple=32,
    sizes={"720p": (1280, 704)},
    default_resolution="720p",
    frame_rule=FrameRule(4, 1, 5, 241),
    notes="Wan 2.2 TI2V 5B: 4k+1, sides multiple of 32, 24 fps, 1280x704",
)
HUNYUAN = Family(
    "hunyuan",
    "HunyuanVideo",
    FrameRule(4, 1, 5, 129),
    (24.0,),
    24.0,
    16,
    {"540p": (960, 544), "720p": (1280, 720)},
    default_resolution="540p",
    guidance=6.0,
    notes="HunyuanVideo: frames 4k+1 up to 129, 24 fps, sides multiple of 16",
)
LTX = Family(
    "ltx",
    "LTX-Video",
    FrameRule(8, 1, 9, 257),
    (24.0, 25.0),
    24.0,
    32,
    {"480p": (704, 480), "720p": (1216, 704)},
    guidance=3.0,
    max_duration_s=10.7,
    defaults={"decode_timestep": 0.05, "decode_noise_scale": 0.025},
    notes="LTX-Video: frames 8k+1, sides multiple of 32, 24-25 fps, keyframe conditioning",
)
COGVIDEOX = Family(
    "cogvideox",
    "CogVideoX",
    FrameRule(allowed=(49,)),
    (8.0,),
    8.0,
    16,
    {"480p": (720, 480)},
    aspect_ratios=("3:2",),
    default_aspect_ratio="3:2",
    guidance=6.0,
    max_duration_s=6.2,
    notes="CogVideoX 1.0: 49 frames at 8 fps, trained at 720x480",
)
COGVIDEOX15 = replace(
    COGVIDEOX,
    key="cogvideox15",
    label="CogVideoX 1.5",
    frame_rule=FrameRule(allowed=(81, 161)),
    fps=(16.0,),
    default_fps=16.0,
    sizes={"768p": (1360, 768)},
    default_resolution="768p",
    aspect_ratios=(),
    default_aspect_ratio="16:9",
    max_duration_s=10.1,
    notes="CogVideoX 1.5: 81 or 161 frames at 16 fps, sides multiple of 16",
)
MOCHI = Family(
    "mochi",
    "Mochi 1",
    FrameRule(6, 1, 7, 163),
    (30.0,),
    30.0,
    16,
    {"480p": (848, 480)},
    aspect_ratios=("16:9",),
    any_size=False,
    max_duration_s=5.5,
    steps=64,
    guidance=4.5,
    notes="Mochi 1: 848x480 only, frames 6k+1, 30 fps",
)
SVD = Family(
    "svd",
    "Stable Video Diffusion",
    FrameRule(allowed=(25,)),
    (),
    7.0,
    64,
    {"576p": (1024, 576)},
    default_resolution="576p",
    aspect_ratios=("16:9", "9:16"),
    any_size=False,
    max_duration_s=4.0,
    steps=25,
    guidance=None,
    prompt=False,
    negative_prompt=False,
    defaults={"motion_bucket_id": 127, "noise_aug_strength": 0.02, "decode_chunk_size": 8},
    notes="Stable Video Diffusion: image only, 25 frames (14 for img2vid), 1024x576, motion bucket",
)
SVD14 = replace(SVD, key="svd14", frame_rule=FrameRule(allowed=(14,)))

# pipeline class -> (family, operations it does, whether it takes a last frame)
PIPELINES: dict[str, tuple[Family, tuple[str, ...], bool]] = {
    "WanPipeline": (WAN, (T2V,), False),
    "WanImageToVideoPipeline": (WAN, (I2V,), True),
    "HunyuanVideoPipeline": (HUNYUAN, (T2V,), False),
    "HunyuanVideoImageToVideoPipeline": (HUNYUAN, (I2V,), False),
    "LTXPipeline": (LTX, (T2V, I2V), True),
    "LTXImageToVideoPipeline": (LTX, (T2V, I2V), True),
    "LTXConditionPipeline": (LTX, (T2V, I2V), True),
    "CogVideoXPipeline": (COGVIDEOX, (T2V,), False),
    "CogVideoXImageToVideoPipeline": (COGVIDEOX, (I2V,), False),
    "MochiPipeline": (MOCHI, (T2V,), False),
    "StableVideoDiffusionPipeline": (SVD, (I2V,), False),
}

# The published diffusers repositories we know, with their pipeline class and variant.
KNOWN_MODELS: dict[str, tuple[str, str | None]] = {
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": ("WanPipeline", None),
    "Wan-AI/Wan2.1-T2V-14B-Diffusers": ("WanPipeline", None),
    "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers": ("WanImageToVideoPipeline", None),
    "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers": ("WanImageToVideoPipeline", None),
    "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers": ("WanImageToVideoPipeline", None),
    "Wan-AI/Wan2.2-T2V-A14B-Diffusers": ("WanPipeline", "wan22"),
    "Wan-AI/Wan2.2-I2V-A14B-Diffusers": ("WanImageToVideoPipeline", "wan22"),
    "Wan-AI/Wan2.2-TI2V-5B-Diffusers": ("WanPipeline", "wan22-ti2v"),
    "hunyuanvideo-community/HunyuanVideo": ("HunyuanVideoPipeline", None),
    "hunyuanvideo-community/HunyuanVideo-I2V": ("HunyuanVideoImageToVideoPipeline", None),
    "Lightricks/LTX-Video": ("LTXPipeline", None),
    "THUDM/CogVideoX-2b": ("CogVideoXPipeline", None),
    "THUDM/CogVideoX-5b": ("CogVideoXPipeline", None),
    "THUDM/CogVideoX-5b-I2V": ("CogVideoXImageToVideoPipeline", None),
    "THUDM/CogVideoX1.5-5B": ("CogVideoXPipeline", "cogvideox15"),
    "THUDM/CogVideoX1.5-5B-I2V": ("CogVideoXImageToVideoPipeline", "cogvideox15"),
    "genmo/mochi-1-preview": ("MochiPipeline", None),
    "stabilityai/stable-video-diffusion-img2vid": ("StableVideoDiffusionPipeline", "svd14"),
    "stabilityai/stable-video-diffusion-img2vid-xt": ("StableVideoDiffusionPipeline", None),
}
VARIANTS = {f.key: f for f in (WAN22, WAN22_TI2V, COGVIDEOX15, SVD14)}


def supported_pipelines() -> list[str]:
    return sorted(PIPELINES)


def family_for(pipeline_class: str, variant: str | None = None) -> Family | None:
    entry = PIPELINES.get(pipeline_class)
    if entry is None:
        return None
    return VARIANTS.get(variant or "", entry[0])


def detect_variant(pipeline_class: str, index: dict[str, Any], configs: dict[str, dict[str, Any]]) -> str | None:
    """The family variant a model's own configs reveal (Wan 2.2, CogVideoX 1.5, SVD 14 frames)."""
    if pipeline_class.startswith("Wan"):
        if index.get("expand_timesteps"):
            return "wan22-ti2v"
        if index.get("boundary_ratio") is not None:
            return "wan22"
    if pipeline_class.startswith("CogVideoX") and configs.get("transformer", {}).get("patch_size_t"):
        return "cogvideox15"
    if pipeline_class == "StableVideoDiffusionPipeline" and configs.get("unet", {}).get("num_frames") == 14:
        return "svd14"
    return None


def frame_rule(family: Family, trained_frames: int | None = None) -> FrameRule:
    """The family's frame rule; CogVideoX takes the length its transformer was trained at (``sample_frames``)."""
    if family.key.startswith("cogvideox") and trained_frames:
        return FrameRule(
            allowed=(trained_frames,) if family.key == "cogvideox" else (trained_frames, 2 * trained_frames - 1)
        )
    return family.frame_rule


def spec_for(
    name: str, pipeline_class: str, variant: str | None = None, trained_frames: int | None = None
) -> ModelSpec:
    """The ``ModelSpec`` for model ``name`` whose pipeline class is ``pipeline_class``."""
    family = family_for(pipeline_class, variant)
    if family is None:
        raise KeyError(pipeline_class)
    _, operations, last_frame = PIPELINES[pipeline_class]
    rule = frame_rule(family, trained_frames)
    max_frames = max(rule.allowed) if rule.allowed else rule.max_frames
    min_frames = min(rule.allowed) if rule.allowed else rule.min_frames
    return ModelSpec(
        name=name,
        operations=operations,
        min_duration_s=round(min_frames / family.default_fps / 2, 3),
        max_duration_s=min(family.max_duration_s, round(max_frames / min(family.fps or (family.default_fps,)), 3)),
        fps=family.fps,
        default_fps=family.default_fps,
        resolutions=dict(family.sizes),
        default_resolution=family.default_resolution,
        aspect_ratios=family.aspect_ratios,
        default_aspect_ratio=family.default_aspect_ratio,
        any_size=family.any_size,
        max_side=2048,
        side_multiple=family.side_multiple,
        frame_rule=rule,
        prompt_max_chars=4000,
        prompt_required=family.prompt,
        last_frame=last_frame,
        negative_prompt=family.negative_prompt,
        seed=True,
        notes=family.notes,
    )


def exact_size(family: Family, tier: str, aspect: str) -> tuple[int, int] | None:
    """The size a family was trained at for a tier and aspect ratio (landscape or its portrait twin)."""
    size = family.sizes.get(tier)
    if size is None:
        return None
    w, h = size
    a, b = (int(x) for x in aspect.split(":"))
    if a * h == b * w or abs(a / b - w / h) < 0.05:
        return w, h
    if a * w == b * h or abs(a / b - h / w) < 0.05:
        return h, w
    return None


__all__ = [
    "COGVIDEOX",
    "COGVIDEOX15",
    "HUNYUAN",
    "KNOWN_MODELS",
    "LTX",
    "MOCHI",
    "PIPELINES",
    "SVD",
    "SVD14",
    "VARIANTS",
    "WAN",
    "WAN22",
    "WAN22_TI2V",
    "Family",
    "detect_variant",
    "exact_size",
    "family_for",
    "frame_rule",
    "spec_for",
    "supported_pipelines",
]
