"""Filter escaping, checked by ffmpeg itself: escaped text and paths reach the filters unchanged."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pysubs2
import pytest

from reelforge.media import ffmpeg_exe, probe
from reelforge.media.filters import ass_text, drawtext_text, escape_value, filter_path
from reelforge.media.fonts import SHIPPED_DIR, find_font

TRICKY_TEXTS = [
    "a:b",
    'it\'s "quoted"',
    "back\\slash \\n \\\\",
    "100% %{pts} %%",
    "one, two; three",
    "[x] [in]=1",
    "C:\\Windows\\Fonts",
    "مرحبا بالعالم",
    "नमस्ते",
    " leading",
    "trailing ",
]
# Every character the two parsing levels treat specially, plus a printf pattern and a backslash.
WEIRD_DIR = "we:ird 'dir' [1],2;3 %d \\x"


def test_escape_matches_ffmpeg_documentation_example() -> None:
    # filters.texi, "Notes on filtergraph escaping": the drawtext text after both levels
    value = "this is a 'string': may contain one, or more, special characters"
    expected = "this is a \\\\\\'string\\\\\\'\\\\: may contain one\\, or more\\, special characters"
    assert escape_value(value) == expected


def test_plain_values_and_paths_are_left_alone() -> None:
    assert escape_value("/usr/share/fonts/NotoSans-Bold.ttf") == "/usr/share/fonts/NotoSans-Bold.ttf"
    assert filter_path(Path("/tmp/captions.ass")) == "/tmp/captions.ass"
    assert drawtext_text("BOAT") == "text=BOAT:expansion=none"
    assert escape_value("C:\\f.ttf") == "C\\\\:\\\\\\\\f.ttf"


def _gray_frame(graph: str) -> bytes:
    out = subprocess.run(
        [
            ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=360x90:r=1:d=1",
            "-filter_complex", graph, "-map", "[v]", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-",
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-500:]
    return out.stdout


@pytest.fixture(scope="module")
def weird_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("filters") / WEIRD_DIR
    d.mkdir()
    return d


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_drawtext_draws_escaped_text_exactly_as_read_from_a_file(text: str, weird_dir: Path) -> None:
    font = find_font(text)
    assert font is not None and SHIPPED_DIR in font.parents
    fontfile = weird_dir / font.name
    shutil.copyfile(font, fontfile)
    textfile = weird_dir / f"text-{TRICKY_TEXTS.index(text)}.txt"
    textfile.write_text(text, encoding="utf-8")  # read by drawtext without any escaping
    style = "fontsize=28:fontcolor=white:x=10:y=30"
    inline = _gray_frame(f"[0:v]drawtext=fontfile={filter_path(fontfile)}:{drawtext_text(text)}:{style}[v]")
    from_file = _gray_frame(
        f"[0:v]drawtext=fontfile={filter_path(fontfile)}:textfile={filter_path(textfile)}:expansion=none:{style}[v]"
    )
    assert sum(b > 128 for b in inline) > 200, "the text was drawn"
    assert inline == from_file


def _ass(folder: Path, text: str) -> Path:
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": "320", "PlayResY": "240"})
    subs.styles["Default"] = pysubs2.SSAStyle(fontname="Noto Sans", fontsize=36, alignment=pysubs2.Alignment(2))
    subs.events.append(pysubs2.SSAEvent(start=0, end=2000, text=ass_text(text)))
    path = folder / "captions [1].ass"
    subs.save(str(path), format_="ass")
    return path


def test_subtitles_with_tricky_paths_and_tag_like_text(weird_dir: Path, tmp_path: Path) -> None:
    fonts = weird_dir / "fonts, too"
    fonts.mkdir(exist_ok=True)
    shutil.copyfile(SHIPPED_DIR / "NotoSans-Regular.ttf", fonts / "NotoSans-Regular.ttf")
    # unescaped, "{\an8}" would move the line to the top and "\N" would break it
    ass = _ass(weird_dir, "{\\an8}LOW\\Nline {b}")
    out = tmp_path / "subs.mp4"
    graph = f"[0:v]subtitles=filename={filter_path(ass)}:fontsdir={filter_path(fonts)},format=yuv420p[v]"
    subprocess.run(
        [
            ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=320x240:r=10:d=1",
            "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out),
        ],
        check=True,
    )  # fmt: skip
    info = probe(out)
    assert (info.width, info.height, info.num_frames) == (320, 240, 10)
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="gray")
    rows = np.nonzero((frame > 128).any(axis=1))[0]
    assert rows.size, "the caption was drawn"
    assert rows.min() > 240 * 0.6, "one line at the bottom: the braces and backslashes were text, not tags"


def test_ass_text_keeps_every_character_visible() -> None:
    assert ass_text("{\\b1}bold\\N\nnext") == "(⧵b1)bold⧵N next"
    assert ass_text("你好, مرحبا") == "你好, مرحبا"
