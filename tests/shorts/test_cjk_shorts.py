"""Chinese, Japanese and Korean shorts on a machine without system CJK fonts: narrated by espeak-ng from the
ISO code, captions and titles drawn with the packaged Noto Sans CJK font, loudness on target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelforge.media.fonts import choose, packaged
from reelforge.shorts.demo import demo_config
from reelforge.shorts.pipeline import run_short
from reelforge.shorts.request import ShortRequest
from tests.render.render_probes import ebur128, frames_at

SCRIPTS = {
    "zh": "火山在夜里醒来。岩浆慢慢升起。",
    "ja": "火山が夜に目を覚ます。溶岩がゆっくり上がる。",
    "ko": "화산이 밤에 깨어난다. 용암이 천천히 올라온다.",
}


@pytest.fixture
def no_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(choose, "fontconfig_faces", lambda chars: [])
    monkeypatch.setattr(choose, "scanned_faces", lambda: ())
    monkeypatch.setattr(choose.shutil, "which", lambda name: None)


@pytest.mark.usefixtures("no_system_fonts")
@pytest.mark.parametrize("lang", sorted(SCRIPTS))
async def test_cjk_short_without_system_fonts(tmp_path: Path, lang: str) -> None:
    if not packaged.packaged_faces():
        pytest.skip("the [cjk] extra is not installed")
    script = tmp_path / "s.txt"
    script.write_text(SCRIPTS[lang], encoding="utf-8")
    cfg = demo_config()
    cfg.tts.engine = "espeak"
    cfg.output.resolution = 160
    cfg.output.fps = 10
    cfg.output.quality = "draft"
    request = ShortRequest(script=script, output=tmp_path / f"{lang}.mp4", language=lang)
    result = await run_short(request, cfg, data_dir=tmp_path)
    side = json.loads(Path(result.sidecar).read_text(encoding="utf-8"))
    assert "Noto Sans CJK" in side["result"]["font"]
    assert result.srt is not None and SCRIPTS[lang][:2] in Path(result.srt).read_text(encoding="utf-8")
    (img,) = frames_at(Path(result.path), [0.8])
    assert (img[img.shape[0] // 2 :].min(axis=2) > 200).sum() > 15  # white caption glyphs drawn
    lufs, tp = ebur128(Path(result.path))
    assert abs(lufs + 14) <= 1.0 and tp <= -1.0
