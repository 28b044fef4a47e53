"""The editable storyboard: a short's scene plan as a YAML file, made before anything is rendered.

``plan_short`` runs the stages up to the visuals (script, plan, narration, visuals) and returns a
``Storyboard``: per scene the ``text``, its search terms, the visual prompt, the chosen visual with its score
and runner-up, the caption style and the transition. ``write_storyboard`` writes it as YAML; the same file is
a script (``ShortRequest(script=plan.yaml)``, ``reelforge short --plan plan.yaml``, a job's request): it
renders as planned. Editing it redoes only what changed:

- a scene's ``text``: only that scene's sentences are synthesized again (every sentence's audio is kept in
  ``{data_dir}/shorts/tts``, keyed by the engine, voice and sentence);
- a scene's ``search_terms`` or ``visual_prompt`` edited, or its ``visual`` removed (``visual: null``): only
  that scene's visual is chosen again, and written back into the file; a ``path:`` of your own is used as
  given. Every other scene keeps its visual, so nothing already generated or downloaded is paid for again;
- a scene's ``caption_style`` (a preset name, or a mapping of ``CaptionStyle`` fields) or ``transition`` (into
  it: a renderer transition kind, or ``cut``): the render uses them for that scene; unset, the config's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidRequest
from ..media import atomic_write_text
from ..render import PRESETS, CaptionStyle
from ..types import CancelToken, ProgressCallback
from .checkpoints import fingerprint
from .compose import SceneLook, transition_problem
from .config import ShortsConfig
from .models import SceneVisual
from .request import ShortRequest
from .state import RunState
from .visuals.base import IMAGE_EXTS, RankedVisual
from .visuals.generate import GenerateFn

KIND = "reelforge.storyboard"
#: the request's settings a storyboard keeps, so ``--plan plan.yaml`` renders with the same voice and look
KEPT = ("language", "aspect_ratio", "voice", "tts", "speed", "visuals", "music", "captions", "caption_style")
PLAN_STAGES = ("script", "plan", "narration", "visuals")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoardVisual(_Model):
    """The chosen visual. Only ``path`` is needed in a hand-written one."""

    source: str = "storyboard"
    kind: Literal["clip", "image", "color"] | None = None
    path: Path | None = None
    color: str | None = None
    gradient_to: str | None = None
    title: str | None = None
    detail: str = ""
    score: float | None = None
    ranker: str | None = None
    runner_up: str | None = None
    runner_up_score: float | None = None
    cost_usd: float = 0.0
    chosen_for: str | None = None  # fingerprint of the search terms and prompt it was chosen for


class BoardScene(_Model):
    text: str
    search_terms: list[str] = Field(default_factory=list)
    visual_prompt: str | None = None
    visual_hint: str | None = None
    duration_s: float | None = None
    visual: BoardVisual | None = None
    caption_style: str | CaptionStyle | None = None  # a preset name or a style of its own; None: the request's
    transition: str | None = None  # into this scene; None: the config's


class Storyboard(_Model):
    kind: Literal["reelforge.storyboard"] = KIND
    title: str | None = None
    language: str = "en"
    request: dict[str, Any] = Field(default_factory=dict)  # the settings it was planned with (see KEPT)
    scenes: list[BoardScene] = Field(min_length=1)
    warnings: list[str] = Field(default_factory=list)  # what planning noticed (not read back)


def _wish(search_terms: list[str], visual_prompt: str | None) -> str:
    return fingerprint(search_terms, visual_prompt)[:12]


def _board_visual(visual: SceneVisual, wish: str) -> BoardVisual:
    data = {**visual.model_dump(exclude={"scene", "fallback_reason"}), "chosen_for": wish}
    if visual.path is not None:  # absolute: the plan file may be read from another folder (a job, another shell)
        data["path"] = Path(visual.path).expanduser().resolve()
    return BoardVisual(**data)


def from_state(state: RunState, looks: list[SceneLook] | None = None) -> Storyboard:
    """The plan of a run that has chosen its visuals; ``looks`` (the storyboard it was made from, by scene) keep
    scenes' own caption style and transition."""
    script, cfg = state.need_script(), state.config
    visuals = {v.scene: v for v in state.visuals}
    looks = looks or []
    scenes = []
    for i, scene in enumerate(script.scenes):
        visual = visuals.get(i)
        look = looks[i] if i < len(looks) else SceneLook()
        scenes.append(
            BoardScene(
                text=scene.text,
                search_terms=scene.search_terms,
                visual_prompt=scene.visual_prompt,
                visual_hint=scene.visual_hint,
                duration_s=scene.duration_s,
                visual=_board_visual(visual, _wish(scene.search_terms, scene.visual_prompt)) if visual else None,
                caption_style=look.caption_style or cfg.captions.style,
                transition=(look.transition or cfg.visuals.transition) if i else None,
            )
        )
    kept = state.request.model_dump(include=set(KEPT), exclude_none=True, mode="json")
    kept.setdefault("caption_style", cfg.captions.style)  # what a scene's own style is told apart from
    return Storyboard(title=script.title, language=script.language, request=kept, scenes=scenes)


def write_storyboard(board: Storyboard, path: Path) -> Path:
    data = board.model_dump(mode="json", exclude_none=True)
    for scene in data["scenes"]:
        scene.setdefault("visual", None)  # written out, so it is plain how to ask for another visual
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    return path


