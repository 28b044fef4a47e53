"""Stages 3 and 4: narrate the script sentence by sentence and time every script word in the track."""

from __future__ import annotations

import asyncio
import contextlib
import wave
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np

from ..errors import BackendUnavailable, InvalidRequest
from ..media import atomic_path, probe
from ..types import CancelToken
from .align import align_with_whisper, even_spans, whisper_available
from .models import Narration, Script, WordTiming
from .script import split_sentences
from .tts.base import Segment, TTSEngine, decode_audio

FADE_S = 0.006  # tiny fades at sentence edges: joins without clicks
TAIL_S = 0.25


def _pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _fade(samples: np.ndarray, rate: int) -> np.ndarray:
    n = min(int(FADE_S * rate), len(samples) // 2)
    if n > 1:
        samples = samples.copy()
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return samples


async def narrate(
    script: Script,
    engine: TTSEngine,
    out: Path,
    *,
    sentence_pause_s: float,
    scene_pause_s: float,
    cancel: CancelToken | None = None,
    on_sentence: Callable[[int, int], None] | None = None,
) -> Narration:
    """Synthesize each sentence, join them with pauses into ``out`` (WAV), map timings to script words."""
    engine.check_language(script.language, script.text)
    await engine.load()
    jobs = [
        (i, sentence, sentence.split()) for i, sc in enumerate(script.scenes) for sentence in split_sentences(sc.text)
    ]
    pieces: list[np.ndarray] = []
    words: list[WordTiming] = []
    spans: list[list[float]] = [[-1.0, 0.0] for _ in script.scenes]
    missing: list[tuple[int, list[str], float, float]] = []  # scene, words, start, end of sentences untimed
    t, rate, cost = 0.0, 0, 0.0
    async with contextlib.aclosing(_segments(engine, jobs, cancel)) as segments:
        n = -1
        async for seg in segments:
            n += 1
            scene, _, sentence_words = jobs[n]
            if rate and seg.sample_rate != rate:
                raise InvalidRequest({"tts": f"{engine.name} changed sample rate mid-script"})
            rate = seg.sample_rate
            cost += seg.cost_usd
            if spans[scene][0] < 0:
                spans[scene][0] = t
            _place_words(seg, sentence_words, scene, t, words, missing)
            pieces.append(_fade(seg.samples.astype(np.float32), rate))
            t += seg.duration_s
            spans[scene][1] = t
            pause = _pause_after(script, jobs, n, spans[scene], t, sentence_pause_s, scene_pause_s)
            pieces.append(np.zeros(int(pause * rate), np.float32))
            t += int(pause * rate) / rate
            if on_sentence:
                on_sentence(n + 1, len(jobs))
    audio = np.concatenate(pieces)
    await asyncio.to_thread(_write_wav, out, audio, rate)
    duration = len(audio) / rate
    source = engine.timing_source
    warnings: list[str] = []
    if missing:
        source, warnings = await _fill_missing(words, missing, out, duration, script.language)
    return Narration(
        path=out,
        duration_s=duration,
        engine=engine.name,
        voice=engine.voice,
        scene_spans=[(s, e) for s, e in spans],
        words=words,
        timing_source=source,
        cost_usd=round(cost, 6),
        warnings=warnings,
    )


async def _segments(
    engine: TTSEngine, jobs: list[tuple[int, str, list[str]]], cancel: CancelToken | None
) -> AsyncIterator[Segment]:
    """Each sentence's audio, in script order. An engine that can speak ``parallel`` sentences at once (Piper,
    one per core) is given the longest first, so the last ones do not leave a core idle; the others are
    called one sentence at a time, checking ``cancel`` before each (nothing is paid for after a cancel)."""
    if engine.parallel <= 1:
        for _, sentence, words in jobs:
            if cancel is not None:
                cancel.raise_if_cancelled("narration")
            yield await engine.synthesize(sentence, words)
        return
    gate = asyncio.Semaphore(engine.parallel)

    async def one(sentence: str, words: list[str]) -> Segment:
        async with gate:
            if cancel is not None:
                cancel.raise_if_cancelled("narration")
            return await engine.synthesize(sentence, words)

    longest_first = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))
    tasks = {i: asyncio.ensure_future(one(jobs[i][1], jobs[i][2])) for i in longest_first}
    try:
        for i in range(len(jobs)):
            if cancel is not None:
                cancel.raise_if_cancelled("narration")
            yield await tasks[i]
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


