"""Map a Plan onto one diffusers pipeline call: which pipeline class runs it and with which arguments."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from .families import Family

if TYPE_CHECKING:
    from PIL.Image import Image

    from ..base import Plan
    from .cache import CacheEntry
    from .source import ModelSource

# arguments the backend owns; a request's ``extra`` cannot override them
RESERVED = {
    "prompt",
    "negative_prompt",
    "image",
    "last_image",
    "height",
    "width",
    "num_frames",
    "generator",
    "latents",
    "output_type",
    "return_dict",
    "callback_on_step_end",
    "callback_on_step_end_tensor_inputs",
    "conditions",
    "video",
    "frame_index",
    "fps",
    "frame_rate",
}
KEYFRAMES = "_keyframes"  # [(PIL image, frame index)], turned into LTXVideoCondition objects at call time


def choose_pipeline(source: ModelSource, family: Family, operation: str, has_last: bool, has_keyframes: bool) -> str:
    """The pipeline class that runs ``operation``: the model's own, or one derived from it (LTX)."""
    if family.key == "ltx":
        if has_last or has_keyframes:
            return "LTXConditionPipeline"
        return "LTXImageToVideoPipeline" if operation == "image-to-video" else "LTXPipeline"
    return source.pipeline_class


def plan_call(
    plan: Plan, family: Family, run_class: str, images: dict[str, Image], keyframes: list[tuple[Image, int]]
) -> tuple[dict[str, Any], list[str]]:
    """Pipeline arguments for ``plan``, and warnings for extras the backend refuses to pass."""
    call: dict[str, Any] = {
        **family.defaults,
        "height": plan.height,
        "width": plan.width,
        "num_frames": plan.num_frames,
        "num_inference_steps": family.steps,
    }
    if family.guidance is not None:
        call["guidance_scale"] = family.guidance
    if family.prompt:
        call["prompt"] = plan.prompt or ""
        if plan.negative_prompt:
            call["negative_prompt"] = plan.negative_prompt
    if family.key == "ltx":
        call["frame_rate"] = round(plan.fps)
    if family.key.startswith("svd"):
        call["fps"] = round(plan.fps)
    warnings: list[str] = []
    for key, value in plan.extra.items():
        if key == "keyframes":
            continue
        if key in RESERVED:
            warnings.append(f"extra.{key} ignored: set through the request's own fields")
            continue
        call[key] = value
    if run_class == "LTXConditionPipeline":
        frames = [(images["image"], 0)] if "image" in images else []
        if "last_frame" in images:
            frames.append((images["last_frame"], plan.num_frames - 1))
        call[KEYFRAMES] = sorted([*frames, *keyframes], key=lambda kf: kf[1])
    else:
        if "image" in images:
            call["image"] = images["image"]
        if "last_frame" in images:
            call["last_image"] = images["last_frame"]
    return call, warnings


def derive_pipeline(entry: CacheEntry, run_class: str, diffusers: Any) -> Any:
    """The pipeline of class ``run_class`` sharing the cached pipeline's components (built once, then kept)."""
    pipe = entry.pipe
    if type(pipe).__name__ == run_class:
        return pipe
    derived = entry.variants.get(run_class)
    if derived is None:
        derived = getattr(diffusers, run_class).from_pipe(pipe)
        if hasattr(derived, "set_progress_bar_config"):
            derived.set_progress_bar_config(disable=True)
        entry.variants[run_class] = derived
    return derived


def build_kwargs(
    pipe: Any, call: dict[str, Any], diffusers: Any, user_keys: tuple[str, ...] = ()
) -> tuple[dict[str, Any], list[str]]:
    """``call`` narrowed to what ``pipe.__call__`` takes; a note for each of ``user_keys`` it does not take."""
    params = inspect.signature(type(pipe).__call__).parameters
    text_len = getattr(getattr(getattr(pipe, "transformer", None), "config", None), "max_text_seq_length", None)
    if text_len and "max_sequence_length" in params and "max_sequence_length" not in call:
        call = {**call, "max_sequence_length": int(text_len)}  # CogVideoX's transformer fixes the text length
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in call.items():
        if key == KEYFRAMES:
            kwargs["conditions"] = [
                diffusers.pipelines.ltx.pipeline_ltx_condition.LTXVideoCondition(image=img, frame_index=idx)
                for img, idx in value
            ]
        elif key in params or takes_any:
            kwargs[key] = value
        elif key in user_keys:
            notes.append(f"extra.{key} ignored: {type(pipe).__name__} does not take it")
    return kwargs, notes


__all__ = [
    "KEYFRAMES",
    "RESERVED",
    "build_kwargs",
    "choose_pipeline",
    "derive_pipeline",
    "plan_call",
]
