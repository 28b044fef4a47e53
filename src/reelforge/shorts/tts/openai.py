"""OpenAI's speech endpoint (or a compatible server). No word timings: forced alignment supplies them."""

from __future__ import annotations

import httpx

from ...errors import AuthError
from ..llm.base import raise_for_status, transport_error
from .base import Segment, TTSEngine, decode_audio

RATE = 24000
PRICE_PER_1K_CHARS = {"tts-1": 0.015, "tts-1-hd": 0.03, "gpt-4o-mini-tts": 0.015}


class OpenAIEngine(TTSEngine):
    name = "openai"
    timing_source = "none"
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
        self.voice = voice or "alloy"
        self.speed = speed
        self.model = model or "gpt-4o-mini-tts"
        self.base_url = (base_url or "https://api.openai.com/v1").rstrip("/")
        self.api_key = api_key
        self.words_per_minute = 160.0 * speed
        self._transport = transport
        if not api_key:
            raise AuthError('the openai TTS engine needs a key: set shorts.tts.api_key (e.g. "${OPENAI_API_KEY}")')

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        body = {
            "model": self.model,
            "voice": self.voice,
            "input": sentence,
            "response_format": "mp3",
            "speed": self.speed,
        }
        async with httpx.AsyncClient(
            timeout=120, transport=self._transport, headers={"Authorization": f"Bearer {self.api_key}"}
        ) as client:
            try:
                response = await client.post(f"{self.base_url}/audio/speech", json=body)
            except httpx.HTTPError as exc:
                raise transport_error("OpenAI TTS", self.base_url, exc) from None
        raise_for_status("OpenAI TTS", response)
        samples = decode_audio(response.content, RATE, "OpenAI TTS audio")
        cost = len(sentence) / 1000 * PRICE_PER_1K_CHARS.get(self.model, 0.015)
        return Segment(samples=samples, sample_rate=RATE, words=None, cost_usd=cost)
