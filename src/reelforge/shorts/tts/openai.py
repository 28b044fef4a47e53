"""OpenAI's speech endpoint (or a compatible server). No word timings: forced alignment supplies them."""

from __future__ import annotations

from .base import Segment, decode_audio
from .hosted import HostedTTSEngine

RATE = 24000
PRICE_PER_1K_CHARS = {"tts-1": 0.015, "tts-1-hd": 0.03, "gpt-4o-mini-tts": 0.015}


class OpenAIEngine(HostedTTSEngine):
    name = "openai"
    who = "OpenAI TTS"
    timing_source = "none"
    multilingual = True
    default_voice = "alloy"
    default_model = "gpt-4o-mini-tts"
    default_base_url = "https://api.openai.com/v1"
    base_words_per_minute = 160.0
    key_hint = '"${OPENAI_API_KEY}"'

    async def synthesize(self, sentence: str, words: list[str]) -> Segment:
        body = {
            "model": self.model,
            "voice": self.voice,
            "input": sentence,
            "response_format": "mp3",
            "speed": self.speed,
        }
        response = await self.post(f"{self.base_url}/audio/speech", body)
        samples = decode_audio(response.content, RATE, "OpenAI TTS audio")
        cost = len(sentence) / 1000 * PRICE_PER_1K_CHARS.get(self.model, 0.015)
        return Segment(samples=samples, sample_rate=RATE, words=None, cost_usd=cost)


__all__ = ["PRICE_PER_1K_CHARS", "RATE", "OpenAIEngine"]
