"""TTS engines: the real offline Piper and espeak-ng, and hosted engines against loopback fakes."""

from __future__ import annotations

import statistics
import wave
from pathlib import Path

import numpy as np
import pytest

from reelforge.errors import AuthError, InvalidRequest
from reelforge.shorts.config import TTSConfig
from reelforge.shorts.narration import narrate
from reelforge.shorts.script import parse_script, split_sentences
from reelforge.shorts.tts import create_tts
from reelforge.shorts.tts.base import Segment
from tests.fakes.tts_servers import EdgeFake, ElevenLabsFake, OpenAITTSFake

FRAME_S = 1 / 30
TEXT = "Magma rises slowly through the crust. Then the mountain wakes up and the ground starts shaking."


def phoneme_word_onsets(alignment: list[tuple[str, float, float]]) -> list[float]:
    """Ground truth from Piper's own alignment: the onset of each space-separated phoneme word."""
    onsets: list[float] = []
    at_word_start = True
    for phoneme, start, _ in alignment:
        if phoneme == " ":
            at_word_start = True
        elif phoneme not in ("^", "$", ".", ",", "!", "?") and at_word_start:
            onsets.append(start)
            at_word_start = False
    return onsets


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768, w.getframerate()


async def test_piper_caption_timing_matches_its_own_alignment(tmp_path: Path) -> None:
    engine = create_tts(TTSConfig())
    spoken: dict[str, Segment] = {}  # by sentence: Piper speaks them side by side, they finish in any order
    synthesize = engine.synthesize

    async def recording(sentence: str, words: list[str]) -> Segment:
        spoken[sentence] = await synthesize(sentence, words)
        return spoken[sentence]

    engine.synthesize = recording  # type: ignore[method-assign]
    narration = await narrate(parse_script(TEXT), engine, tmp_path / "n.wav", sentence_pause_s=0.2, scene_pause_s=0.3)
    assert narration.timing_source == "piper-alignment"
    truth: list[float] = []
    offset = 0.0
    for seg in (spoken[s] for s in split_sentences(TEXT)):  # Piper's alignment of the very audio in the track
        assert seg.alignment is not None
        truth += [offset + t for t in phoneme_word_onsets(seg.alignment)]
        offset += seg.duration_s + int(0.2 * seg.sample_rate) / seg.sample_rate
    assert len(truth) == len(TEXT.split())  # this text phonemises to one phoneme word per word
    got = [w.start_s for w in narration.words]
    assert [w.text for w in narration.words] == TEXT.split()
    errors = [abs(a - b) for a, b in zip(got, truth, strict=True)]
    assert statistics.median(errors) <= FRAME_S
    audio, rate = read_wav(narration.path)
    assert abs(len(audio) / rate - narration.duration_s) < 1e-3
    assert all(0 <= w.start_s <= w.end_s <= narration.duration_s for w in narration.words)
    assert all(a.start_s <= b.start_s for a, b in zip(narration.words, narration.words[1:], strict=False))


async def test_piper_joins_sentences_without_clicks(tmp_path: Path) -> None:
    narration = await narrate(
        parse_script(TEXT), create_tts(TTSConfig()), tmp_path / "n.wav", sentence_pause_s=0.2, scene_pause_s=0.3
    )
    audio, rate = read_wav(narration.path)
    silent = np.flatnonzero(audio == 0)
    gaps = np.split(silent, np.flatnonzero(np.diff(silent) != 1) + 1)
    joins = [g for g in gaps if len(g) >= int(0.15 * rate)]
    assert len(joins) >= 2  # the pause between the sentences and the tail
    for gap in joins:  # speech fades to silence and back: no step at either edge
        before = audio[max(0, gap[0] - 3) : gap[0]]
        after = audio[gap[-1] + 1 : gap[-1] + 4]
        assert np.all(np.abs(before) < 0.01) and np.all(np.abs(after) < 0.01)


async def test_piper_speed_and_voice_file(tmp_path: Path) -> None:
    script = parse_script("A short sentence to time.")
    slow = await narrate(
        script, create_tts(TTSConfig(speed=0.7)), tmp_path / "a.wav", sentence_pause_s=0, scene_pause_s=0
    )
    fast = await narrate(
        script, create_tts(TTSConfig(speed=1.5)), tmp_path / "b.wav", sentence_pause_s=0, scene_pause_s=0
    )
    assert slow.duration_s > fast.duration_s * 1.25  # Piper varies each synthesis; 0.7 vs 1.5 is ~2x nominal
    with pytest.raises(InvalidRequest, match="voice file not found"):
        create_tts(TTSConfig(voice=str(tmp_path / "missing.onnx")))


