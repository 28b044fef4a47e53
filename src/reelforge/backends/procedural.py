"""``procedural``: the built-in offline renderer (no network, GPU or model weights).

Text-to-video draws an animated colour field, moving shapes and the prompt's key words, all chosen from
the prompt and the seed. Image-to-video pans and zooms over the given still (Ken Burns). One ffmpeg
process per render; the same seed gives the same frames. It is not a generative model: it illustrates
a prompt, it does not depict it.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field

from ..errors import InvalidRequest
from ..media import atomic_path, run_ffmpeg
from ..media.fonts import find_font
from ..types import ModelSpec, VideoRequest
from .base import Backend, BackendConfig, Plan, RunContext, RunOutput
from .procedural_graph import i2v_argv, still_size, t2v_argv
from .procedural_scenes import Scene, choose_scene, ken_burns

MODEL = "procedural-1"
SPEC = ModelSpec(
    name=MODEL,
    operations=("text-to-video", "image-to-video"),
    min_duration_s=0.5,
    max_duration_s=600.0,
    default_fps=24.0,
    default_resolution="720p",
    any_size=True,
    max_side=4096,
    side_multiple=2,
    prompt_max_chars=2000,
    negative_prompt=False,
    seed=True,
    max_image_bytes=50 * 1024 * 1024,
    notes="animated colour fields, shapes and kinetic typography from the prompt; Ken Burns over an image",
)


class ProceduralConfig(BackendConfig):
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"] = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)


class ProceduralBackend(Backend):
    name = "procedural"
    kind = "builtin"
    description = (
        "built-in offline renderer: animated colour fields, shapes and kinetic typography from the prompt; "
        "Ken Burns over an input image; no network, GPU or weights; not a generative model"
    )
    config_model = ProceduralConfig
    config: ProceduralConfig

    def models(self) -> list[ModelSpec]:
        return [SPEC]

    def estimate_cost(self, plan: Plan) -> float:
        return 0.0  # local compute

    def price_rule(self, model: str | None = None) -> str:
        return "free (local compute)"

    def validate(self, request: VideoRequest) -> Plan:
        problems: dict[str, str] = {}
        for field in ("image", "last_frame", "video", "audio"):
            value = getattr(request, field)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                problems[field] = "procedural works offline: pass a local file or bytes, not a URL"
        try:
            plan = super().validate(request)
        except InvalidRequest as exc:
            raise InvalidRequest({**exc.problems, **problems}) from None
        if problems:
            raise InvalidRequest(problems)
        return plan

    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        ctx.cancel.raise_if_cancelled("render")
        seed = plan.seed if plan.seed is not None else secrets.randbelow(2**31)
        warnings: list[str] = []
        stdin: bytes | None = None
        preset, crf = self.config.preset, self.config.crf
        size = (plan.width, plan.height, plan.fps, plan.num_frames)
        build: Callable[[Path], list[str]]
        if plan.operation == "image-to-video":
            if plan.image is None:
                raise InvalidRequest({"image": "image-to-video needs an image"})
            still = still_size(plan.width, plan.height)
            stdin = await asyncio.to_thread(_prepare_still, plan.image.read_bytes, still)
            kb = ken_burns(seed)
            build = lambda out: i2v_argv(kb, still, *size, out, preset=preset, crf=crf)  # noqa: E731
        else:
            scene = choose_scene(plan.prompt or "", seed, plan.duration_s)
            fonts = await asyncio.to_thread(_fonts_for, scene)
            missing = [w for w, f in zip(scene.words, fonts, strict=True) if f is None]
            if missing:
                warnings.append(f"no font can draw {', '.join(missing)}: rendered without those words")
            build = lambda out: t2v_argv(scene, fonts, *size, out, preset=preset, crf=crf)  # noqa: E731
        with atomic_path(ctx.out_path) as tmp:
            ctx.progress(0.0, "rendering")
            await run_ffmpeg(
                build(tmp),
                total_s=plan.num_frames / plan.fps,
                cancel=ctx.cancel,
                stdin_data=stdin,
                on_progress=lambda f: ctx.progress(f, "rendering"),
            )
        ctx.progress(1.0, "rendered")
        return RunOutput(actual_usd=0.0, billable=False, warnings=warnings, seed=seed)


def _fonts_for(scene: Scene) -> list[Path | None]:
    return [find_font(word.upper()) for word in scene.words]


def _prepare_still(read: Callable[[], bytes], size: tuple[int, int]) -> bytes:
    """Decode, apply EXIF orientation, flatten alpha, cover-fit to ``size``; raw RGB24 bytes."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(read())) as im:
            im.draft("RGB", size)
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                flat = Image.new("RGBA", im.size, (16, 16, 16, 255))
                im = Image.alpha_composite(flat, im)
            im = im.convert("RGB")
            fitted = ImageOps.fit(im, size, method=Image.Resampling.LANCZOS)
            return fitted.tobytes()
    except Image.DecompressionBombError as exc:
        raise InvalidRequest({"image": f"image has too many pixels ({exc})"}) from None
    except (OSError, ValueError) as exc:
        raise InvalidRequest({"image": f"cannot decode the image ({exc})"}) from None


__all__ = [
    "MODEL",
    "SPEC",
    "ProceduralBackend",
    "ProceduralConfig",
]
