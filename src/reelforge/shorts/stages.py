"""The studio's stages, in order: script, plan, narration, visuals, music, metadata, render.

Each is ``async def stage(state, ctx) -> None``: it reads what earlier stages left in the ``RunState``, adds
its own part, and (all but music and render) keeps it as a checkpoint keyed by a fingerprint of its inputs,
so a rerun in the same run folder takes every finished stage from there. The render is always redone: it is
cheap to get wrong and the checkpoints before it make it reproducible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Cancelled, ReelforgeError
from . import metadata as meta
from . import storyboard
from .checkpoints import file_digest, fingerprint
from .compose import build_timeline, scene_durations
from .config import VisualsConfig
from .models import Metadata, Narration, SceneVisual, Script
from .music import choose_music
from .narration import narrate, use_voiceover
from .plan import plan_from_text, plan_with_llm, write_script
from .report import sidecar_sections
from .script import estimate_seconds, load_script, parse_script
from .state import RunState, StageContext
from .tts_cache import CachedTTS
from .visuals import RankedVisual, build_sources, choose_visuals, ranking_of

StageFn = Callable[[RunState, StageContext], Awaitable[None]]


@dataclass(frozen=True)
class Stage:
    """One step of the run: its name (in progress messages, checkpoints and ``Cancelled.stage``)."""

    name: str
    weight: float  # its share of the run's progress
    run: StageFn


def _llm_key(state: RunState) -> dict[str, Any]:
    return state.config.llm.model_dump(exclude={"api_key", "timeout_s"})


async def _read_script(state: RunState, ctx: StageContext, wpm: float) -> Script:
    request, cfg = state.request, state.config
    if request.topic:
        written = write_script(
            ctx.llm,
            request.topic,
            language=request.language,
            seconds=request.target_duration_s or 45.0,
            words_per_minute=wpm,
            prompt=cfg.llm.prompt,
        )
        return await ctx.cancellable(written)
    if request.script is not None:
        return await asyncio.to_thread(load_script, Path(request.script).expanduser(), language=request.language)
    return parse_script(request.script_text or "", language=request.language)


async def script_stage(state: RunState, ctx: StageContext) -> None:
    """The script: written by the LLM from the topic, or read from the file or text given."""
    request = state.request
    state.key = fingerprint("script", state.key, _llm_key(state) if request.topic else None)
    script = await ctx.restore(state, state.key, Script.model_validate)
    if script is None:
        wpm = ctx.tts.words_per_minute if ctx.tts else 160.0
        script = await _read_script(state, ctx, wpm)
        target = request.target_duration_s
        if target and not request.topic and (seconds := estimate_seconds(script, wpm)) > target * 1.25:
            script.warnings.append(f"the script runs about {seconds:.0f} s, longer than the {target:.0f} s target")
        await ctx.save(state.key, script.model_dump(mode="json"))
    state.script = script
    state.warnings += script.warnings


async def plan_stage(state: RunState, ctx: StageContext) -> None:
    """Search terms and a visual prompt per scene: from the LLM when configured, else from the words."""
    state.key = fingerprint("plan", state.key, _llm_key(state))
    script = await ctx.restore(state, state.key, Script.model_validate)
    if script is None:
        if ctx.llm is not None:
            try:
                script = await ctx.cancellable(plan_with_llm(ctx.llm, state.need_script()))
            except Cancelled:
                raise
            except ReelforgeError as exc:
                state.warnings.append(f"scene plan from keywords: the LLM failed ({exc.message})")
        script = script or await asyncio.to_thread(plan_from_text, state.need_script(), semantic=True)
        await ctx.save(state.key, script.model_dump(mode="json"))
    state.script = script


def _narration_if_kept(data: Any) -> Narration | None:
    narration = Narration.model_validate(data)
    return narration if narration.path.is_file() else None


async def narration_stage(state: RunState, ctx: StageContext) -> None:
    """The narration track and every word's timing: synthesized sentence by sentence, or your recording."""
    request, cfg = state.request, state.config
    state.key = fingerprint(
        "narration", state.key, cfg.tts.model_dump(exclude={"api_key"}), await _digest(request.voiceover)
    )
    narration = await ctx.restore(state, state.key, _narration_if_kept)
    if narration is None:
        wav = ctx.work_dir / "narration.wav"
        if request.voiceover is not None:
            voiceover = Path(request.voiceover).expanduser()
            narration = await ctx.cancellable(use_voiceover(state.need_script(), voiceover, wav, request.language))
        else:
            assert ctx.tts is not None, "a TTS engine is made when there is no voiceover"
            ctx.warm_up(warm_ranker, cfg.visuals)  # a cold model load takes seconds: beside the synthesis
            settings = fingerprint(cfg.tts.model_dump(exclude={"api_key", "cache_mb"}), request.language)
            cap = None if cfg.tts.cache_mb is None else int(cfg.tts.cache_mb * 1024 * 1024)
            cache = CachedTTS(ctx.tts, ctx.data_dir / "shorts" / "tts", settings, cap)  # new sentences only
            narration = await narrate(
                state.need_script(),
                cache,
                wav,
                sentence_pause_s=cfg.tts.sentence_pause_s,
                scene_pause_s=cfg.tts.scene_pause_s,
                cancel=ctx.cancel,
                on_sentence=lambda n, total: ctx.progress(n / total, f"sentence {n}/{total}"),
            )
            await asyncio.to_thread(cache.prune)
        await ctx.save(state.key, narration.model_dump(mode="json"))
    state.narration = narration
    state.durations = scene_durations(narration)
    state.warnings += narration.warnings


