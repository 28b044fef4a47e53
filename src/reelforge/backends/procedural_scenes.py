"""What the procedural backend draws, chosen from the prompt and the seed (pure functions, no I/O).

The same (prompt, seed) always gives the same ``Scene``: a palette (colour words in the prompt first,
then colours derived from a hash), a gradient style, a motion style (words such as "rain", "rise" or
"orbit" pick it), a few moving shapes, and the prompt's key words for kinetic typography. For
image-to-video, ``ken_burns`` picks a zoom and pan direction from the seed.
"""

from __future__ import annotations

import colorsys
import hashlib
import random
import unicodedata
from dataclasses import dataclass

from .procedural_words import COLOUR_WORDS, GRADIENT_WORDS, MOTION_WORDS, RGB, SCENE_PALETTES, STOP_WORDS

SHAPES = ("disc", "ring", "diamond", "glow", "square")


@dataclass(frozen=True)
class Shape:
    kind: str  # disc | ring | diamond | glow | square | streak
    colour: RGB
    opacity: float
    size: float  # fraction of the frame's short side
    path: str  # drift | fall | rise | orbit
    params: tuple[float, ...]  # path parameters in [0, 1), interpreted by the graph builder


@dataclass(frozen=True)
class Scene:
    palette: tuple[RGB, ...]
    gradient: str  # linear | radial | circular | spiral | square
    spin: float  # gradient rotation, radians per second
    motion: str
    shapes: tuple[Shape, ...]
    words: tuple[str, ...]
    text_colour: RGB
    entries: tuple[str, ...]  # per word: left | right | up | down
    geometry: tuple[float, float, float]  # gradient angle and centre offsets, each in [0, 1)


@dataclass(frozen=True)
class KenBurns:
    zoom_from: float
    zoom_to: float
    x_from: float  # pan position as a fraction of the free margin (0 left, 1 right)
    x_to: float
    y_from: float
    y_to: float
    name: str


def rng_for(prompt: str, seed: int) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def tokens(text: str) -> list[str]:
    """Split on everything that is not a letter, mark or digit (works for any script)."""
    out: list[str] = []
    cur: list[str] = []
    for ch in text:
        if unicodedata.category(ch)[0] in "LMN":
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def clip_word(word: str, limit: int) -> str:
    """``word`` cut to about ``limit`` characters, never inside a cluster (a mark or a virama's conjunct)."""
    n = min(limit, len(word))
    while n < len(word) and (
        unicodedata.category(word[n])[0] == "M"
        or unicodedata.combining(word[n - 1]) == 9  # after a virama the next consonant joins the cluster
        or word[n] in "\u200c\u200d"
    ):
        n += 1
    return word[:n]


def key_words(prompt: str, limit: int = 4) -> list[str]:
    """Up to ``limit`` key words: stop words and repeats removed, the longest kept, in prompt order."""
    seen: set[str] = set()
    words: list[str] = []
    for tok in tokens(prompt):
        low = tok.casefold()
        if low in STOP_WORDS or low in seen or (len(tok) < 2 and tok.isascii()) or tok.isdigit():
            continue
        seen.add(low)
        words.append(clip_word(tok, 18))
    keep = sorted(range(len(words)), key=lambda i: (-len(words[i]), i))[:limit]
    return [words[i] for i in sorted(keep)]


