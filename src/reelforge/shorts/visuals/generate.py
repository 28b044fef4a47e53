"""Generated visuals: the scene's visual prompt through ``reelforge.agenerate`` with any backend
(``procedural`` offline); image-to-video from the previous scene's last frame when continuity is on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from ...media import run_ffmpeg
from ...types import CancelToken, VideoRequest, VideoResult
from ..models import SceneVisual
from .base import SceneNeed

GenerateFn = Callable[[VideoRequest], Awaitable[VideoResult]]
MAX_CLIP_S = 10.0


async def last_frame(video: Path, out: Path) -> Path:
    await run_ffmpeg(["-sseof", "-0.25", "-i", str(video), "-frames:v", "1", "-update", "1", str(out)])
    return out


class GenerateSource:
    name = "generate"

    def __init__(
        self,
        generate: GenerateFn,
        backend: str = "procedural",
        model: str | None = None,
        continuity: bool = False,
        cancel: CancelToken | None = None,
    ) -> None:
        self._generate = generate
        self.backend = backend
        self.model = model
        self.continuity = continuity
        self.cancel = cancel

    async def find(self, need: SceneNeed, cache_dir: Path) -> SceneVisual | None:
        prompt = need.scene.visual_prompt or ", ".join(need.terms)
        image = None
        if self.continuity and need.previous is not None and need.previous.suffix.lower() in (".mp4", ".mov"):
            image = await last_frame(need.previous, cache_dir / f"continuity-{need.index}.png")
        request = VideoRequest(
            prompt=prompt,
            duration_s=round(min(MAX_CLIP_S, max(1.0, need.duration_s)), 2),
            aspect_ratio=need.aspect_ratio,
            backend=self.backend,
            model=self.model,
            image=image,
            seed=need.index + 1,
        )
        result = await self._generate(request)
        detail = f"{result.backend}{'/' + result.model if result.model else ''}: {prompt[:80]}"
        cost = result.cost.actual_usd if result.cost.actual_usd is not None else result.cost.estimated_usd
        return SceneVisual(
            scene=need.index,
            source="generate",
            kind="clip",
            path=Path(result.path),
            detail=detail,
            cost_usd=cost if result.cost.billable or result.cost.actual_usd else 0.0,
        )


__all__ = ["MAX_CLIP_S", "GenerateFn", "GenerateSource", "last_frame"]
