"""Which caption style each part of the captions is drawn in.

Every scene may name its own ``caption_style`` (None: the captions' own). Each distinct style in use becomes one
ASS style - the captions' own is ``Caption``, the others ``Caption-<name>`` - and a caption event takes the
style of the scene its first word falls in. Words are cut into runs where the style changes, so no phrase
straddles a scene change between two styles.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .styles import resolve_style
from .timeline import Captions, CaptionStyle, Timeline, Word


@dataclass
class Look:
    """One caption style in use: its ASS style name, the scenes that use it, and (where the text would not read
    over some of them) the boxed variant and the time spans it is drawn in."""

    name: str
    style: CaptionStyle
    scenes: list[int] = field(default_factory=list)
    boxed: CaptionStyle | None = None
    low_spans: list[tuple[float, float]] = field(default_factory=list)

    @property
    def boxed_name(self) -> str:
        return f"{self.name}Boxed"


def _ass_name(style: CaptionStyle, taken: list[Look]) -> str:
    stem = "Caption-" + (re.sub(r"[^0-9A-Za-z_-]+", "", style.name) or "style")
    names = {look.name for look in taken}
    name, n = stem, 1
    while name in names:
        n += 1
        name = f"{stem}-{n}"
    return name


def caption_looks(timeline: Timeline, cap: Captions) -> tuple[list[Look], list[int]]:
    """The distinct caption styles (the captions' own first) and, per scene, the index of the one it uses."""
    looks = [Look("Caption", resolve_style(cap.style))]
    of_scene: list[int] = []
    for i, scene in enumerate(timeline.scenes):
        style = looks[0].style
        if scene.caption_style is not None:
            style = resolve_style(scene.caption_style, f"scenes[{i}].caption_style")
        k = next((j for j, look in enumerate(looks) if look.style == style), None)
        if k is None:
            looks.append(Look(_ass_name(style, looks), style))
            k = len(looks) - 1
        looks[k].scenes.append(i)
        of_scene.append(k)
    return looks, of_scene


def word_scenes(words: list[Word], starts: list[float]) -> list[int]:
    """The scene each word starts in (a word starting on a scene change belongs to the new scene)."""
    return [max(0, bisect.bisect_right(starts, w.start_s + 1e-6) - 1) for w in words]


def runs(look_of_word: list[int]) -> list[tuple[int, int, int]]:
    """``(first, end, look)`` for each run of consecutive words drawn in the same look."""
    out: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(look_of_word) + 1):
        if i == len(look_of_word) or look_of_word[i] != look_of_word[start]:
            out.append((start, i, look_of_word[start]))
            start = i
    return out


__all__ = ["Look", "caption_looks", "runs", "word_scenes"]
