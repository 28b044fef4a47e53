"""Every synthesized sentence kept on disk, so a changed script re-synthesizes only the sentences that changed.

``CachedTTS`` wraps an engine: a sentence already spoken with the same engine settings and voice comes from
``{data_dir}/shorts/tts/<key>.npz`` (its audio, word timings and alignment) and costs nothing; only a miss
loads the engine and calls it. Editing one scene of a storyboard therefore pays for that scene's narration
only. ``prune`` keeps the folder under ``shorts.tts.cache_mb``: the sentences used longest ago go first, never
one the current run used.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from pathlib import Path

import numpy as np

from ..media import atomic_path
from .checkpoints import fingerprint
from .tts.base import Segment, TTSEngine


def _save(path: Path, seg: Segment) -> None:
    buffer = io.BytesIO()
    words = np.asarray(seg.words if seg.words is not None else [], dtype=np.float64).reshape(-1, 2)
    align = seg.alignment or []
    np.savez(
        buffer,
        samples=seg.samples.astype(np.float32),
        rate=np.asarray(seg.sample_rate),
        has_words=np.asarray(seg.words is not None),
        words=words,
        align_units=np.asarray([a[0] for a in align], dtype=str),
        align_times=np.asarray([(a[1], a[2]) for a in align], dtype=np.float64).reshape(-1, 2),
    )
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())


def _load(path: Path) -> Segment | None:
    try:
        os.utime(path)  # used now: the last to be pruned
        with np.load(path) as data:
            words = [(float(s), float(e)) for s, e in data["words"]] if bool(data["has_words"]) else None
            units = [str(u) for u in data["align_units"]]
            align = [(u, float(s), float(e)) for u, (s, e) in zip(units, data["align_times"], strict=True)]
            return Segment(
                samples=data["samples"].astype(np.float32),
                sample_rate=int(data["rate"]),
                words=words,
                alignment=align or None,
            )
    except (OSError, KeyError, ValueError):  # a damaged entry is synthesized again
        return None


class CachedTTS(TTSEngine):
    """``engine`` with a sentence cache in ``folder``; ``settings`` fingerprints what shapes the sound (the
    TTS config and language). ``hits`` / ``misses`` count this run's sentences."""

    def __init__(self, engine: TTSEngine, folder: Path, settings: str, max_bytes: int | None = None) -> None:
        self.engine = engine
        self.folder = folder
        self.settings = settings
        self.max_bytes = max_bytes  # None: never pruned
        self.hits = 0
        self.misses = 0
        self._loaded = False
        self._loading = asyncio.Lock()
        self._used: set[str] = set()  # this run's entries, never pruned

    @property  # type: ignore[override]
    def name(self) -> str:
        return self.engine.name

    @property  # type: ignore[override]
    def voice(self) -> str | None:
        return self.engine.voice

    @property  # type: ignore[override]
    def language(self) -> str:
        return self.engine.language

    @property  # type: ignore[override]
    def words_per_minute(self) -> float:
        return self.engine.words_per_minute

    @property  # type: ignore[override]
    def timing_source(self) -> str:
        return self.engine.timing_source

    @property  # type: ignore[override]
    def parallel(self) -> int:
        return self.engine.parallel

    @property  # type: ignore[override]
    def multilingual(self) -> bool:
        return self.engine.multilingual

    def check_language(self, language: str, text: str) -> None:
        self.engine.check_language(language, text)

    async def load(self) -> None:
        """Nothing yet: the engine is loaded at the first sentence not in the cache."""

    def _path(self, sentence: str, words: list[str]) -> Path:
        key = fingerprint(self.settings, self.engine.name, self.engine.voice, sentence, words)
        return self.folder / f"{key}.npz"

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        path = self._path(sentence, words)
        self._used.add(path.name)
        cached = await asyncio.to_thread(_load, path) if path.is_file() else None
        if cached is not None:
            self.hits += 1
            return cached
        async with self._loading:  # sentences synthesized at once load the engine once
            if not self._loaded:
                await self.engine.load()
                self._loaded = True
        seg = await self.engine.synthesize(sentence, words)
        self.misses += 1
        await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(_save, path, seg)
        return seg

    def prune(self) -> int:
        """Delete the entries used longest ago until the folder holds at most ``max_bytes`` (blocking: run it
        in a thread). Returns how many were deleted."""
        if self.max_bytes is None or not self.folder.is_dir():
            return 0
        entries = []
        for entry in os.scandir(self.folder):
            if entry.name.endswith(".npz") and entry.is_file():
                info = entry.stat()
                entries.append((info.st_mtime, info.st_size, entry.name))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, name in sorted(entries):
            if total <= self.max_bytes:
                break
            if name in self._used:
                continue
            with contextlib.suppress(FileNotFoundError):  # another run pruned it first
                (self.folder / name).unlink()
            total -= size
            removed += 1
        return removed


__all__ = ["CachedTTS"]
