"""espeak-ng through ``espeakng-loader`` (GPL-3.0): the light offline fallback, with word events for timing."""

from __future__ import annotations

import asyncio
import ctypes
import functools
import threading

import numpy as np

from ...errors import BackendUnavailable, GenerationFailed, InvalidRequest
from .base import Segment, TTSEngine
from .languages import espeak_voice, espeak_voices

_WORD_EVENT = 1
_LOCK = threading.Lock()


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _State:
    samples: list[np.ndarray]
    events: list[tuple[int, int, int]]  # text position (1-based chars), length, sample


_STATE = _State()


def _on_synth(wav, numsamples, events):  # type: ignore[no-untyped-def]
    if numsamples > 0 and wav:
        _STATE.samples.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).astype(np.float32) / 32768.0)
    i = 0
    while events[i].type != 0:
        ev = events[i]
        if ev.type == _WORD_EVENT:
            _STATE.events.append((ev.text_position, ev.length, ev.sample))
        i += 1
    return 0


_CB = _CALLBACK(_on_synth)


@functools.cache
def _library() -> tuple[ctypes.CDLL, int]:
    try:
        import espeakng_loader
    except ImportError:
        raise BackendUnavailable("the espeak engine needs espeakng-loader: pip install espeakng-loader") from None
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.restype = ctypes.c_int
    rate = lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0)  # 2: synchronous retrieval
    if rate <= 0:
        raise BackendUnavailable("espeak-ng failed to initialise (its data folder may be missing)")
    lib.espeak_SetSynthCallback(_CB)
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.POINTER(ctypes.c_uint),
        ctypes.c_void_p,
    ]
    return lib, rate


class EspeakEngine(TTSEngine):
    name = "espeak"
    timing_source = "espeak-events"

    def __init__(self, voice: str | None = None, speed: float = 1.0, language: str = "en") -> None:
        self.voice = voice or espeak_voice(language)
        self.language = self.voice if voice else language
        self.speed = speed
        self.words_per_minute = 175.0 * speed

    async def load(self) -> None:
        await asyncio.to_thread(self._select)

    def _select(self) -> None:
        lib, _ = _library()
        with _LOCK:
            if lib.espeak_SetVoiceByName(self.voice.encode()) != 0:
                voices = ", ".join(espeak_voices())
                raise InvalidRequest({"voice": f"espeak-ng has no voice {self.voice!r}; its voices are: {voices}"})

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        return await asyncio.to_thread(self._synthesize, sentence, words)

    def _synthesize(self, sentence: str, words: list[str]) -> Segment:
        lib, rate = _library()
        data = sentence.encode("utf-8")
        with _LOCK:
            lib.espeak_SetVoiceByName(self.voice.encode())
            lib.espeak_SetParameter(1, int(175 * self.speed), 0)  # espeakRATE, words per minute
            _STATE.samples, _STATE.events = [], []
            code = lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, CHARS_UTF8
            lib.espeak_Synchronize()
            samples = np.concatenate(_STATE.samples) if _STATE.samples else np.zeros(0, np.float32)
            events = list(_STATE.events)
        if code != 0 or not len(samples):
            raise GenerationFailed(f"espeak-ng could not synthesise {sentence[:40]!r} (code {code})", stage="narration")
        return Segment(
            samples=samples, sample_rate=rate, words=_map_events(sentence, words, events, rate, len(samples))
        )


def _map_events(
    sentence: str, words: list[str], events: list[tuple[int, int, int]], rate: int, total: int
) -> list[tuple[float, float]] | None:
    """espeak reports each word's character position; find the script word starting at that character."""
    from ..align import fill_gaps

    if not events or not words:
        return None
    starts: list[int] = []  # character offset (0-based) of each script word in the sentence
    pos = 0
    for w in words:
        idx = sentence.find(w, pos)
        starts.append(idx if idx >= 0 else pos)
        pos = (idx if idx >= 0 else pos) + len(w)
    char_bytes = [len(sentence[:i].encode()) for i in range(len(sentence) + 1)]
    onsets: list[float | None] = [None] * len(words)
    for text_pos, _length, sample in events:
        char = text_pos - 1
        # text_position counts characters for CHARS_UTF8 in espeak-ng; tolerate byte offsets too
        if char not in starts and char in char_bytes:
            char = char_bytes.index(char)
        best = max((i for i, s in enumerate(starts) if s <= char), default=0)
        if onsets[best] is None:
            onsets[best] = sample / rate
    spans: list[tuple[float, float] | None] = []
    for i, onset in enumerate(onsets):
        if onset is None:
            spans.append(None)
            continue
        nxt = next((o for o in onsets[i + 1 :] if o is not None), total / rate)
        spans.append((onset, max(onset, nxt - 0.02)))
    return fill_gaps(spans, 0.0, total / rate)


__all__ = ["EspeakEngine"]
