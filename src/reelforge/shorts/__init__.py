"""The short-video studio: topic or script -> narration -> word-timed captions -> visuals -> music -> MP4.

The run is a list of stages (``shorts.stages.STAGES``) over one typed state (``shorts.state.RunState``), each a
checkpoint in the run folder. Names are imported lazily: ``reelforge`` imports ``shorts.config`` (which
registers the ``shorts:`` config block) and must not pull in TTS and rendering with it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ShortRequest", "ShortResult", "ShortsConfig", "amake_short", "make_short"]


def __getattr__(name: str) -> Any:
    if name in ("make_short", "amake_short"):
        from . import api

        return getattr(api, name)
    if name in ("ShortRequest", "ShortResult"):
        from . import request

        return getattr(request, name)
    if name == "ShortsConfig":
        from .config import ShortsConfig

        return ShortsConfig
    raise AttributeError(name)
