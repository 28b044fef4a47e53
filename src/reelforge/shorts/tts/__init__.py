"""Text-to-speech engines: piper (default, offline), espeak (light, offline), edge, openai, elevenlabs."""

from __future__ import annotations

from ..config import TTSConfig
from .base import Segment, TTSEngine, decode_audio, dominant_script
from .languages import edge_voice, espeak_voice


def create_tts(config: TTSConfig, language: str = "en") -> TTSEngine:
    key = config.api_key.get_secret_value() if config.api_key else None
    if config.engine == "piper":
        from .piper import PiperEngine

        return PiperEngine(config.voice, config.speed)
    if config.engine == "espeak":
        from .espeak import EspeakEngine

        return EspeakEngine(config.voice, config.speed, language)
    if config.engine == "edge":
        from .edge import EdgeEngine

        return EdgeEngine(config.voice, config.speed, config.base_url, language)
    if config.engine == "openai":
        from .openai import OpenAIEngine

        return OpenAIEngine(config.voice, config.speed, key, config.base_url, config.model)
    from .elevenlabs import ElevenLabsEngine

    return ElevenLabsEngine(config.voice, config.speed, key, config.base_url, config.model)


__all__ = ["Segment", "TTSEngine", "create_tts", "decode_audio", "dominant_script", "edge_voice", "espeak_voice"]