def word_count_for(duration_s: float) -> int:
    return min(4, max(2, int(duration_s // 1.25) + 1))


def _shade(c: RGB, factor: float) -> RGB:
    if factor < 1:
        return (int(c[0] * factor), int(c[1] * factor), int(c[2] * factor))
    t = min(1.0, factor - 1)
    return (int(c[0] + (255 - c[0]) * t), int(c[1] + (255 - c[1]) * t), int(c[2] + (255 - c[2]) * t))


def palette_for(prompt: str, rng: random.Random) -> tuple[RGB, ...]:
    low = [t.casefold() for t in tokens(prompt)]
    named: list[RGB] = []
    for word in low:
        for name in (COLOUR_WORDS.get(word) and (word,)) or SCENE_PALETTES.get(word, ()):
            colour = COLOUR_WORDS[name]
            if colour not in named:
                named.append(colour)
    if named:
        palette = named[:4]
        i = 0
        while len(palette) < 3:
            palette.append(_shade(palette[i % len(named)], (0.45, 1.5)[i % 2]))
            i += 1
    else:
        hue = rng.random()
        offsets = rng.choice(((0.0, 0.08, -0.08), (0.0, 0.5, 0.06), (0.0, 1 / 3, 2 / 3), (0.0, 0.12, 0.55)))
        palette = []
        for off in offsets:
            r, g, b = colorsys.hsv_to_rgb((hue + off) % 1.0, rng.uniform(0.5, 0.85), rng.uniform(0.35, 0.95))
            palette.append((int(r * 255), int(g * 255), int(b * 255)))
    if any(w in ("night", "dark", "midnight", "noir", "shadow", "shadows") for w in low):
        palette = [_shade(c, 0.55) for c in palette]
    return tuple(palette)


def luminance(c: RGB) -> float:
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255


def choose_scene(prompt: str, seed: int, duration_s: float, words: int | None = None) -> Scene:
    """The scene for ``prompt`` and ``seed``: everything the graph builder needs, decided once."""
    rng = rng_for(prompt, seed)
    palette = palette_for(prompt, rng)
    low = [t.casefold() for t in tokens(prompt)]
    motion = next((MOTION_WORDS[w] for w in low if w in MOTION_WORDS), rng.choice(("drift", "drift", "orbit")))
    gradient = next(
        (GRADIENT_WORDS[w] for w in low if w in GRADIENT_WORDS),
        rng.choice(("linear", "linear", "radial", "square", "circular")),
    )
    if motion == "orbit" and gradient == "linear":
        gradient = "circular"
    shapes: list[Shape] = []
    count = 8 if motion == "fall" and "rain" in " ".join(low) else rng.randint(3, 5)
    for _ in range(count):
        base = rng.choice(palette)
        colour = _shade(base, 1.55) if luminance(base) < 0.55 else _shade(base, 0.5)
        kind = "streak" if count == 8 else rng.choice(SHAPES)
        size = rng.uniform(0.1, 0.18) if kind == "streak" else rng.uniform(0.1, 0.3)
        shapes.append(
            Shape(
                kind,
                colour,
                round(rng.uniform(0.3, 0.6), 3),
                round(size, 4),
                motion,
                tuple(round(rng.random(), 4) for _ in range(6)),
            )
        )
    avg = sum(luminance(c) for c in palette) / len(palette)
    text_colour: RGB = (250, 250, 250) if avg < 0.62 else (24, 24, 28)
    chosen = key_words(prompt, words if words is not None else word_count_for(duration_s))
    entries = tuple(rng.choice(("left", "right", "up", "down")) for _ in chosen)
    return Scene(
        palette=palette,
        gradient=gradient,
        spin=round(rng.uniform(0.06, 0.14), 3),
        motion=motion,
        shapes=tuple(shapes),
        words=tuple(chosen),
        text_colour=text_colour,
        entries=entries,
        geometry=(round(rng.random(), 4), round(rng.random(), 4), round(rng.random(), 4)),
    )


def ken_burns(seed: int) -> KenBurns:
    """Zoom and pan for image-to-video, chosen by the seed."""
    rng = random.Random(hashlib.sha256(f"kenburns\x00{seed}".encode()).digest())
    name = rng.choice(("zoom-in", "zoom-out", "pan-left", "pan-right", "pan-up", "pan-down"))
    zoom = round(rng.uniform(1.15, 1.3), 3)
    cx, cy = round(rng.uniform(0.3, 0.7), 3), round(rng.uniform(0.3, 0.7), 3)
    if name == "zoom-in":
        return KenBurns(1.0, zoom, 0.5, cx, 0.5, cy, name)
    if name == "zoom-out":
        return KenBurns(zoom, 1.0, cx, 0.5, cy, 0.5, name)
    pan = 1.15
    if name in ("pan-left", "pan-right"):
        a, b = (1.0, 0.0) if name == "pan-left" else (0.0, 1.0)
        return KenBurns(pan, pan + 0.05, a, b, cy, cy, name)
    a, b = (1.0, 0.0) if name == "pan-up" else (0.0, 1.0)
    return KenBurns(pan, pan + 0.05, cx, cx, a, b, name)


__all__ = [
    "SHAPES",
    "KenBurns",
    "Scene",
    "Shape",
    "choose_scene",
    "clip_word",
    "ken_burns",
    "key_words",
    "luminance",
    "palette_for",
    "rng_for",
    "tokens",
    "word_count_for",
]
