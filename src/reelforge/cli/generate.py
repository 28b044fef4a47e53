"""`reelforge generate` and `reelforge estimate`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from ..media import atomic_path
from ..types import VideoRequest
from .common import emit_json, fail, load_config, run_task

Opt = typer.Option


def build_request(
    prompt: str | None,
    image: Path | None,
    last_frame: Path | None,
    video: Path | None,
    audio: Path | None,
    op: str | None,
    backend: str,
    model: str | None,
    duration: float | None,
    fps: float | None,
    aspect: str | None,
    resolution: str | None,
    seed: int | None,
    negative: str | None,
    max_cost: float | None,
) -> VideoRequest:
    def src(p: Path | None) -> str | None:
        return None if p is None else str(p)

    try:
        return VideoRequest(
            operation=op,
            prompt=prompt,
            negative_prompt=negative,
            image=src(image),
            last_frame=src(last_frame),
            video=src(video),
            audio=src(audio),
            duration_s=duration,
            fps=fps,
            aspect_ratio=aspect,
            resolution=resolution,
            seed=seed,
            backend=backend,
            model=model,
            max_cost_usd=max_cost,
        )
    except ValidationError as exc:
        fail(exc)


def _human(result: Any) -> None:
    cost = result.cost
    sys.stdout.write(
        f"{result.path}\n  {result.width}x{result.height} @ {result.fps:g} fps, {result.num_frames} frames, "
        f"{result.duration_s:.2f}s  backend={result.backend} model={result.model} seed={result.seed}"
        f"{' (cached)' if result.cached else ''}\n  cost: estimated ${cost.estimated_usd:.4f}"
        f"{f', actual ${cost.actual_usd:.4f}' if cost.actual_usd is not None else ''}  asset {result.asset_id}\n"
    )
    for w in result.warnings:
        sys.stdout.write(f"  warning: {w}\n")


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


# the flags `generate` and `estimate` share, as typer reads them
Prompt = Annotated[str | None, typer.Argument(help="What the video shows.")]
Image = Annotated[Path | None, Opt("--image", help="First frame / input image.")]
LastFrame = Annotated[Path | None, Opt("--last-frame")]
Video = Annotated[Path | None, Opt("--video")]
Audio = Annotated[Path | None, Opt("--audio")]
Op = Annotated[str | None, Opt("--op", help="text-to-video | image-to-video | video-to-video | avatar")]
BackendName = Annotated[str, Opt("--backend")]
Model = Annotated[str | None, Opt("--model")]
Duration = Annotated[float | None, Opt("--duration", help="Seconds.")]
Fps = Annotated[float | None, Opt("--fps")]
Aspect = Annotated[str | None, Opt("--aspect", help="16:9, 9:16, 1:1 ...")]
Resolution = Annotated[str | None, Opt("--resolution", help="480p, 720p, 1080p or WxH")]
Seed = Annotated[int | None, Opt("--seed")]
Negative = Annotated[str | None, Opt("--negative")]
MaxCost = Annotated[float | None, Opt("--max-cost", help="Refuse if the estimate is over (USD).")]
Json = Annotated[bool, Opt("--json")]


def generate(
    prompt: Prompt = None, image: Image = None, last_frame: LastFrame = None, video: Video = None,
    audio: Audio = None, op: Op = None, backend: BackendName = "auto", model: Model = None,
    duration: Duration = None, fps: Fps = None, aspect: Aspect = None, resolution: Resolution = None,
    seed: Seed = None, negative: Negative = None, max_cost: MaxCost = None,
    no_cache: Annotated[bool, Opt("--no-cache")] = False,
    out: Annotated[Path | None, Opt("-o", "--out", help="Also copy the video here.")] = None,
    json_output: Json = False,
) -> None:  # fmt: skip
    """Generate one video."""
    from ..generation import open_engine

    request = build_request(
        prompt, image, last_frame, video, audio, op, backend, model, duration, fps, aspect, resolution, seed,
        negative, max_cost,
    )  # fmt: skip
    config = load_config()

    async def work(on_progress: Any, cancel: Any) -> Any:
        async with open_engine(config) as engine:
            return await engine.generate(request, on_progress=on_progress, cancel=cancel, use_cache=not no_cache)

    result = run_task(work, json_output=json_output, label="generate")
    if out is not None:
        with atomic_path(out) as tmp:
            shutil.copyfile(result.path, tmp)
        result = result.model_copy(update={"path": out.resolve()})
    emit_json(result) if json_output else _human(result)


def estimate(
    prompt: Prompt = None, image: Image = None, last_frame: LastFrame = None, video: Video = None,
    audio: Audio = None, op: Op = None, backend: BackendName = "auto", model: Model = None,
    duration: Duration = None, fps: Fps = None, aspect: Aspect = None, resolution: Resolution = None,
    seed: Seed = None, negative: Negative = None, max_cost: MaxCost = None, json_output: Json = False,
) -> None:  # fmt: skip
    """Validate a request, estimate its cost and check the budget; nothing is submitted."""
    from ..api import estimate as estimate_request
    from ..errors import ReelforgeError

    request = build_request(
        prompt, image, last_frame, video, audio, op, backend, model, duration, fps, aspect, resolution, seed,
        negative, max_cost,
    )  # fmt: skip
    try:
        data = estimate_request(request, config=load_config())
    except (ReelforgeError, ValidationError) as exc:
        fail(exc, json_output)
    if json_output:
        emit_json(data)
        return
    sys.stdout.write(
        f"{data['backend']} / {data['model']}: {data['operation']} {data['width']}x{data['height']} "
        f"@ {data['fps']:g} fps, {data['duration_s']:g}s ({data['num_frames']} frames)\n"
        f"  estimated {_usd(data['estimated_usd'])}  ({data['price_rule']})\n"
    )
    for w in data["warnings"]:
        sys.stdout.write(f"  warning: {w}\n")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
    app.command("estimate")(estimate)


__all__ = ["build_request", "estimate", "generate", "register"]
