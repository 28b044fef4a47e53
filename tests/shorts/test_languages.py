"""ISO language codes mapped to each engine's voices; every script spoken by espeak-ng."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.errors import InvalidRequest
from reelforge.shorts.config import TTSConfig
from reelforge.shorts.narration import narrate
from reelforge.shorts.script import parse_script
from reelforge.shorts.tts import create_tts, edge_voice, espeak_voice

SAYINGS = {
    "zh": "你好，世界。今天天气很好。",
    "ja": "こんにちは。今日はいい天気です。",
    "ko": "안녕하세요. 오늘은 날씨가 좋아요.",
    "hi": "नमस्ते दुनिया। आज मौसम अच्छा है।",
    "ar": "مرحبا بالعالم. الطقس جميل اليوم.",
    "pt-BR": "Olá mundo. O tempo está bom hoje.",
}


def test_iso_codes_map_to_espeak_voices() -> None:
    assert espeak_voice("zh") == "cmn"
    assert espeak_voice("zh-CN") == "cmn"
    assert espeak_voice("zh_HK") == "yue"
    assert espeak_voice("en") == "en-us"
    assert espeak_voice("pt-BR") == "pt-br"
    assert espeak_voice("de-AT") == "de"
    assert espeak_voice("hi") == "hi"


def test_no_voice_lists_the_engines_voices() -> None:
    with pytest.raises(InvalidRequest) as err:
        espeak_voice("xx")
    msg = err.value.problems["language"]
    assert "'xx'" in msg and "cmn" in msg and "en-us" in msg
    with pytest.raises(InvalidRequest) as err:
        create_tts(TTSConfig(engine="espeak"), "tlh")
    assert "cmn" in err.value.problems["language"]
    with pytest.raises(InvalidRequest) as err:
        edge_voice("tlh")
    assert "zh-CN-XiaoxiaoNeural" in err.value.problems["language"]


def test_edge_picks_a_voice_for_the_language() -> None:
    assert create_tts(TTSConfig(engine="edge"), "ja").voice == "ja-JP-NanamiNeural"
    assert create_tts(TTSConfig(engine="edge"), "zh-TW").voice == "zh-TW-HsiaoChenNeural"
    assert create_tts(TTSConfig(engine="edge", voice="de-DE-ConradNeural"), "ja").voice == "de-DE-ConradNeural"


@pytest.mark.parametrize("lang", sorted(SAYINGS))
async def test_espeak_speaks_each_language_from_its_iso_code(tmp_path: Path, lang: str) -> None:
    engine = create_tts(TTSConfig(engine="espeak"), lang)
    narration = await narrate(
        parse_script(SAYINGS[lang], language=lang), engine, tmp_path / "n.wav", sentence_pause_s=0, scene_pause_s=0
    )
    assert narration.duration_s > 0.5 and narration.words


async def test_an_explicit_voice_for_another_language_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="speaks"):
        await narrate(
            parse_script(SAYINGS["zh"], language="zh"),
            create_tts(TTSConfig(engine="espeak", voice="de"), "zh"),
            tmp_path / "n.wav",
            sentence_pause_s=0,
            scene_pause_s=0,
        )


async def test_piper_refusing_a_language_points_to_an_engine_that_speaks_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as err:
        await narrate(
            parse_script(SAYINGS["zh"], language="zh"),
            create_tts(TTSConfig(), "zh"),
            tmp_path / "n.wav",
            sentence_pause_s=0,
            scene_pause_s=0,
        )
    assert "--tts espeak (voice 'cmn')" in err.value.problems["language"]
