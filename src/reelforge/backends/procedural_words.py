"""Words the procedural backend reacts to: stop words, colour and scene names, motion and light words."""

from __future__ import annotations

RGB = tuple[int, int, int]


def _words(text: str) -> list[str]:
    return text.split()


STOP_WORDS = frozenset(
    _words("""
a an the and or but nor so yet of in on at to for from by with without into onto over under above below
up down out off about as than then there here this that these those it its it's is are was were be been being
am do does did doing have has had having i me my we our you your he him his she her they them their what which
who whom whose when where why how all any both each few more most other some such no not only own same too very
can will just should would could may might must shall s t don now very one two three make show shows showing
video clip scene shot footage image picture style cinematic realistic 4k hd high quality ultra detailed slowly
gently while through across around near far like onto upon within
""")
)

COLOUR_WORDS: dict[str, RGB] = {
    "red": (214, 40, 40),
    "crimson": (170, 20, 50),
    "scarlet": (230, 36, 20),
    "orange": (245, 130, 30),
    "amber": (255, 176, 0),
    "yellow": (245, 210, 40),
    "gold": (212, 170, 50),
    "golden": (222, 178, 60),
    "green": (40, 160, 70),
    "emerald": (20, 140, 90),
    "lime": (160, 220, 50),
    "olive": (110, 120, 40),
    "teal": (0, 128, 128),
    "turquoise": (50, 200, 190),
    "cyan": (40, 210, 230),
    "aqua": (60, 220, 220),
    "blue": (40, 90, 210),
    "navy": (20, 30, 90),
    "azure": (60, 140, 240),
    "indigo": (75, 40, 130),
    "purple": (130, 50, 170),
    "violet": (150, 80, 210),
    "lavender": (180, 160, 230),
    "magenta": (220, 40, 160),
    "pink": (240, 130, 170),
    "rose": (230, 90, 120),
    "coral": (250, 120, 90),
    "peach": (250, 190, 150),
    "brown": (120, 75, 40),
    "tan": (200, 170, 120),
    "beige": (225, 210, 180),
    "white": (240, 240, 236),
    "silver": (190, 195, 205),
    "grey": (128, 128, 132),
    "gray": (128, 128, 132),
    "black": (18, 18, 22),
    "sand": (220, 195, 140),
    "ivory": (250, 245, 225),
    "ruby": (180, 15, 50),
    "sapphire": (15, 80, 180),
}
SCENE_PALETTES: dict[str, tuple[str, ...]] = {
    "sunset": ("orange", "pink", "purple"),
    "sunrise": ("peach", "gold", "azure"),
    "ocean": ("navy", "teal", "turquoise"),
    "sea": ("navy", "blue", "aqua"),
    "forest": ("emerald", "olive", "tan"),
    "night": ("navy", "indigo", "black"),
    "fire": ("red", "orange", "amber"),
    "snow": ("white", "silver", "azure"),
    "winter": ("white", "azure", "silver"),
    "desert": ("sand", "orange", "brown"),
    "neon": ("magenta", "cyan", "indigo"),
    "rain": ("grey", "blue", "navy"),
    "rainy": ("grey", "blue", "navy"),
    "space": ("black", "indigo", "violet"),
    "autumn": ("orange", "brown", "gold"),
    "spring": ("lime", "pink", "ivory"),
    "storm": ("gray", "navy", "silver"),
}
MOTION_WORDS: dict[str, str] = {
    **dict.fromkeys(_words("rain rainy falling fall falls snow snowing drop drops drip waterfall"), "fall"),
    **dict.fromkeys(_words("rise rising rises fly flying float floating bubble bubbles balloon launch"), "rise"),
    **dict.fromkeys(_words("orbit orbiting spin spinning swirl swirling vortex planet planets galaxy whirl"), "orbit"),
}
GRADIENT_WORDS: dict[str, str] = {
    **dict.fromkeys(_words("swirl swirling vortex galaxy spiral whirlpool"), "spiral"),
    **dict.fromkeys(_words("sun sunny light glow glowing lamp star radiant"), "radial"),
}


__all__ = [
    "COLOUR_WORDS",
    "GRADIENT_WORDS",
    "MOTION_WORDS",
    "RGB",
    "SCENE_PALETTES",
    "STOP_WORDS",
]