def _place_words(
    seg: Segment,
    sentence_words: list[str],
    scene: int,
    t: float,
    words: list[WordTiming],
    missing: list[tuple[int, list[str], float, float]],
) -> None:
    """Add a sentence's words, spoken from ``t``: timed by the engine, or untimed and noted in ``missing``."""
    if seg.words is not None and len(seg.words) == len(sentence_words):
        for w, (s, e) in zip(sentence_words, seg.words, strict=True):
            words.append(WordTiming(text=w, start_s=round(t + s, 4), end_s=round(t + e, 4), scene=scene))
    else:
        missing.append((scene, sentence_words, t, t + seg.duration_s))
        words.extend(WordTiming(text=w, start_s=t, end_s=t, scene=scene) for w in sentence_words)


def _pause_after(
    script: Script,
    jobs: list[tuple[int, str, list[str]]],
    n: int,
    span: list[float],
    t: float,
    sentence_pause_s: float,
    scene_pause_s: float,
) -> float:
    """The silence after sentence ``n`` (ending at ``t``): longer at a scene's end. A scene asked to last longer
    than its speech holds a longer pause (and its picture); its ``span`` then ends inside that pause."""
    scene = jobs[n][0]
    last_of_scene = n + 1 == len(jobs) or jobs[n + 1][0] != scene
    pause = TAIL_S if n + 1 == len(jobs) else (scene_pause_s if last_of_scene else sentence_pause_s)
    wished = script.scenes[scene].duration_s
    if last_of_scene and wished and wished - (t - span[0]) > pause:
        pause = wished - (t - span[0])
        span[1] = t + pause - scene_pause_s
    return pause


async def _fill_missing(
    words: list[WordTiming], missing: list, audio: Path, duration: float, language: str
) -> tuple[str, list[str]]:
    untimed = {id(w) for w in words if w.start_s == w.end_s}
    if whisper_available():
        all_spans = await asyncio.to_thread(align_with_whisper, [w.text for w in words], audio, duration, language)
        for w, (s, e) in zip(words, all_spans, strict=True):
            if id(w) in untimed:
                w.start_s, w.end_s = s, e
        return "whisper", []
    index = 0
    for _scene, sentence_words, start, end in missing:
        while words[index].text != sentence_words[0] or id(words[index]) not in untimed:
            index += 1
        for k, (s, e) in enumerate(even_spans(sentence_words, start, end)):
            words[index + k].start_s, words[index + k].end_s = round(s, 4), round(e, 4)
        index += len(sentence_words)
    return "even", ["word timings are estimated (install reelforge[align] for forced alignment)"]


def _write_wav(out: Path, samples: np.ndarray, rate: int) -> None:
    with atomic_path(out) as tmp, wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(_pcm16(samples))


async def use_voiceover(script: Script, voiceover: Path, out: Path, language: str) -> Narration:
    """The user's own recording: checked (readable, not silent), converted to WAV, aligned to the script."""
    info = await asyncio.to_thread(probe, voiceover)
    if not info.has_audio:
        raise InvalidRequest({"voiceover": f"{voiceover} has no audio stream"})
    samples = await asyncio.to_thread(lambda: decode_audio(voiceover.read_bytes(), 24000, f"voiceover {voiceover}"))
    if len(samples) < 2400:
        raise InvalidRequest({"voiceover": f"{voiceover} is shorter than 0.1 s"})
    rms = float(np.sqrt(np.mean(np.square(samples))))
    if rms < 1e-3:
        raise InvalidRequest({"voiceover": f"{voiceover} is silent (RMS {20 * np.log10(rms + 1e-12):.0f} dBFS)"})
    await asyncio.to_thread(_write_wav, out, samples, 24000)
    duration = len(samples) / 24000
    texts = [(i, w) for i, scene in enumerate(script.scenes) for w in scene.text.split()]
    plain = [w for _, w in texts]
    warnings: list[str] = []
    try:
        spans = await asyncio.to_thread(align_with_whisper, plain, out, duration, language)
        source = "whisper"
    except BackendUnavailable:
        voiced = np.flatnonzero(np.abs(samples) > 0.02)
        start, end = (voiced[0] / 24000, voiced[-1] / 24000) if len(voiced) else (0.0, duration)
        spans = even_spans(plain, start, end)
        source = "even"
        warnings.append("word timings are estimated (install reelforge[align] for forced alignment)")
    words = [WordTiming(text=w, start_s=s, end_s=e, scene=i) for (i, w), (s, e) in zip(texts, spans, strict=True)]
    scene_spans = []
    for i in range(len(script.scenes)):
        mine = [w for w in words if w.scene == i]
        scene_spans.append((mine[0].start_s, mine[-1].end_s))
    return Narration(
        path=out,
        duration_s=duration,
        engine="voiceover",
        voice=voiceover.name,
        scene_spans=scene_spans,
        words=words,
        timing_source=source,
        warnings=warnings,
    )


__all__ = ["narrate", "use_voiceover"]
