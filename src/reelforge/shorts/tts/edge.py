"""Microsoft Edge's online voices through edge-tts; word timings from its WordBoundary events."""

from __future__ import annotations

import contextlib

from ...errors import BackendUnavailable, ProviderError
from .base import Segment, TTSEngine, decode_audio
from .languages import edge_voice

RATE = 24000


class EdgeEngine(TTSEngine):
    name = "edge"
    timing_source = "edge-word-boundary"
    multilingual = False

    def __init__(
        self, voice: str | None = None, speed: float = 1.0, base_url: str | None = None, language: str = "en"
    ) -> None:
        self.voice = voice or edge_voice(language)
        self.language = "-".join(self.voice.split("-")[:2]) or "en"
        self.speed = speed
        self.words_per_minute = 160.0 * speed
        self.base_url = base_url  # a websocket URL standing in for the service (tests, proxies)

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        try:
            import edge_tts
            import edge_tts.communicate as communicate
        except ImportError:
            raise BackendUnavailable("the edge engine needs edge-tts: pip install 'reelforge[hosted-tts]'") from None
        from ..align import map_by_text

        rate = f"{round((self.speed - 1) * 100):+d}%"
        audio = bytearray()
        boundaries: list[tuple[str, float, float]] = []
        patch = (
            contextlib.nullcontext()
            if not self.base_url
            else _patched(communicate, "WSS_URL", f"{self.base_url.rstrip('/')}?TrustedClientToken=x")
        )
        try:
            with patch:
                tts = edge_tts.Communicate(sentence, self.voice, rate=rate, boundary="WordBoundary")
                async for chunk in tts.stream():
                    if chunk["type"] == "audio":
                        audio += chunk["data"]
                    elif chunk["type"] == "WordBoundary":
                        start = chunk["offset"] / 1e7
                        boundaries.append((chunk["text"], start, start + chunk["duration"] / 1e7))
        except edge_tts.exceptions.NoAudioReceived:
            raise ProviderError(
                f"edge-tts returned no audio for voice {self.voice!r}; check the voice name (`edge-tts --list-voices`)"
            ) from None
        except Exception as exc:  # aiohttp and edge-tts errors enter here
            raise ProviderError(f"edge-tts failed: {exc.__class__.__name__}: {exc}", retryable=True) from None
        samples = decode_audio(bytes(audio), RATE, "edge-tts audio")
        spans = map_by_text(words, boundaries, 0.0, len(samples) / RATE) if boundaries else None
        return Segment(samples=samples, sample_rate=RATE, words=spans)


@contextlib.contextmanager
def _patched(module: object, name: str, value: str):  # type: ignore[no-untyped-def]
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


__all__ = ["RATE", "EdgeEngine"]