async def test_language_the_voice_cannot_speak_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="speaks"):
        await narrate(
            parse_script("Guten Tag.", language="de"),
            create_tts(TTSConfig()),
            tmp_path / "n.wav",
            sentence_pause_s=0,
            scene_pause_s=0,
        )
    with pytest.raises(InvalidRequest, match="Cyrillic"):
        await narrate(
            parse_script("Привет, как дела?"),
            create_tts(TTSConfig()),
            tmp_path / "n.wav",
            sentence_pause_s=0,
            scene_pause_s=0,
        )


async def test_espeak_word_events(tmp_path: Path) -> None:
    narration = await narrate(
        parse_script(TEXT),
        create_tts(TTSConfig(engine="espeak")),
        tmp_path / "e.wav",
        sentence_pause_s=0.2,
        scene_pause_s=0.3,
    )
    assert narration.timing_source == "espeak-events"
    starts = [w.start_s for w in narration.words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert narration.words[-1].end_s <= narration.duration_s


async def test_espeak_other_language(tmp_path: Path) -> None:
    narration = await narrate(
        parse_script("Guten Tag, wie geht es?", language="de"),
        create_tts(TTSConfig(engine="espeak", voice="de"), "de"),
        tmp_path / "d.wav",
        sentence_pause_s=0,
        scene_pause_s=0,
    )
    assert narration.duration_s > 0.5 and len(narration.words) == 5


async def test_elevenlabs_timestamps_map_to_words(tmp_path: Path) -> None:
    with ElevenLabsFake() as fake:
        cfg = TTSConfig(engine="elevenlabs", api_key="tts-key", base_url=fake.url)
        narration = await narrate(
            parse_script("Magma rises. Lava flows far."),
            create_tts(cfg),
            tmp_path / "x.wav",
            sentence_pause_s=0.2,
            scene_pause_s=0.3,
        )
        assert fake.texts == ["Magma rises.", "Lava flows far."]
        assert narration.timing_source == "elevenlabs-timestamps" and narration.cost_usd > 0
        first = fake.timings[0]
        assert abs(narration.words[1].start_s - first[1][1]) < 0.01
        with pytest.raises(AuthError):
            bad = TTSConfig(engine="elevenlabs", api_key="wrong", base_url=fake.url)
            await narrate(parse_script("Hi."), create_tts(bad), tmp_path / "y.wav", sentence_pause_s=0, scene_pause_s=0)


@pytest.mark.slow
async def test_openai_tts_has_no_timings_so_whisper_aligns(tmp_path: Path) -> None:
    with OpenAITTSFake() as fake:
        cfg = TTSConfig(engine="openai", api_key="tts-key", base_url=fake.url + "/v1")
        text = "The volcano erupted last night. Ash covered the small town."
        narration = await narrate(
            parse_script(text), create_tts(cfg), tmp_path / "o.wav", sentence_pause_s=0.2, scene_pause_s=0.3
        )
    assert narration.timing_source == "whisper"
    assert [w.text for w in narration.words] == text.split()
    # espeak's own word events (what the fake spoke) are the reference for the recogniser's timings
    truth = [s for words in fake.timings for _, s, _ in words]
    offsets = [0.0, narration.words[5].start_s - fake.timings[1][0][1]]
    expected = [t + offsets[0 if i < 5 else 1] for i, t in enumerate(truth)]
    errors = [abs(w.start_s - e) for w, e in zip(narration.words, expected, strict=True)]
    assert statistics.median(errors) < 0.25


async def test_edge_word_boundaries(tmp_path: Path) -> None:
    pytest.importorskip("edge_tts")
    with EdgeFake() as fake:
        cfg = TTSConfig(engine="edge", base_url=fake.ws_url)
        narration = await narrate(
            parse_script("Magma rises fast. Lava flows."),
            create_tts(cfg),
            tmp_path / "e.wav",
            sentence_pause_s=0.2,
            scene_pause_s=0.3,
        )
    assert fake.texts == ["Magma rises fast.", "Lava flows."]
    assert narration.timing_source == "edge-word-boundary"
    assert abs(narration.words[1].start_s - fake.timings[0][1][1]) < 0.01


def test_openai_engine_needs_a_key() -> None:
    with pytest.raises(AuthError, match="api_key"):
        create_tts(TTSConfig(engine="openai"))
