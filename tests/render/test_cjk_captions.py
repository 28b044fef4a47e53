"""Chinese, Japanese and Korean captions drawn with the packaged Noto Sans CJK font, system fonts hidden."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelforge.errors import InvalidRequest
from reelforge.media.fonts import choose, packaged
from reelforge.render import Captions, ColorVisual, OutputSpec, Scene, Timeline, Word, render_timeline

from .render_probes import frames_at

OUT = OutputSpec(width=160, height=284, fps=10, quality="draft")
SAMPLES = {"zh": ["你好", "世界"], "ja": ["こんにちは", "世界"], "ko": ["안녕하세요", "세계"]}


@pytest.fixture
def no_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh machine: fontconfig and the usual font folders find nothing."""
    monkeypatch.setattr(choose, "fontconfig_faces", lambda chars: [])
    monkeypatch.setattr(choose, "scanned_faces", lambda: ())
    monkeypatch.setattr(choose.shutil, "which", lambda name: None)


def _need_packaged() -> None:
    if not packaged.packaged_faces():
        pytest.skip("the [cjk] extra is not installed")


def _bright(img: np.ndarray) -> int:
    band = img[int(284 * 0.5) :, :, :].astype(int)
    return int((band.mean(axis=2) > 150).sum())


@pytest.mark.usefixtures("no_system_fonts")
@pytest.mark.parametrize("lang", sorted(SAMPLES))
async def test_cjk_captions_are_drawn_without_system_fonts(tmp_path: Path, lang: str) -> None:
    _need_packaged()
    a, b = SAMPLES[lang]
    cap = Captions(words=[Word(text=a, start_s=0.1, end_s=0.5), Word(text=b, start_s=0.5, end_s=0.9)], style="bold")
    tl = Timeline(output=OUT, scenes=[Scene(duration_s=1.0, visual=ColorVisual(color="#202020"))], captions=cap)
    res = await render_timeline(tl, tmp_path / f"{lang}.mp4")
    assert "Noto Sans CJK" in (res.font or "")
    (img,) = frames_at(res.path, [0.7])
    assert _bright(img) > 30  # glyphs drawn (a refusal or empty boxes would fail before or here)


@pytest.mark.usefixtures("no_system_fonts")
def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(choose, "packaged_faces", lambda: ())
    with pytest.raises(InvalidRequest) as err:
        choose.plan_fonts(["你好世界"])
    assert "reelforge[cjk]" in str(err.value.problems)
