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


def resolve_style(style: str | CaptionStyle) -> CaptionStyle:
    if isinstance(style, CaptionStyle):
        return style
    try:
        return PRESETS[style]
    except KeyError:
        raise InvalidRequest(
            {
                "captions.style": (
                    f"unknown caption style {style!r}; choose one of {', '.join(PRESETS)} or pass a CaptionStyle"
                )
            }
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


__all__ = [
    "PRESETS",
    "ass_color",
    "ass_style",
    "ass_tag_color",
    "resolve_style",
    "safe_margins",
]
