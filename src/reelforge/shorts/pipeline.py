"""Run a short: the stages of ``stages.STAGES`` in order over one ``RunState``, each a checkpoint in the run
folder, with progress and cancellation between and inside them.

The run folder is ``{data_dir}/shorts/runs/<run id>`` (the run id is ``request.run_id``, else a fingerprint
of the request's content), or the ``work_dir`` given. Running the same request again in the same folder, after
a failure, a cancellation or a crash, takes every finished stage from its checkpoint: nothing is synthesized,
asked or paid for twice, and the run goes on from the first unfinished stage.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from pathlib import Path

from ..errors import Cancelled
from ..types import CancelToken, ProgressCallback
from .checkpoints import RunFolder, file_digest, fingerprint
from .config import ShortsConfig
from .llm import create_llm
from .overrides import check_request, effective_config
from .report import build_result
from .request import ShortRequest, ShortResult
from .stages import STAGES, Stage
from .state import Renderer, RunState, StageContext
from .tts import create_tts
from .visuals.generate import GenerateFn


def content_id(request: ShortRequest) -> str:
    """A fingerprint of what the short says (topic or script, voiceover, language, target length); the first
    link of the checkpoint keys, so a changed script never reuses an old narration, whatever the folder."""
    return fingerprint(
        request.topic,
        file_digest(_expand(request.script)),
        request.script_text,
        file_digest(_expand(request.voiceover)),
        request.language,
        request.target_duration_s,
    )


def _expand(path: Path | None) -> Path | None:
    return Path(path).expanduser() if path is not None else None


def run_id_for(request: ShortRequest, content: str | None = None) -> str:
    """The run folder's name: ``request.run_id``, else the request's ``content_id``."""
    return request.run_id or content or content_id(request)


def _start(
    request: ShortRequest,
    config: ShortsConfig,
    data_dir: Path,
    work_dir: Path | None,
    services: tuple[GenerateFn | None, Renderer | None, ProgressCallback | None, CancelToken],
) -> tuple[RunState, StageContext]:
    """Check the request, make the run folder and the services (file checks and digests: run in a thread)."""
    check_request(request)
    cfg = effective_config(request, config)
    data_dir, content = Path(data_dir).expanduser(), content_id(request)
    root = _expand(work_dir) or data_dir / "shorts" / "runs" / run_id_for(request, content)
    generate, render, on_progress, cancel = services
    if render is None:
        from ..render import render_timeline as render
    ctx = StageContext(
        run=RunFolder(root),
        data_dir=data_dir,
        llm=create_llm(cfg.llm),
        tts=create_tts(cfg.tts, request.language) if request.voiceover is None else None,
        generate=generate,
        render=render,
        cancel=cancel,
        on_progress=on_progress,
    )
    return RunState(request=request, config=cfg, key=content), ctx


async def _run_stage(stage: Stage, state: RunState, ctx: StageContext) -> None:
    ctx.begin(stage.name, stage.weight)
    t0 = time.perf_counter()
    await stage.run(state, ctx)
    state.timings[stage.name] = round(time.perf_counter() - t0, 3)
    ctx.finish()


async def run_short(
    request: ShortRequest,
    config: ShortsConfig,
    *,
    data_dir: Path,
    work_dir: Path | None = None,
    generate: GenerateFn | None = None,
    render: Renderer | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ShortResult:
    """Make one short. ``work_dir`` pins the run folder (a job passes its own, so a rerun after a crash
    resumes there); ``generate`` makes the clips of ``visuals: generate``; ``render`` stands in for the
    renderer. Raises ``Cancelled`` naming the stage it stopped in; the finished stages stay checkpointed."""
    services = (generate, render, on_progress, cancel or CancelToken())
    state, folder = await run_stages(request, config, Path(data_dir), work_dir, services)
    return build_result(state, state.need_rendered(), folder)


async def run_stages(
    request: ShortRequest,
    config: ShortsConfig,
    data_dir: Path,
    work_dir: Path | None,
    services: tuple[GenerateFn | None, Renderer | None, ProgressCallback | None, CancelToken],
    names: Collection[str] | None = None,
) -> tuple[RunState, Path]:
    """Run the stages in order (only ``names`` when given), each checkpointed in the run folder; return the
    state and the folder. ``services``: (generate, render, on_progress, cancel). Raises ``Cancelled`` naming
    the stage it stopped in; the finished stages stay checkpointed."""
    state, ctx = await asyncio.to_thread(_start, request, config, data_dir, work_dir, services)
    try:
        for stage in STAGES:
            if names is None or stage.name in names:
                await _run_stage(stage, state, ctx)
    except Cancelled as exc:
        raise Cancelled(
            f"cancelled during the {ctx.stage} stage; finished stages are kept in {ctx.work_dir} and a "
            "rerun resumes from there",
            stage=ctx.stage,
        ) from exc
    finally:
        await ctx.aclose()
    return state, ctx.work_dir


__all__ = ["content_id", "run_id_for", "run_short", "run_stages"]
