"""ElevenLabs text-to-speech with its timestamps endpoint (character times mapped to script words)."""

from __future__ import annotations

import base64

from ...errors import ProviderError
from .base import Segment, decode_audio
from .hosted import HostedTTSEngine

RATE = 44100
PRICE_PER_1K_CHARS = 0.18  # creator plan overage, a rough figure; ElevenLabs bills in credits


class ElevenLabsEngine(HostedTTSEngine):
    name = "elevenlabs"
    who = "ElevenLabs"
    timing_source = "elevenlabs-timestamps"
    multilingual = True
    default_voice = "21m00Tcm4TlvDq8ikWAM"  # "Rachel", a premade voice
    default_model = "eleven_multilingual_v2"
    default_base_url = "https://api.elevenlabs.io"
    base_words_per_minute = 155.0
    key_hint = '"${ELEVENLABS_API_KEY}"'

    def auth_headers(self) -> dict[str, str]:
        return {"xi-api-key": self.api_key or ""}

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        url = f"{self.base_url}/v1/text-to-speech/{self.voice}/with-timestamps?output_format=mp3_44100_128"
        body = {"text": sentence, "model_id": self.model, "voice_settings": {"speed": self.speed}}
        response = await self.post(url, body)
        try:
            data = response.json()
            audio = base64.b64decode(data["audio_base64"])
        except (ValueError, KeyError, TypeError):
            raise ProviderError("ElevenLabs returned an unexpected reply (no audio_base64)") from None
        samples = decode_audio(audio, RATE, "ElevenLabs audio")
        spans = _word_spans(sentence, words, data.get("alignment") or data.get("normalized_alignment"))
        cost = len(sentence) / 1000 * PRICE_PER_1K_CHARS
        return Segment(samples=samples, sample_rate=RATE, words=spans, cost_usd=cost)


def _word_spans(sentence: str, words: list[str], alignment: dict | None) -> list[tuple[float, float]] | None:
    """Group ElevenLabs' per-character times into words and match them to the script's words."""
    from ..align import map_by_text

    if not alignment:
        return None
    chars = alignment.get("characters") or []
    starts = alignment.get("character_start_times_seconds") or []
    ends = alignment.get("character_end_times_seconds") or []
    timed: list[tuple[str, float, float]] = []
    current, t0, t1 = "", 0.0, 0.0
    for ch, s, e in zip(chars, starts, ends, strict=False):
        if ch.isspace():
            if current:
                timed.append((current, t0, t1))
            current = ""
            continue
        if not current:
            t0 = s
        current += ch
        t1 = e
    if current:
        timed.append((current, t0, t1))
    return map_by_text(words, timed, 0.0, max(ends) if ends else 0.0) if timed else None


__all__ = ["PRICE_PER_1K_CHARS", "RATE", "ElevenLabsEngine"]
