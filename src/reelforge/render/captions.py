"""Captions: word timings → phrases → an ASS file (burned by libass) plus SRT and WebVTT sidecars."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pysubs2

from ..media.filters import ass_text
from ..media.fonts import FontPlan, plan_fonts
from .backdrop import scene_backdrops
from .caption_looks import Look, caption_looks, runs, word_scenes
from .styles import MIN_CONTRAST, ass_style, ass_tag_color, readable_style, resolve_style, safe_margins, text_contrast
from .timeline import Captions, CaptionStyle, Timeline, Word

_SENTENCE_END = (".", "!", "?", "。", "！", "？", "…", "۔", "।", "؟")
_PAUSE_S = 0.7
_HOLD_S = 0.4
_ALIGN = {"bottom": 2, "middle": 5, "top": 8}


@dataclass
class CaptionFiles:
    ass: Path | None = None
    srt: Path | None = None
    vtt: Path | None = None
    fonts: list[FontPlan] = field(default_factory=list)
    font: str | None = None
    warnings: list[str] = field(default_factory=list)


def _no_space(text: str) -> bool:
    """CJK ideographs and kana are written without spaces between words."""
    return any(unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA")) for c in text)


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def join_words(texts: list[str]) -> str:
    out = ""
    for i, t in enumerate(texts):
        if i and not (_no_space(texts[i - 1]) and _no_space(t)):
            out += " "
        out += t
    return out


def phrases(words: list[Word], max_chars: int, max_lines: int) -> list[list[list[int]]]:
    """Group word indices into phrases of at most ``max_lines`` lines of ``max_chars`` characters."""
    out: list[list[list[int]]] = []
    lines: list[list[int]] = []
    line: list[int] = []
    for i, w in enumerate(words):
        prev = words[i - 1] if i else None
        breaks = prev is not None and (prev.text.rstrip().endswith(_SENTENCE_END) or w.start_s - prev.end_s > _PAUSE_S)
        if breaks and (line or lines):
            out.append([*lines, line] if line else lines)
            lines, line = [], []
        candidate = join_words([words[j].text for j in [*line, i]])
        if line and len(candidate) > max_chars:
            lines.append(line)
            line = []
            if len(lines) >= max_lines:
                out.append(lines)
                lines = []
        line.append(i)
    if line or lines:
        out.append([*lines, line] if line else lines)
    return [p for p in out if p]


def _runs(text: str, plan: FontPlan) -> str:
    """Escape ``text`` and switch fonts (``\\fn``) where the primary face lacks a glyph."""
    out, current = [], plan.primary
    for ch in text:
        if ch in plan.dropped:
            continue
        if not (ch.isspace() or unicodedata.category(ch).startswith(("M", "C"))):
            f = plan.face_for(ch)
            if f != current:
                out.append(f"{{\\fn{f.family}}}")
                current = f
        out.append(ass_text(ch))
    return "".join(out)


def _ms(s: float) -> int:
    return round(s * 1000)


def _events(
    words: list[Word], cap: Captions, style: CaptionStyle, plan: FontPlan, name: str, until: float | None
) -> list[pysubs2.SSAEvent]:
    """Events in ASS style ``name`` for ``words`` (non-empty, one run of the same style); the last ends by
    ``until``, where the next run starts."""
    if style.uppercase:
        words = [w.model_copy(update={"text": w.text.upper()}) for w in words]
    hi, base = ass_tag_color(style.highlight_color), ass_tag_color(style.primary_color)
    if cap.mode == "word":
        groups = phrases(words, max(6, cap.max_chars_per_line // 2), 1)
        pop = "{\\fscx75\\fscy75\\t(0,90,\\fscx100\\fscy100)}" if style.pop else ""
    else:
        groups = phrases(words, cap.max_chars_per_line, cap.max_lines)
        pop = ""
    events = []
    for g, ph in enumerate(groups):
        idx = [j for line in ph for j in line]
        nxt = words[next(j for line in groups[g + 1] for j in line)].start_s if g + 1 < len(groups) else until
        end = words[idx[-1]].end_s + _HOLD_S
        end = max(words[idx[-1]].end_s, min(end, nxt) if nxt is not None else end)
        if cap.mode == "word" and nxt is not None:
            end = max(words[idx[-1]].end_s, min(nxt, end))

        def render(active: int | None, ph: list[list[int]] = ph) -> str:
            lines = []
            for line in ph:
                parts = []
                for j in line:
                    t = _runs(words[j].text, plan)
                    parts.append(f"{{\\1c{hi}}}{t}{{\\1c{base}}}" if j == active else t)
                lines.append(_join_runs(parts, [words[j].text for j in line]))
            return "\\N".join(lines)

        if cap.mode == "karaoke":
            for k, j in enumerate(idx):
                s = words[idx[0]].start_s if k == 0 else words[j].start_s
                e = words[idx[k + 1]].start_s if k + 1 < len(idx) else end
                if e > s:
                    events.append(pysubs2.SSAEvent(start=_ms(s), end=_ms(e), style=name, text=render(j)))
        else:
            events.append(
                pysubs2.SSAEvent(start=_ms(words[idx[0]].start_s), end=_ms(end), style=name, text=pop + render(None))
            )
    return events


def _join_runs(parts: list[str], raw: list[str]) -> str:
    out = ""
    for i, p in enumerate(parts):
        if i and not (_no_space(raw[i - 1]) and _no_space(raw[i])):
            out += " "
        out += p
    return out


def _titles(timeline: Timeline, plan: FontPlan | None) -> list[pysubs2.SSAEvent]:
    events = []
    for start, scene in zip(timeline.scene_starts(), timeline.scenes, strict=True):
        v = scene.visual
        if v.kind == "color" and v.title and plan is not None:
            text = f"{{\\fad(250,250)\\1c{ass_tag_color(v.title_color)}}}" + _runs(v.title, plan)
            events.append(
                pysubs2.SSAEvent(start=_ms(start), end=_ms(start + scene.duration_s), style="Title", text=text)
            )
    return events


def write_captions(timeline: Timeline, folder: Path, out_stem: Path | None) -> CaptionFiles:
    """Write the ASS file libass burns (captions + colour-scene titles) and the SRT/VTT sidecars."""
    w, h = timeline.output.size
    cap = timeline.captions
    titles = [s.visual.title for s in timeline.scenes if s.visual.kind == "color" and s.visual.title]
    burn = cap is not None and cap.mode != "none" and any(x.text.strip() for x in cap.words)
    res = CaptionFiles()
    if not burn and not titles:
        return res
    scale = min(w, h) / 1080
    subs = pysubs2.SSAFile()
    subs.info.update(
        {
            "PlayResX": str(w),
            "PlayResY": str(h),
            "WrapStyle": "0",
            "ScaledBorderAndShadow": "yes",
            "YCbCr Matrix": "TV.709",
        }
    )
    lr, top, _ = safe_margins(w, h)
    style = resolve_style(cap.style) if cap is not None else resolve_style("bold")
    family = (cap.font if cap is not None else None) or style.font
    if burn and cap is not None:
        _add_captions(subs, res, timeline, cap, scale)
    if titles:
        tplan, warn = plan_fonts(titles, family, True, what="title")
        res.warnings += warn
        res.fonts.append(tplan)
        res.font = res.font or tplan.description
        tstyle = style.model_copy(update={"size": 110, "box": False, "outline": 3, "shadow": 4})
        subs.styles["Title"] = ass_style(
            tstyle, tplan.primary.family, scale, 5, (lr, top, 0), rtl=_rtl("".join(titles))
        )
        subs.events += _titles(timeline, tplan)
    subs.events.sort(key=lambda e: e.start)
    folder.mkdir(parents=True, exist_ok=True)
    res.ass = folder / "captions.ass"
    subs.save(str(res.ass), format_="ass")
    if burn and cap is not None and cap.write_sidecars and out_stem is not None:
        res.srt, res.vtt = _sidecars(cap, folder)
    return res


def _add_captions(subs: pysubs2.SSAFile, res: CaptionFiles, timeline: Timeline, cap: Captions, scale: float) -> None:
    """One ASS style per caption style in use (the captions' own is ``Caption``), each event in the style of the
    scene its first word falls in; where a style would not read over a scene, a boxed variant of it there."""
    lr, top, bottom = safe_margins(*timeline.output.size)
    margin_v = (
        round(cap.margin_v * scale)
        if cap.margin_v is not None
        else ({"bottom": bottom, "top": top, "middle": 0}[cap.position])
    )
    margins = (lr, top, margin_v)
    words = [w for w in cap.words if w.text.strip()]
    looks, of_scene = caption_looks(timeline, cap)
    warnings = _readable(timeline, cap, looks, of_scene, (top, margin_v))
    spans = runs([of_scene[i] for i in word_scenes(words, timeline.scene_starts())])
    for k, look in enumerate(looks):
        mine = [(a, b) for a, b, used in spans if used == k]
        if not mine:
            continue
        style = look.style
        texts = [w.text.upper() if style.uppercase else w.text for a, b in mine for w in words[a:b]]
        plan, warn = plan_fonts(texts, cap.font or style.font, style.bold, what="captions")
        res.warnings += [m for m in warn if m not in res.warnings]
        res.fonts.append(plan)
        res.font = res.font or plan.description
        rtl, align = _rtl("".join(texts)), _ALIGN[cap.position]
        subs.styles[look.name] = ass_style(style, plan.primary.family, scale, align, margins, rtl=rtl)
        if look.boxed is not None:
            subs.styles[look.boxed_name] = ass_style(look.boxed, plan.primary.family, scale, align, margins, rtl=rtl)
        for a, b in mine:
            until = words[b].start_s if b < len(words) else None
            for e in _events(words[a:b], cap, style, plan, look.name, until):
                if any(e.start < _ms(y) and e.end > _ms(x) for x, y in look.low_spans):
                    e.style = look.boxed_name
                subs.events.append(e)
    res.warnings += warnings


def _readable(
    timeline: Timeline, cap: Captions, looks: list[Look], of_scene: list[int], margins: tuple[int, int]
) -> list[str]:
    """Measure each scene's captions' contrast (in that scene's style) over what is behind them; where it is
    under 4.5:1, give that style a boxed variant over those scenes, and warn per scene."""
    w, h = timeline.output.size
    top, margin_v = margins
    rows = {
        "bottom": (h - margin_v - 0.16 * h, h - margin_v),
        "top": (top, top + 0.16 * h),
        "middle": (0.42 * h, 0.58 * h),
    }[cap.position]
    band = (max(0.0, rows[0] / h), min(1.0, rows[1] / h))
    low: dict[int, list[tuple[float, float, float]]] = {}
    notes: list[tuple[int, str]] = []
    for i, (start, scene) in enumerate(zip(timeline.scene_starts(), timeline.scenes, strict=True)):
        look = looks[of_scene[i]]
        colours = scene_backdrops(scene.visual, (w, h), band, scene.duration_s)
        worst = min((text_contrast(look.style, c) for c in colours), default=21.0)
        if worst < MIN_CONTRAST:
            low.setdefault(of_scene[i], []).extend(colours)
            look.low_spans.append((start, start + scene.duration_s))
            notes.append((of_scene[i], f"captions: contrast {worst:.1f}:1 over scene {i + 1}"))
    reached: dict[int, float] = {}
    for k, colours in low.items():
        looks[k].boxed, reached[k] = readable_style(looks[k].style, colours)
    return [f"{m}; drawn on a box ({reached[k]:.1f}:1)" for k, m in notes]


def _sidecars(cap: Captions, folder: Path) -> tuple[Path, Path]:
    words = [w for w in cap.words if w.text.strip()]
    subs = pysubs2.SSAFile()
    for ph in phrases(words, 42, 2):
        idx = [j for line in ph for j in line]
        text = "\\N".join(join_words([ass_text(words[j].text) for j in line]) for line in ph)
        subs.events.append(pysubs2.SSAEvent(start=_ms(words[idx[0]].start_s), end=_ms(words[idx[-1]].end_s), text=text))
    srt, vtt = folder / "captions.srt", folder / "captions.vtt"
    subs.save(str(srt), format_="srt")
    subs.save(str(vtt), format_="vtt")
    return srt, vtt


__all__ = ["CaptionFiles", "join_words", "phrases", "write_captions"]
