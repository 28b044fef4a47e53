"""ElevenLabs text-to-speech with its timestamps endpoint (character times mapped to script words)."""

from __future__ import annotations

import base64

import httpx

from ...errors import AuthError, ProviderError
from ..llm.base import raise_for_status, transport_error
from .base import Segment, TTSEngine, decode_audio

RATE = 44100
PRICE_PER_1K_CHARS = 0.18  # creator plan overage, a rough figure; ElevenLabs bills in credits


class ElevenLabsEngine(TTSEngine):
    name = "elevenlabs"
    timing_source = "elevenlabs-timestamps"
    multilingual = True

    def __init__(
        self,
        voice: str | None = None,
        speed: float = 1.0,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.voice = voice or "21m00Tcm4TlvDq8ikWAM"  # "Rachel", a premade voice
        self.speed = speed
        self.model = model or "eleven_multilingual_v2"
        self.base_url = (base_url or "https://api.elevenlabs.io").rstrip("/")
        self.api_key = api_key
        self.words_per_minute = 155.0 * speed
        self._transport = transport
        if not api_key:
            raise AuthError('the elevenlabs engine needs a key: set shorts.tts.api_key ("${ELEVENLABS_API_KEY}")')

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        url = f"{self.base_url}/v1/text-to-speech/{self.voice}/with-timestamps?output_format=mp3_44100_128"
        body = {"text": sentence, "model_id": self.model, "voice_settings": {"speed": self.speed}}
        async with httpx.AsyncClient(
            timeout=120, transport=self._transport, headers={"xi-api-key": self.api_key or ""}
        ) as client:
            try:
                response = await client.post(url, json=body)
            except httpx.HTTPError as exc:
                raise transport_error("ElevenLabs", self.base_url, exc) from None
        if response.status_code == 401:
            raise AuthError("ElevenLabs refused the API key (401): check shorts.tts.api_key")
        raise_for_status("ElevenLabs", response)
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
