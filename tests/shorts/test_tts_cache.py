"""The sentence cache: hits cost nothing, and the folder is pruned to its cap, oldest use first."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from reelforge.shorts.tts.base import Segment, TTSEngine
from reelforge.shorts.tts_cache import CachedTTS


class Tone(TTSEngine):
    name = "tone"
    timing_source = "even"

    def __init__(self) -> None:
        self.spoken: list[str] = []

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        self.spoken.append(sentence)
        samples = np.full(16000, 0.1, dtype=np.float32)  # one second: about 64 kB on disk
        return Segment(samples, 16000, [(0.0, 1.0)] * len(words))


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.npz"))


async def test_a_cached_sentence_is_not_spoken_again(tmp_path: Path) -> None:
    engine = Tone()
    first = CachedTTS(engine, tmp_path, "s")
    await first.synthesize("One sentence.", ["One", "sentence."])
    again = CachedTTS(engine, tmp_path, "s")
    seg = await again.synthesize("One sentence.", ["One", "sentence."])
    assert engine.spoken == ["One sentence."] and (again.hits, again.misses) == (1, 0)
    assert seg.words == [(0.0, 1.0), (0.0, 1.0)] and seg.sample_rate == 16000


async def test_prune_keeps_the_cap_drops_the_oldest_use_and_never_this_runs(tmp_path: Path) -> None:
    engine = Tone()
    old = CachedTTS(engine, tmp_path, "s")
    for i in range(4):
        await old.synthesize(f"Old {i}.", ["Old", f"{i}."])
    size = entries(tmp_path)[0].stat().st_size
    past = time.time() - 3600
    for i, path in enumerate(entries(tmp_path)):
        os.utime(path, (past + i, past + i))  # used an hour ago, in some order
    run = CachedTTS(engine, tmp_path, "s", max_bytes=3 * size)
    await run.synthesize("Old 0.", ["Old", "0."])  # a hit: used now, so kept
    for i in range(2):
        await run.synthesize(f"New {i}.", ["New", f"{i}."])
    assert len(entries(tmp_path)) == 6
    assert run.prune() == 3  # down to the cap; this run's three sentences stay
    kept = CachedTTS(Tone(), tmp_path, "s")
    for sentence in ("Old 0.", "New 0.", "New 1."):
        await kept.synthesize(sentence, sentence.split())
    assert kept.misses == 0 and len(entries(tmp_path)) == 3


async def test_a_run_bigger_than_the_cap_keeps_its_own_sentences(tmp_path: Path) -> None:
    run = CachedTTS(Tone(), tmp_path, "s", max_bytes=0)
    for i in range(3):
        await run.synthesize(f"Line {i}.", ["Line", f"{i}."])
    assert run.prune() == 0 and len(entries(tmp_path)) == 3
    assert CachedTTS(Tone(), tmp_path, "s").prune() == 0  # no cap: never pruned
