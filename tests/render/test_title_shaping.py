"""Titles in any script are shaped and whole: compared against Pillow's HarfBuzz (raqm) reference rendering."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

from reelforge.backends.procedural_graph import t2v_argv
from reelforge.backends.procedural_scenes import choose_scene, clip_word, key_words
from reelforge.media import ffmpeg_exe
from reelforge.media.fonts import SHIPPED_DIR
from reelforge.render import ColorVisual, OutputSpec, Scene, Timeline, render_timeline

from .render_probes import frames_at

pytestmark = pytest.mark.skipif(not features.check("raqm"), reason="Pillow without raqm: no shaped reference")
HINDI = "नमस्ते"
FONT = SHIPPED_DIR / "NotoSansDevanagari-Bold.ttf"
GRID = (96, 32)


def _ink(img: np.ndarray) -> np.ndarray:
    """The text's mask cropped to its bounding box, resized to one grid so shapes compare at any size."""
    mask = img.astype(float).mean(axis=2) > 140 if img.ndim == 3 else img > 140
    rows, cols = np.nonzero(mask)
    crop = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    small = Image.fromarray((crop * 255).astype(np.uint8)).resize(GRID, Image.Resampling.BILINEAR)
    return np.asarray(small, dtype=float) / 255


def _reference(text: str, engine: ImageFont.Layout) -> np.ndarray:
    font = ImageFont.truetype(str(FONT), 64, layout_engine=engine)
    img = Image.new("L", (600, 160), 0)
    ImageDraw.Draw(img).text((20, 20), text, font=font, fill=255)
    return _ink(np.asarray(img))


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _assert_shaped(drawn: np.ndarray) -> None:
    shaped = _reference(HINDI, ImageFont.Layout.RAQM)
    unshaped = _reference(HINDI, ImageFont.Layout.BASIC)
    assert _similarity(shaped, unshaped) < 0.8  # the test can tell the two apart
    assert _similarity(drawn, shaped) > 0.75
    assert _similarity(drawn, shaped) > _similarity(drawn, unshaped) + 0.1


async def test_colour_scene_title_is_shaped_like_the_reference(tmp_path: Path) -> None:
    out = OutputSpec(width=360, height=640, fps=10, quality="draft")
    tl = Timeline(output=out, scenes=[Scene(duration_s=1.0, visual=ColorVisual(color="#000000", title=HINDI))])
    res = await render_timeline(tl, tmp_path / "title.mp4")
    (img,) = frames_at(res.path, [0.5])
    _assert_shaped(_ink(img))


def test_procedural_words_are_whole_and_shaped(tmp_path: Path) -> None:
    assert key_words(f"{HINDI} दुनिया") == [HINDI, "दुनिया"]
    long = "क" * 17 + "्षार"  # longer than the word limit, whose cut would fall inside a conjunct
    assert clip_word(long, 18) == "क" * 17 + "्षा" and key_words(long) == ["क" * 17 + "्षा"]
    scene = choose_scene(HINDI, 3, 1.0)
    argv = t2v_argv(scene, [FONT], 360, 640, 10, 10, tmp_path / "p.mp4")
    subprocess.run([ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", *argv], check=True)
    (img,) = frames_at(tmp_path / "p.mp4", [0.95])
    text = np.asarray(img, dtype=float)
    colour = np.array(scene.text_colour, dtype=float)
    mask = (np.abs(text - colour).sum(axis=2) < 60) * 255
    _assert_shaped(_ink(mask.astype(np.uint8)))
