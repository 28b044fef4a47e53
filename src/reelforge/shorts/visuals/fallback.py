"""The last resort: a styled colour gradient with the scene's key words as big type."""

from __future__ import annotations

from ..models import SceneVisual
from ..plan import title_words
from .base import SceneNeed

PALETTES = [
    ("#0F2027", "#2C5364"),
    ("#1D2B64", "#F8CDDA"),
    ("#232526", "#414345"),
    ("#42275A", "#734B6D"),
    ("#134E5E", "#71B280"),
    ("#3A1C71", "#D76D77"),
    ("#000046", "#1CB5E0"),
    ("#603813", "#B29F94"),
]


def styled_scene(need: SceneNeed, reason: str) -> SceneVisual:
    top, bottom = PALETTES[need.index % len(PALETTES)]
    words = title_words(need.scene.text, need.language) or need.scene.search_terms[:2]
    title = " ".join(w.upper() for w in words) or None
    return SceneVisual(
        scene=need.index,
        source="fallback",
        kind="color",
        color=top,
        gradient_to=bottom,
        title=title,
        detail="colour and typography",
        fallback_reason=reason,
    )


__all__ = ["PALETTES", "styled_scene"]