def warm_ranker(config: VisualsConfig) -> None:
    """Load the model the visuals ranker uses (import and first call: seconds on a cold start). Blocking."""
    if ranking_of(config) != "semantic":
        return
    from .visuals.rank import default_ranker

    embed = getattr(default_ranker(), "embed", None)
    if embed is not None:
        embed(["warm up"])


async def _digest(path: Path | None) -> str | None:
    return await asyncio.to_thread(file_digest, Path(path).expanduser() if path is not None else None)


def _visuals_if_kept(data: Any) -> list[SceneVisual]:
    return [RankedVisual.model_validate(v) for v in data]


async def visuals_stage(state: RunState, ctx: StageContext) -> None:
    """One visual per scene. Saved after every scene: a generated clip is never paid for twice."""
    cfg = state.config
    # API keys and the clips' sound (a render setting) do not change which visuals are chosen
    not_chosen_by = {"pexels_api_key", "pixabay_api_key", "clip_sound_db"}
    await ctx.cancellable(ctx.warmed())  # the ranker's model, when the narration stage started loading it
    ranking = await asyncio.to_thread(ranking_of, cfg.visuals)
    chosen_by = [ranking] if ranking else []  # keys made before ranking existed stay valid for generate
    state.key = fingerprint(
        "visuals", state.key, cfg.visuals.model_dump(exclude=not_chosen_by), cfg.output.aspect_ratio, *chosen_by
    )
    visuals = await ctx.restore(state, state.key, _visuals_if_kept)
    if visuals is None:
        earlier = [RankedVisual.model_validate(v) for v in await ctx.partial(state.key) or []]
        chosen = await asyncio.to_thread(storyboard.storyboard_visuals, state.request.script)  # kept from a storyboard
        chosen |= {v.scene: v for v in earlier if v.path is None or Path(v.path).is_file()}
        sources, notes = build_sources(cfg.visuals, ctx.generate, ctx.cancel)

        async def keep(v: SceneVisual, total: int) -> None:  # saved before the next scene is paid for
            chosen[v.scene] = v
            await ctx.save(state.key, [x.model_dump(mode="json") for x in chosen.values()], complete=False)
            ctx.progress(len(chosen) / total, f"scene {len(chosen)}/{total} ({v.source})")

        visuals = await choose_visuals(
            state.need_script(),
            state.durations,
            cfg.output.aspect_ratio,
            sources,
            ctx.data_dir / "shorts" / "stock",
            notes=notes,
            cancel=ctx.cancel,
            on_chosen=keep,
            done=dict(chosen),
            warnings=state.warnings,
        )
        await ctx.save(state.key, [v.model_dump(mode="json") for v in visuals])
        await asyncio.to_thread(storyboard.remember_visuals, state.request.script, visuals)
    state.visuals = visuals


async def music_stage(state: RunState, ctx: StageContext) -> None:
    """Background music: a bundled track by mood (the same short, the same track), a file, or none."""
    script = state.need_script()
    state.music = await asyncio.to_thread(choose_music, state.config.music, script.title or script.text[:200])


async def metadata_stage(state: RunState, ctx: StageContext) -> None:
    """Title, description, tags and chapters, before the render so the sidecar carries them."""
    key = fingerprint("metadata", state.key, _llm_key(state))
    metadata = await ctx.restore(state, key, Metadata.model_validate)
    if metadata is None:
        script, narration = state.need_script(), state.need_narration()
        metadata = meta.from_script(script, narration)
        if ctx.llm is not None:
            try:
                metadata = await ctx.cancellable(meta.from_llm(ctx.llm, script, narration))
            except Cancelled:
                raise
            except ReelforgeError as exc:
                state.warnings.append(f"metadata from the script: the LLM failed ({exc.message})")
        await ctx.save(key, metadata.model_dump(mode="json"))
    state.metadata = metadata


async def render_stage(state: RunState, ctx: StageContext) -> None:
    """One ffmpeg render of the timeline; the sidecar is written once, with the studio's sections in it."""
    request = state.request
    output = Path(request.output).expanduser() if request.output else ctx.work_dir / "short.mp4"
    looks = await asyncio.to_thread(storyboard.scene_looks, request.script)  # a storyboard's own per-scene looks
    timeline = build_timeline(
        state.config, state.need_narration(), state.visuals, state.music, title=state.need_metadata().title, looks=looks
    )
    state.rendered = await ctx.render(
        timeline,
        output,
        cancel=ctx.cancel,
        on_progress=ctx.progress,
        sidecar_extra=lambda rendered: {
            **sidecar_sections(state, rendered, ctx.work_dir),
            "storyboard": storyboard.from_state(state, looks).model_dump(mode="json"),
        },
    )


STAGES: list[Stage] = [
    Stage("script", 0.04, script_stage),
    Stage("plan", 0.02, plan_stage),
    Stage("narration", 0.22, narration_stage),
    Stage("visuals", 0.12, visuals_stage),
    Stage("music", 0.01, music_stage),
    Stage("metadata", 0.01, metadata_stage),
    Stage("render", 0.58, render_stage),
]

__all__ = [
    "STAGES",
    "Stage",
    "StageFn",
    "metadata_stage",
    "music_stage",
    "narration_stage",
    "plan_stage",
    "render_stage",
    "script_stage",
    "visuals_stage",
    "warm_ranker",
]
