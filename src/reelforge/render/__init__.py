"""The renderer: a typed timeline of scenes, captions and music rendered by one ffmpeg filtergraph.

Public interface (stable)::

    from reelforge.render import (Timeline, OutputSpec, Scene, Transition, ClipVisual, ImageVisual,
                                  ColorVisual, GeneratedVisual, Music, Captions, CaptionStyle, Word,
                                  RenderResult, SidecarExtra, render_timeline, render_timeline_sync, PRESETS)

    async def render_timeline(timeline: Timeline, out_path: str | Path, *,
                              on_progress: ProgressCallback | None = None,   # (fraction, message)
                              cancel: CancelToken | None = None,
                              generate: Callable[[VideoRequest], Awaitable[Path]] | None = None,
                              sidecar_extra: Callable[[RenderResult], Mapping[str, Any]] | None = None,
                              ) -> RenderResult
    def render_timeline_sync(timeline, out_path, **same_keywords) -> RenderResult

Timing: scene ``i`` starts at the sum of the earlier durations; a transition into a scene runs
from its start for ``transition.duration_s`` over the still-playing previous scene, so the total
length is ``sum(scene.duration_s)`` whatever the transitions. ``GeneratedVisual`` scenes are
resolved first through the injected ``generate`` callable (nothing here imports the generation API).

The sidecar (the output path with ``.json``) is written once, atomically, after the file is measured: the
``result``, the ``timeline``, the ``ffmpeg_args``, and the caller's own sections from ``sidecar_extra(result)``
(the studio adds ``short``, ``script`` and ``request``).
"""

from .render import render_timeline, render_timeline_sync
from .result import RenderResult
from .sidecar import SidecarExtra
from .styles import PRESETS
from .timeline import (
    Captions,
    CaptionStyle,
    ClipVisual,
    ColorVisual,
    GeneratedVisual,
    ImageVisual,
    Music,
    OutputSpec,
    Scene,
    Timeline,
    Transition,
    Word,
)

__all__ = [
    "PRESETS",
    "CaptionStyle",
    "Captions",
    "ClipVisual",
    "ColorVisual",
    "GeneratedVisual",
    "ImageVisual",
    "Music",
    "OutputSpec",
    "RenderResult",
    "Scene",
    "SidecarExtra",
    "Timeline",
    "Transition",
    "Word",
    "render_timeline",
    "render_timeline_sync",
]
