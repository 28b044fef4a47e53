"""Every output's loudness is -14 ±1 LUFS and its true peak at most -1.0 dBTP, measured on the encoded file."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from reelforge.render import ColorVisual, OutputSpec, Scene, Timeline, render_timeline
from reelforge.render.timeline import Music
from reelforge.shorts.config import TTSConfig
from reelforge.shorts.narration import narrate
from reelforge.shorts.script import parse_script
from reelforge.shorts.tts import create_tts

from .render_probes import ebur128

OUT = OutputSpec(width=160, height=284, fps=10, quality="draft")
# five scripts: Devanagari, Han, Arabic, Cyrillic, Latin
SHORT = {
    "hi": "नमस्ते दुनिया, आज हम ज्वालामुखी देखेंगे।",
    "zh": "你好，世界。火山正在醒来。",
    "ar": "مرحبا بالعالم، البركان يستيقظ.",
    "ru": "Привет, мир! Вулкан просыпается.",
    "en": "Hello world! The volcano wakes up.",
}


async def _speak(lang: str, text: str, path: Path) -> Path:
    await narrate(
        parse_script(text, language=lang),
        create_tts(TTSConfig(engine="espeak"), lang),
        path,
        sentence_pause_s=0.1,
        scene_pause_s=0.1,
    )
    return path


def _duration(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


async def _render(tmp_path: Path, narration: Path, music: Path | None = None) -> tuple[float, float]:
    tl = Timeline(
        output=OUT,
        scenes=[Scene(duration_s=round(_duration(narration) + 0.2, 2), visual=ColorVisual())],
        narration=narration,
        music=Music(path=music, volume_db=-6) if music else None,
    )
    res = await render_timeline(tl, tmp_path / f"{narration.stem}.mp4")
    lufs, tp = ebur128(res.path)
    assert res.loudness_lufs is not None and abs(res.loudness_lufs - lufs) < 0.2  # the result reports the file
    return lufs, tp


@pytest.mark.parametrize("lang", sorted(SHORT))
async def test_short_clips_in_five_scripts(tmp_path: Path, lang: str) -> None:
    narration = await _speak(lang, SHORT[lang], tmp_path / f"{lang}.wav")
    lufs, tp = await _render(tmp_path, narration)
    assert abs(lufs + 14) <= 1.0, lufs
    assert tp <= -1.0, tp


@pytest.mark.parametrize("lang", ["hi", "zh"])
async def test_long_outputs_with_music(tmp_path: Path, lang: str, media: dict[str, Path]) -> None:
    text = " ".join([SHORT[lang]] * 5)
    narration = await _speak(lang, text, tmp_path / f"{lang}-long.wav")
    assert _duration(narration) > 12
    lufs, tp = await _render(tmp_path, narration, media["music"])
    assert abs(lufs + 14) <= 1.0, lufs
    assert tp <= -1.0, tp


async def test_a_hot_clipped_source_is_brought_under_the_ceiling(tmp_path: Path) -> None:
    rate = 48000
    t = np.arange(int(rate * 2.0)) / rate
    # a square-ish wave at full scale: inter-sample peaks well above 0 dBFS
    x = np.clip(1.6 * np.sin(2 * np.pi * 997 * t), -1, 1)
    path = tmp_path / "hot.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    lufs, tp = await _render(tmp_path, path)
    assert abs(lufs + 14) <= 1.0 and tp <= -1.0, (lufs, tp)


def test_a_file_missing_the_targets_is_named_in_warnings() -> None:
    from reelforge.render.audio import loudness_warnings

    tl = Timeline(output=OUT, scenes=[Scene(duration_s=1, visual=ColorVisual())])
    assert loudness_warnings(tl, -14.2, -1.3) == []
    warned = loudness_warnings(tl, -16.0, 2.0)
    assert len(warned) == 2 and "2.0 dBTP" in warned[0] and "-16.0 LUFS" in warned[1]
