"""Caption contrast is measured against what is behind it; under WCAG's 4.5:1 the captions get a box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from reelforge.render import Captions, ColorVisual, ImageVisual, OutputSpec, Scene, Timeline, Word, render_timeline
from reelforge.render.captions import write_captions
from reelforge.render.styles import PRESETS, contrast_ratio, readable_style, relative_luminance, text_contrast

from .render_probes import frames_at

OUT = OutputSpec(width=180, height=320, fps=10, quality="draft")


def _light_illustration(path: Path) -> Path:
    img = Image.new("RGB", (540, 960), (236, 240, 228))
    d = ImageDraw.Draw(img)
    for i in range(12):
        d.ellipse((40 * i, 500 + 20 * (i % 3), 40 * i + 120, 620 + 20 * (i % 3)), fill=(250, 232, 200))
    img.save(path)
    return path


def _words() -> list[Word]:
    texts = ["SUN", "ON", "SAND", "THEN", "NIGHT", "FALLS"]
    return [Word(text=t, start_s=0.1 + 0.3 * i, end_s=0.35 + 0.3 * i) for i, t in enumerate(texts)]


def _timeline(tmp_path: Path) -> Timeline:
    scenes = [
        Scene(duration_s=1.0, visual=ImageVisual(path=_light_illustration(tmp_path / "light.png"), kenburns="none")),
        Scene(duration_s=1.0, visual=ColorVisual(color="#101820")),
    ]
    return Timeline(output=OUT, scenes=scenes, captions=Captions(words=_words(), style="bold", mode="karaoke"))


def test_wcag_arithmetic() -> None:
    assert round(contrast_ratio(relative_luminance((255, 255, 255)), relative_luminance((0, 0, 0))), 1) == 21.0
    assert text_contrast(PRESETS["bold"], (240, 240, 230)) < 1.5
    boxed, reached = readable_style(PRESETS["bold"], [(240, 240, 230), (250, 232, 200)])
    assert boxed.box and reached >= 4.5
    same, _ = readable_style(PRESETS["bold"], [])
    assert same == PRESETS["bold"]


def test_only_the_light_scene_gets_the_box(tmp_path: Path) -> None:
    files = write_captions(_timeline(tmp_path), tmp_path / "work", None)
    assert any("scene 1" in w and "box" in w for w in files.warnings)
    assert not any("scene 2" in w for w in files.warnings)
    ass = (tmp_path / "work" / "captions.ass").read_text(encoding="utf-8")
    boxed = [ln for ln in ass.splitlines() if ln.startswith("Dialogue") and ",CaptionBoxed," in ln]
    plain = [ln for ln in ass.splitlines() if ln.startswith("Dialogue") and ",Caption," in ln]
    assert boxed and plain and "Style: CaptionBoxed" in ass


async def test_captions_over_a_light_background_reach_4_5_to_1(tmp_path: Path) -> None:
    res = await render_timeline(_timeline(tmp_path), tmp_path / "out.mp4")
    assert any("contrast" in w for w in res.warnings)
    (img,) = frames_at(res.path, [0.5])
    band = img[int(320 * 0.5) :].astype(float)
    lum = np.apply_along_axis(lambda p: relative_luminance(tuple(p)), 2, band)
    text = lum > 0.75
    rows, cols = np.nonzero(text & (band.min(axis=2) > 200))
    assert rows.size > 20
    box = lum[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    behind = float(np.median(box[box < 0.75]))
    assert contrast_ratio(float(np.median(lum[text])), behind) >= 4.5
