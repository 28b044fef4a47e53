"""Caption style presets and the safe margins per aspect ratio."""

from __future__ import annotations

import pysubs2

from ..errors import InvalidRequest
from .timeline import CaptionStyle

PRESETS: dict[str, CaptionStyle] = {
    # white, heavy black outline, spoken word in yellow: the classic short-form look
    "bold": CaptionStyle(name="bold", size=68, primary_color="#FFFFFF", highlight_color="#FFE000", outline=5, shadow=0),
    # yellow text, white highlight, upper case
    "yellow": CaptionStyle(
        name="yellow", size=70, uppercase=True, primary_color="#FFE000", highlight_color="#FFFFFF", outline=5, shadow=2
    ),
    # white on a translucent black box, green highlight
    "boxed": CaptionStyle(
        name="boxed",
        size=60,
        primary_color="#FFFFFF",
        highlight_color="#39E75F",
        box=True,
        box_color="#000000B4",
        outline=10,
        shadow=0,
    ),
    # regular weight, small, soft shadow, light-blue highlight, no pop
    "minimal": CaptionStyle(
        name="minimal",
        size=52,
        bold=False,
        primary_color="#FFFFFF",
        highlight_color="#8FD3FF",
        outline=1.5,
        shadow=2,
        pop=False,
    ),
    # heavy outline with a magenta highlight
    "neon": CaptionStyle(
        name="neon",
        size=68,
        uppercase=True,
        primary_color="#FFFFFF",
        highlight_color="#FF3CAC",
        outline_color="#1A0033",
        outline=6,
        shadow=3,
    ),
}

# (left/right fraction of width, top fraction of height, bottom fraction of height): outside the
# areas the platforms cover with their own buttons and text.
_SAFE = {"portrait": (0.08, 0.12, 0.20), "landscape": (0.06, 0.07, 0.09), "square": (0.07, 0.08, 0.12)}


def resolve_style(style: str | CaptionStyle, where: str = "captions.style") -> CaptionStyle:
    """A preset by name, or the style itself; ``where`` names the field in the error for an unknown name."""
    if isinstance(style, CaptionStyle):
        return style
    try:
        return PRESETS[style]
    except KeyError:
        raise InvalidRequest(
            {where: f"unknown caption style {style!r}; choose one of {', '.join(PRESETS)} or pass a CaptionStyle"}
        ) from None


def safe_margins(width: int, height: int) -> tuple[int, int, int]:
    """(left/right, top, bottom) margins in pixels."""
    kind = "portrait" if height > width * 1.1 else "landscape" if width > height * 1.1 else "square"
    lr, top, bottom = _SAFE[kind]
    return round(lr * width), round(top * height), round(bottom * height)


def ass_color(hex_rgba: str) -> pysubs2.Color:
    s = hex_rgba.lstrip("#")
    r, g, b = int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    opacity = int(s[6:8], 16) if len(s) == 8 else 255
    return pysubs2.Color(r, g, b, 255 - opacity)


def ass_tag_color(hex_rgba: str) -> str:
    """``&HBBGGRR&`` for ``\\1c`` override tags."""
    s = hex_rgba.lstrip("#")
    return f"&H{s[4:6]}{s[2:4]}{s[0:2]}&".upper()


def ass_style(
    style: CaptionStyle, family: str, scale: float, alignment: int, margins: tuple[int, int, int], rtl: bool = False
) -> pysubs2.SSAStyle:
    lr, _, margin_v = margins
    outline_color = style.box_color if style.box else style.outline_color
    return pysubs2.SSAStyle(
        fontname=family,
        fontsize=round(style.size * scale),
        primarycolor=ass_color(style.primary_color),
        secondarycolor=ass_color(style.highlight_color),
        outlinecolor=ass_color(outline_color),
        backcolor=ass_color(style.box_color if style.box else "#00000080"),
        bold=style.bold,
        borderstyle=3 if style.box else 1,
        outline=round(style.outline * scale, 1),
        shadow=round(style.shadow * scale, 1),
        alignment=pysubs2.Alignment(alignment),
        marginl=lr,
        marginr=lr,
        marginv=margin_v,
        encoding=-1 if rtl else 1,
    )


# -- contrast (WCAG 2.x) -------------------------------------------------------------------------------
MIN_CONTRAST = 4.5  # WCAG AA for normal text
_BOX_ALPHAS = (0xB0, 0xD8, 0xFF)  # box opacities tried in turn until the text reads


def rgb_of(hex_rgba: str) -> tuple[int, int, int]:
    s = hex_rgba.lstrip("#")
    return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""

    def lin(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances (1 to 21)."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def _behind(style: CaptionStyle, bg: tuple[float, float, float], alpha: int | None) -> float:
    """Luminance behind the text: the background, seen through the box where there is one."""
    if alpha is None:
        return relative_luminance(bg)
    box = rgb_of(style.box_color)
    a = alpha / 255
    return relative_luminance(tuple(a * c + (1 - a) * d for c, d in zip(box, bg, strict=True)))  # type: ignore[arg-type]


def text_contrast(style: CaptionStyle, bg: tuple[float, float, float], alpha: int | None = None) -> float:
    """The lower contrast of the text colour and the highlight colour over ``bg`` (through a box of ``alpha``)."""
    behind = _behind(style, bg, alpha)
    return min(
        contrast_ratio(relative_luminance(rgb_of(c)), behind) for c in (style.primary_color, style.highlight_color)
    )


def readable_style(style: CaptionStyle, backgrounds: list[tuple[float, float, float]]) -> tuple[CaptionStyle, float]:
    """``style`` with a box (more opaque where needed) so the text reads at 4.5:1 over every one of
    ``backgrounds``; and the lowest contrast it reaches."""
    if not backgrounds:
        return style, 21.0
    current = int(style.box_color.lstrip("#")[6:8] or "FF", 16) if style.box else None
    alphas = [a for a in _BOX_ALPHAS if current is None or a > current]
    worst = min(text_contrast(style, bg, current) for bg in backgrounds)
    if worst >= MIN_CONTRAST:
        return style, worst
    box = style.box_color.lstrip("#")[:6]
    for alpha in alphas:
        worst = min(text_contrast(style, bg, alpha) for bg in backgrounds)
        if worst >= MIN_CONTRAST or alpha == alphas[-1]:
            break
    boxed = style.model_copy(update={"box": True, "box_color": f"#{box}{alpha:02X}", "outline": max(style.outline, 8)})
    return boxed, worst


__all__ = [
    "MIN_CONTRAST",
    "PRESETS",
    "ass_color",
    "ass_style",
    "ass_tag_color",
    "contrast_ratio",
    "readable_style",
    "relative_luminance",
    "resolve_style",
    "rgb_of",
    "safe_margins",
    "text_contrast",
]
