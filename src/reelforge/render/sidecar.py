"""The sidecar: one JSON file beside the MP4, written once (atomically) when the render is measured.

It holds the measured ``result``, the ``timeline`` and the ``ffmpeg_args`` of the run, plus whatever sections
the caller adds through ``sidecar_extra`` (the studio adds ``short``: title, description, tags, chapters,
script, voice, the source of every scene's visual). The caller's sections are built from the measured result,
so nobody has to read the file back and rewrite it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..media import atomic_write_text
from .result import RenderResult
from .timeline import Timeline

#: builds the caller's sections of the sidecar from the measured result
SidecarExtra = Callable[[RenderResult], Mapping[str, Any]]
#: the renderer's own sections; a caller's section of the same name is not written
RESERVED = ("result", "timeline", "ffmpeg_args")
MAX_ARG_CHARS = 2000


def sidecar_document(
    result: RenderResult, timeline: Timeline, argv: list[str], extra: SidecarExtra | None = None
) -> dict[str, Any]:
    """The sidecar's content: the renderer's sections first, then the caller's."""
    try:
        tl: Any = timeline.model_dump(mode="json")
    except Exception:  # e.g. raw bytes inside a generated visual's request
        tl = {"scenes": len(timeline.scenes), "duration_s": timeline.duration_s}
    doc: dict[str, Any] = {
        "result": result.model_dump(mode="json"),
        "timeline": tl,
        "ffmpeg_args": [a if len(a) < MAX_ARG_CHARS else a[:MAX_ARG_CHARS] + "…" for a in argv],
    }
    if extra is not None:
        doc.update({k: v for k, v in extra(result).items() if k not in RESERVED})
    return doc


async def write_sidecar(
    path: Path, result: RenderResult, timeline: Timeline, argv: list[str], extra: SidecarExtra | None = None
) -> Path:
    """Write the sidecar to ``path`` in one atomic step (a temporary file renamed into place)."""
    text = json.dumps(sidecar_document(result, timeline, argv, extra), indent=2, ensure_ascii=False, default=str)
    return await asyncio.to_thread(atomic_write_text, path, text)


__all__ = ["RESERVED", "SidecarExtra", "sidecar_document", "write_sidecar"]