def read_storyboard(path: Path | None) -> Storyboard | None:
    """The storyboard in ``path``, or None when the file is something else (a plain script)."""
    if path is None or Path(path).suffix.lower() not in (".yaml", ".yml", ".json"):
        return None
    try:
        data = yaml.safe_load(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        return None
    try:
        board = Storyboard.model_validate(data)
    except ValidationError as exc:
        problems = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
        raise InvalidRequest({f"plan.{k}": v for k, v in problems.items()}) from None
    _check_looks(board)
    return board


def _check_looks(board: Storyboard) -> None:
    """Each scene's transition is one the renderer knows and its caption style a preset (or the request's own,
    checked where the request's is)."""
    problems: dict[str, str] = {}
    own = board.request.get("caption_style")
    for i, scene in enumerate(board.scenes):
        if scene.transition is not None and (problem := transition_problem(scene.transition)) is not None:
            problems[f"plan.scenes.{i}.transition"] = f"scene {i + 1}: {problem}"
        style = scene.caption_style
        if isinstance(style, str) and style not in PRESETS and style != own:
            problems[f"plan.scenes.{i}.caption_style"] = (
                f"scene {i + 1}: unknown caption style {style!r}; choose one of {', '.join(PRESETS)} "
                "or give the style's fields"
            )
    if problems:
        raise InvalidRequest(problems)


def scene_looks(script_path: Path | None) -> list[SceneLook] | None:
    """Per scene, the caption style and transition a storyboard gives it; None when the script is no storyboard
    (blocking: reads the file)."""
    board = read_storyboard(script_path)
    if board is None:
        return None
    own = board.request.get("caption_style")  # a scene that repeats it follows the request (and --caption-style)
    return [
        SceneLook(caption_style=None if s.caption_style == own else s.caption_style, transition=s.transition)
        for s in board.scenes
    ]


def _kind_of(visual: BoardVisual) -> str:
    if visual.kind is not None:
        return visual.kind
    if visual.path is None:
        return "color"
    return "image" if visual.path.suffix.lower() in IMAGE_EXTS else "clip"


def kept_visuals(board: Storyboard | None, base: Path | None = None) -> dict[int, SceneVisual]:
    """The visuals the storyboard fixes, by scene: those with a file that exists (relative paths from the
    storyboard's folder), or a colour scene. Scenes without one are chosen again."""
    if board is None:
        return {}
    kept: dict[int, SceneVisual] = {}
    for i, scene in enumerate(board.scenes):
        v = scene.visual
        if v is None or (v.path is None and v.color is None):
            continue
        if v.chosen_for is not None and v.chosen_for != _wish(scene.search_terms, scene.visual_prompt):
            continue  # its search terms or prompt were edited: chosen again
        path = v.path
        if path is not None:
            path = Path(path).expanduser()
            if not path.is_absolute() and base is not None:
                path = base / path
            if not path.is_file():
                continue
        fields = v.model_dump(exclude={"kind", "path", "chosen_for"})
        kept[i] = RankedVisual(scene=i, kind=_kind_of(v), path=path, **fields)  # type: ignore[arg-type]
    return kept


def storyboard_visuals(script_path: Path | None) -> dict[int, SceneVisual]:
    """What ``kept_visuals`` keeps when the request's script is a storyboard, else nothing (blocking)."""
    board = read_storyboard(script_path)
    return kept_visuals(board, Path(script_path).expanduser().parent if script_path else None)


def remember_visuals(script_path: Path | None, visuals: list[SceneVisual]) -> bool:
    """Write the visuals chosen for a storyboard's open scenes back into its file, so the next render keeps
    them too (nothing is chosen, or paid for, twice). False when the script is no storyboard or nothing was
    open. Blocking."""
    board = read_storyboard(script_path)
    if board is None or script_path is None:
        return False
    path = Path(script_path).expanduser()
    kept = kept_visuals(board, path.parent)
    changed = False
    for visual in visuals:
        if visual.scene in kept or visual.scene >= len(board.scenes):
            continue
        scene = board.scenes[visual.scene]
        scene.visual = _board_visual(visual, _wish(scene.search_terms, scene.visual_prompt))
        changed = True
    if changed:
        write_storyboard(board, path)
    return changed


def request_from_storyboard(path: Path, **overrides: Any) -> ShortRequest:
    """A request that renders the storyboard in ``path`` with the settings it was planned with; ``overrides``
    (not None) win."""
    board = read_storyboard(Path(path))
    if board is None:
        raise InvalidRequest({"plan": f"{path} is not a storyboard (written by `reelforge short --plan-only`)"})
    fields = {**board.request, **{k: v for k, v in overrides.items() if v is not None}}
    return ShortRequest(**{**fields, "script": Path(path), "topic": None, "script_text": None})


async def run_plan(
    request: ShortRequest,
    config: ShortsConfig,
    *,
    data_dir: Path,
    work_dir: Path | None = None,
    generate: GenerateFn | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Storyboard:
    """Run the stages up to the visuals (checkpointed like a full run, in the same run folder) and return the
    storyboard. ``run_short`` on the same request afterwards takes those stages from the checkpoints."""
    from .pipeline import run_stages

    services = (generate, None, on_progress, cancel or CancelToken())
    state, _ = await run_stages(request, config, Path(data_dir), work_dir, services, PLAN_STAGES)
    board = from_state(state, await asyncio.to_thread(scene_looks, request.script))
    board.warnings = list(dict.fromkeys(state.warnings))
    return board


__all__ = [
    "KIND",
    "BoardScene",
    "BoardVisual",
    "Storyboard",
    "from_state",
    "kept_visuals",
    "read_storyboard",
    "remember_visuals",
    "request_from_storyboard",
    "run_plan",
    "scene_looks",
    "storyboard_visuals",
    "write_storyboard",
]
