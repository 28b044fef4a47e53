"""Caption layout, ASS/SRT/VTT writing, presets and font coverage."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from reelforge.errors import InvalidRequest
from reelforge.media import probe
from reelforge.media.fonts import plan_fonts
from reelforge.render import PRESETS, Captions, ColorVisual, OutputSpec, Scene, Timeline, Word, render_timeline
from reelforge.render.captions import phrases, write_captions

from .render_probes import frames_at

OUT = OutputSpec(width=360, height=640, fps=25, quality="draft")


def _words(text: str, step: float = 0.4) -> list[Word]:
    return [Word(text=t, start_s=i * step, end_s=i * step + step * 0.8) for i, t in enumerate(text.split())]


def _tl(cap: Captions) -> Timeline:
    return Timeline(output=OUT, scenes=[Scene(duration_s=3, visual=ColorVisual())], captions=cap)


def test_phrases_respect_line_length_lines_and_sentences() -> None:
    ws = _words("one two three four five six. seven eight nine ten eleven twelve thirteen")
    groups = phrases(ws, max_chars=10, max_lines=2)
    for g in groups:
        assert len(g) <= 2
        for line in g:
            assert len(" ".join(ws[j].text for j in line)) <= 10 or len(line) == 1
    flat = [j for g in groups for line in g for j in line]
    assert flat == list(range(len(ws)))
    assert any(ws[g[-1][-1]].text == "six." for g in groups), "a sentence end closes a phrase"


def test_karaoke_writes_one_event_per_word_with_the_highlight(tmp_path: Path) -> None:
    files = write_captions(_tl(Captions(words=_words("alpha beta gamma"), style="bold")), tmp_path, tmp_path)
    subs = pysubs2.load(str(files.ass))
    assert len(subs.events) == 3
    assert subs.info["PlayResX"] == "360" and subs.info["PlayResY"] == "640"
    hi = "\\1c&H00E0FF&"  # #FFE000 as BGR
    for ev, word in zip(subs.events, ["alpha", "beta", "gamma"], strict=True):
        assert f"{hi}}}{word}" in ev.text
    assert subs.styles["Caption"].alignment == 2
    assert "alpha beta gamma" in files.srt.read_text() and files.vtt.read_text().startswith("WEBVTT")


def test_word_and_sentence_modes(tmp_path: Path) -> None:
    ws = _words("Hi there. How are you today?")
    word = pysubs2.load(str(write_captions(_tl(Captions(words=ws, mode="word")), tmp_path / "w", None).ass))
    assert len(word.events) >= 3 and all("\\fscx75" in e.text for e in word.events)
    sent = pysubs2.load(
        str(write_captions(_tl(Captions(words=ws, mode="sentence", max_chars_per_line=40)), tmp_path / "s", None).ass)
    )
    assert [e.plaintext for e in sent.events] == ["Hi there.", "How are you today?"]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_and_positions(tmp_path: Path, name: str) -> None:
    cap = Captions(words=_words("a b"), style=name, position="top")
    subs = pysubs2.load(str(write_captions(_tl(cap), tmp_path, None).ass))
    st = subs.styles["Caption"]
    assert st.alignment == 8 and st.marginv >= 640 * 0.1
    assert st.borderstyle == (3 if PRESETS[name].box else 1)
    assert len(PRESETS) >= 4


def _text_pixels(img: np.ndarray) -> int:
    band = img[int(640 * 0.55) :, :, :].astype(int)
    return int((band.mean(axis=2) > 150).sum())


async def test_arabic_captions_render_shaped(tmp_path: Path) -> None:
    cap = Captions(
        words=[Word(text="مرحبا", start_s=0.1, end_s=0.8), Word(text="بالعالم", start_s=0.9, end_s=1.5)], style="bold"
    )
    res = await render_timeline(
        _tl(cap).model_copy(update={"scenes": [Scene(duration_s=1.6, visual=ColorVisual())]}), tmp_path / "ar.mp4"
    )
    assert res.font == "Noto Sans Arabic"
    (img,) = frames_at(res.path, [1.0])
    assert _text_pixels(img) > 100
    band = img[int(640 * 0.55) :].astype(int)
    yellow = (band[..., 0] > 180) & (band[..., 1] > 150) & (band[..., 2] < 100)
    white = (band > 170).all(axis=2)
    # right to left: the second (spoken, yellow) word is drawn left of the first (white) one
    assert yellow.sum() > 20 and white.sum() > 20
    assert np.nonzero(yellow)[1].mean() < np.nonzero(white)[1].mean()


@pytest.mark.skipif(not shutil.which("fc-list"), reason="no fontconfig")
async def test_cjk_captions_use_a_system_noto_font(tmp_path: Path) -> None:
    try:
        plan, _ = plan_fonts(["你好世界"])
    except InvalidRequest:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    cap = Captions(words=[Word(text="你好", start_s=0.1, end_s=0.6), Word(text="世界", start_s=0.7, end_s=1.2)])
    res = await render_timeline(
        _tl(cap).model_copy(update={"scenes": [Scene(duration_s=1.3, visual=ColorVisual())]}), tmp_path / "cjk.mp4"
    )
    assert res.font == plan.description and "CJK" in (res.font or "")
    (img,) = frames_at(res.path, [0.9])
    assert _text_pixels(img) > 100


async def test_colour_scene_title_is_drawn_in_the_middle(tmp_path: Path) -> None:
    tl = Timeline(output=OUT, scenes=[Scene(duration_s=1.0, visual=ColorVisual(color="#000000", title="HELLO"))])
    res = await render_timeline(tl, tmp_path / "title.mp4")
    (img,) = frames_at(res.path, [0.5])
    rows = np.nonzero(img.astype(int).mean(axis=2) > 150)[0]
    assert rows.size > 200 and 640 * 0.4 < rows.mean() < 640 * 0.6
    assert res.font == "Noto Sans"


async def test_tricky_caption_text_renders_from_a_tricky_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weird = tmp_path / "t:mp 'x' [1],2;3 %d"
    weird.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(weird))
    out = weird / "t.mp4"  # the render's work folder (the ASS file, the fonts) is made beside the output
    texts = ["{\\an8}100%:", "it's", "[a,b];", "back\\slash", "مرحبا"]
    cap = Captions(words=[Word(text=t, start_s=0.2 * i, end_s=0.2 * i + 0.18) for i, t in enumerate(texts)])
    res = await render_timeline(
        _tl(cap).model_copy(update={"scenes": [Scene(duration_s=1.2, visual=ColorVisual())]}), out
    )
    assert probe(res.path).num_frames == 30
    (img,) = frames_at(res.path, [0.5])
    assert _text_pixels(img) > 100
    top = img[: int(640 * 0.45)].astype(int)
    assert int((top.mean(axis=2) > 150).sum()) == 0, "the braces were text, not an override tag"
    assert res.font == "Noto Sans + Noto Sans Arabic"
