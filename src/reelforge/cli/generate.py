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


def register(app: typer.Typer) -> None:
    @app.command()
    def generate(
        prompt: Annotated[str | None, typer.Argument(help="What the video shows.")] = None,
        image: Annotated[Path | None, Opt("--image", help="First frame / input image.")] = None,
        last_frame: Annotated[Path | None, Opt("--last-frame")] = None,
        video: Annotated[Path | None, Opt("--video")] = None,
        audio: Annotated[Path | None, Opt("--audio")] = None,
        op: Annotated[str | None, Opt("--op", help="text-to-video | image-to-video | video-to-video | avatar")] = None,
        backend: Annotated[str, Opt("--backend")] = "auto",
        model: Annotated[str | None, Opt("--model")] = None,
        duration: Annotated[float | None, Opt("--duration", help="Seconds.")] = None,
        fps: Annotated[float | None, Opt("--fps")] = None,
        aspect: Annotated[str | None, Opt("--aspect", help="16:9, 9:16, 1:1 ...")] = None,
        resolution: Annotated[str | None, Opt("--resolution", help="480p, 720p, 1080p or WxH")] = None,
        seed: Annotated[int | None, Opt("--seed")] = None,
        negative: Annotated[str | None, Opt("--negative")] = None,
        max_cost: Annotated[float | None, Opt("--max-cost", help="Refuse if the estimate is over (USD).")] = None,
        no_cache: Annotated[bool, Opt("--no-cache")] = False,
        out: Annotated[Path | None, Opt("-o", "--out", help="Also copy the video here.")] = None,
        json_output: Annotated[bool, Opt("--json")] = False,
    ) -> None:
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

    @app.command()
    def estimate(
        prompt: Annotated[str | None, typer.Argument()] = None,
        image: Annotated[Path | None, Opt("--image")] = None,
        last_frame: Annotated[Path | None, Opt("--last-frame")] = None,
        video: Annotated[Path | None, Opt("--video")] = None,
        audio: Annotated[Path | None, Opt("--audio")] = None,
        op: Annotated[str | None, Opt("--op")] = None,
        backend: Annotated[str, Opt("--backend")] = "auto",
        model: Annotated[str | None, Opt("--model")] = None,
        duration: Annotated[float | None, Opt("--duration")] = None,
        fps: Annotated[float | None, Opt("--fps")] = None,
        aspect: Annotated[str | None, Opt("--aspect")] = None,
        resolution: Annotated[str | None, Opt("--resolution")] = None,
        seed: Annotated[int | None, Opt("--seed")] = None,
        negative: Annotated[str | None, Opt("--negative")] = None,
        max_cost: Annotated[float | None, Opt("--max-cost")] = None,
        json_output: Annotated[bool, Opt("--json")] = False,
    ) -> None:
        """Validate a request, estimate its cost and check the budget; nothing is submitted."""
        from ..api import estimate as estimate_request
        from ..errors import ReelforgeError

        request = build_request(
            prompt, image, last_frame, video, audio, op, backend, model, duration, fps, aspect, resolution, seed,
            negative, max_cost,
        )  # fmt: skip
        config = load_config()
        try:
            data = estimate_request(request, config=config)
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


__all__ = ["build_request", "register"]
