"""Stage 5: one visual per scene from the configured source, falling back along the chain, then to a
styled colour/typography scene; every fallback is recorded in the result.

Candidates are ranked by ``rank`` (semantic where installed, lexical otherwise); a source whose best match
scores below the minimum (``shorts.visuals.min_score``, else the ranker's default) passes the scene on to the
next source. No file is shown twice while another fits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from ...errors import AuthError, Cancelled, RateLimited, ReelforgeError
from ...types import CancelToken
from ..config import VisualsConfig
from ..models import SceneVisual, Script
from .base import RankedVisual, SceneNeed, VisualSource
from .fallback import styled_scene
from .generate import GenerateFn, GenerateSource
from .library import LibrarySource
from .pexels import PexelsSource
from .pixabay import PixabaySource

DEFAULT_CHAIN = {"library": [], "pexels": ["pixabay"], "pixabay": ["pexels"], "generate": []}


def min_score_of(config: VisualsConfig) -> float | None:
    """``shorts.visuals.min_score`` where the config has it (None: the ranker's default)."""
    return config.min_score


def clip_of(config: VisualsConfig) -> object | None:
    """A ``ClipScorer`` for ``shorts.visuals.clip_model`` (a Hugging Face id or a local folder) when set."""
    model = config.clip_model
    if not model:
        return None
    from .clip import ClipScorer

    return ClipScorer(str(model))


def ranking_of(config: VisualsConfig) -> str | None:
    """The ranker the chain's searching sources use (``semantic`` / ``lexical``), None for ``generate`` alone;
    part of the visuals checkpoint's key, so installing the model re-chooses rather than reuses. Blocking."""
    chain = {config.source, *config.fallback}
    if not chain & {"library", "pexels", "pixabay"}:
        return None
    from .rank import default_ranker

    return default_ranker().name


def build_sources(
    config: VisualsConfig, generate: GenerateFn | None, cancel: CancelToken | None = None
) -> tuple[list[VisualSource], list[str]]:
    """The sources to try in order, and notes on the ones that cannot be used (missing keys)."""
    chain = [config.source, *(config.fallback or DEFAULT_CHAIN[config.source])]
    sources: list[VisualSource] = []
    notes: list[str] = []
    for name in dict.fromkeys(chain):
        if name == "library":
            sources.append(LibrarySource(config.library, min_score=min_score_of(config), clip=clip_of(config)))
        elif name == "pexels":
            if config.pexels_api_key:
                key, url = config.pexels_api_key.get_secret_value(), config.pexels_base_url
                sources.append(PexelsSource(key, url, min_score=min_score_of(config)))
            else:
                notes.append("pexels skipped: set shorts.visuals.pexels_api_key")
        elif name == "pixabay":
            if config.pixabay_api_key:
                key, url = config.pixabay_api_key.get_secret_value(), config.pixabay_base_url
                sources.append(PixabaySource(key, url, min_score=min_score_of(config)))
            else:
                notes.append("pixabay skipped: set shorts.visuals.pixabay_api_key")
        elif name == "generate" and generate is not None:
            sources.append(GenerateSource(generate, config.backend, config.model, config.continuity, cancel))
    return sources, notes


async def _find(
    need: SceneNeed, sources: list[VisualSource], cache_dir: Path, notes: list[str], disabled: dict[str, str]
) -> SceneVisual:
    """The first source's match for one scene, else a styled scene; the reasons for every miss are kept.
    A source that refuses the key or the rate is ``disabled`` for the scenes after this one."""
    reasons = list(notes)
    for source in sources:
        if source.name in disabled:
            reasons.append(f"{source.name}: {disabled[source.name]}")
            continue
        try:
            chosen = await source.find(need, cache_dir)
        except Cancelled:
            raise
        except (AuthError, RateLimited) as exc:
            disabled[source.name] = exc.message
            reasons.append(f"{source.name}: {exc.message}")
            continue
        except ReelforgeError as exc:
            reasons.append(f"{source.name}: {exc.message}")
            continue
        if chosen is not None:
            if reasons and chosen.source != sources[0].name:
                chosen = chosen.model_copy(update={"fallback_reason": "; ".join(reasons)})
            return chosen
        floor = getattr(source, "min_score", None)
        below = f" scoring {floor:.2f} or more" if floor is not None else ""
        reasons.append(f"{source.name}: nothing matched {need.terms}{below}")
    return styled_scene(need, "; ".join(reasons) or "no visuals source configured")


async def choose_visuals(
    script: Script,
    durations: list[float],
    aspect_ratio: str,
    sources: list[VisualSource],
    cache_dir: Path,
    *,
    notes: list[str] | None = None,
    cancel: CancelToken | None = None,
    on_chosen: Callable[[SceneVisual, int], Awaitable[None]] | None = None,
    done: dict[int, SceneVisual] | None = None,
    warnings: list[str] | None = None,
) -> list[SceneVisual]:
    """Pick each scene's visual. ``done`` holds scenes already chosen (by an earlier, interrupted run, or kept
    from a storyboard); ``on_chosen(visual, scene_count)`` is awaited after each new choice (the studio
    checkpoints it there). What the sources noticed on the way (undecodable files) is added to ``warnings``."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    done = done or {}
    used: set[str] = set()
    disabled: dict[str, str] = {}
    out: list[SceneVisual] = []
    previous: Path | None = None
    try:
        for i, (scene, duration) in enumerate(zip(script.scenes, durations, strict=True)):
            if cancel is not None:
                cancel.raise_if_cancelled("visuals")
            chosen = done.get(i)
            if chosen is None:
                need = SceneNeed(
                    index=i,
                    scene=scene,
                    duration_s=duration,
                    aspect_ratio=aspect_ratio,
                    used=used,
                    previous=previous,
                    language=script.language,
                )
                chosen = await _find(need, sources, cache_dir, notes or [], disabled)
                if on_chosen is not None:
                    await on_chosen(chosen, len(script.scenes))
            if chosen.path is not None:
                used.add(str(chosen.path))
            previous = chosen.path
            out.append(chosen)
    finally:
        for source in sources:
            if warnings is not None:
                warnings.extend(w for w in getattr(source, "warnings", []) if w not in warnings)
            close = getattr(source, "aclose", None)
            if close is not None:
                await close()
    return out


__all__ = ["RankedVisual", "SceneNeed", "build_sources", "choose_visuals", "clip_of", "min_score_of", "ranking_of"]
