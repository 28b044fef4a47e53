"""Per-scene caption styles: one ASS style per style in use, each caption in its scene's style, no phrase
straddling a change of style; the contrast check measures each scene in its own style."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysubs2
import pytest

from reelforge.errors import InvalidRequest
from reelforge.media import probe
from reelforge.render import Captions, ColorVisual, OutputSpec, Scene, Timeline, Word, render_timeline
from reelforge.render.captions import write_captions

from .render_probes import frames_at

OUT = OutputSpec(width=360, height=640, fps=25, quality="draft")
TEXT = "bees dance in the hive then fly out to find flowers"  # one sentence: a phrase would run across the cut


def _words(step: float = 0.25) -> list[Word]:
    return [Word(text=t, start_s=0.1 + i * step, end_s=0.1 + i * step + step * 0.9) for i, t in enumerate(TEXT.split())]


def _timeline(first: str | None, second: str | None, mode: str = "karaoke") -> Timeline:
    scenes = [
        Scene(duration_s=1.35, visual=ColorVisual(color="#101828"), caption_style=first),
        Scene(duration_s=1.65, visual=ColorVisual(color="#101828"), caption_style=second),
    ]
    return Timeline(output=OUT, scenes=scenes, captions=Captions(words=_words(), style="bold", mode=mode))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["karaoke", "word", "sentence"])
def test_each_caption_takes_the_style_of_its_scene(tmp_path: Path, mode: str) -> None:
    files = write_captions(_timeline("boxed", "neon", mode), tmp_path, None)
    assert files.ass is not None
    subs = pysubs2.load(str(files.ass))
    assert {"Caption-boxed", "Caption-neon"} <= set(subs.styles)
    assert "Caption" not in subs.styles  # the captions' own style is used by no scene
    assert subs.styles["Caption-boxed"].borderstyle == 3 and subs.styles["Caption-neon"].borderstyle == 1
    first = {"bees", "dance", "in", "the", "hive"}  # start before 1.35 s
    for e in subs.events:
        words = set(e.plaintext.lower().split())
        if e.start < 1350:
            assert e.style == "Caption-boxed" and words <= first, (e.style, e.plaintext)
        else:
            assert e.style == "Caption-neon" and not words & first, (e.style, e.plaintext)
            assert e.plaintext == e.plaintext.upper()  # neon is upper case
    assert max(e.end for e in subs.events if e.style == "Caption-boxed") <= 1350  # gone when the next run starts


def test_scenes_without_a_style_use_the_captions_own(tmp_path: Path) -> None:
    subs = pysubs2.load(str(write_captions(_timeline(None, "bold"), tmp_path, None).ass))
    assert set(subs.styles) - {"Default"} == {"Caption"} and {e.style for e in subs.events} == {"Caption"}
    subs = pysubs2.load(str(write_captions(_timeline(None, "minimal"), tmp_path / "b", None).ass))
    assert {e.style for e in subs.events} == {"Caption", "Caption-minimal"}
    assert subs.styles["Caption-minimal"].bold is False and subs.styles["Caption"].bold is True


def test_an_unknown_scene_style_names_the_scene(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as info:
        write_captions(_timeline(None, "glow"), tmp_path, None)
    assert (
        "scenes[1].caption_style" in info.value.problems and "boxed" in info.value.problems["scenes[1].caption_style"]
    )


def test_contrast_is_measured_in_each_scenes_style(tmp_path: Path) -> None:
    tl = _timeline("minimal", "bold")
    light = Scene(duration_s=1.35, visual=ColorVisual(color="#F0F0E6"), caption_style="minimal")
    tl = tl.model_copy(update={"scenes": [light, tl.scenes[1]]})
    files = write_captions(tl, tmp_path, None)
    subs = pysubs2.load(str(files.ass))
    assert any("scene 1" in w and "box" in w for w in files.warnings)
    assert not any("scene 2" in w for w in files.warnings)
    assert subs.styles["Caption-minimalBoxed"].borderstyle == 3 and subs.styles["Caption-minimalBoxed"].bold is False
    assert {e.style for e in subs.events} == {"Caption-minimalBoxed", "Caption"}


def _colour_pixels(img: np.ndarray, rgb: tuple[int, int, int]) -> int:
    band = img[int(640 * 0.55) :].astype(int)
    return int((np.abs(band - np.array(rgb)).max(axis=2) < 60).sum())


async def test_the_mp4_shows_each_scenes_style(tmp_path: Path) -> None:
    res = await render_timeline(_timeline("boxed", "neon"), tmp_path / "styles.mp4")
    info = probe(res.path)
    assert abs(info.duration_s - 3.0) < 0.1 and info.width == 360 and info.height == 640
    early, late = frames_at(res.path, [0.5, 2.2])
    green, magenta = (0x39, 0xE7, 0x5F), (0xFF, 0x3C, 0xAC)  # boxed's and neon's highlight colours
    assert _colour_pixels(early, green) > 30 and _colour_pixels(early, magenta) == 0
    assert _colour_pixels(late, magenta) > 30 and _colour_pixels(late, green) == 0
    box = (early[int(640 * 0.55) :].astype(int).max(axis=2) < 20).sum()  # the black box behind boxed text
    assert box > 4 * (late[int(640 * 0.55) :].astype(int).max(axis=2) < 20).sum()
