"""The ``shorts:`` block of the config file. Every field has a default, so ``ShortsConfig()`` works offline."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ..config import register_section


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMConfig(_Block):
    provider: Literal["none", "ollama", "openai"] = "none"
    model: str | None = None  # ollama: llama3.2, openai: gpt-4o-mini (defaults per provider)
    base_url: str | None = None  # ollama: http://127.0.0.1:11434, openai: https://api.openai.com/v1
    api_key: SecretStr | None = None
    prompt: str | None = None  # replaces the default script prompt; {topic} {language} {words} {seconds}
    timeout_s: float = Field(default=120.0, gt=0)
    temperature: float = Field(default=0.7, ge=0, le=2)


class TTSConfig(_Block):
    engine: Literal["piper", "espeak", "edge", "openai", "elevenlabs"] = "piper"
    voice: str | None = None  # piper: path to a .onnx voice (default: joe-us); others: the voice name/id
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str | None = None  # openai: gpt-4o-mini-tts; elevenlabs: eleven_multilingual_v2
    sentence_pause_s: float = Field(default=0.18, ge=0, le=2)
    scene_pause_s: float = Field(default=0.35, ge=0, le=3)
    cache_mb: float | None = Field(default=500.0, ge=0)  # the sentence cache's size cap; None: unbounded


class VisualsConfig(_Block):
    source: Literal["library", "pexels", "pixabay", "generate"] = "library"
    library: Path = Path("./media")
    pexels_api_key: SecretStr | None = None
    pixabay_api_key: SecretStr | None = None
    pexels_base_url: str = "https://api.pexels.com"
    pixabay_base_url: str = "https://pixabay.com"
    backend: str = "procedural"  # for source=generate
    model: str | None = None
    continuity: bool = False  # generate: image-to-video from the previous scene's last frame
    fallback: list[Literal["library", "pexels", "pixabay", "generate"]] = Field(default_factory=list)
    transition: str = "fade"
    transition_s: float = Field(default=0.35, ge=0, le=2)
    # a candidate scoring under this moves the scene to the next source (None: the ranker's own default)
    min_score: float | None = Field(default=None, ge=0, le=1)
    clip_model: str | None = None  # also score a frame of each shortlisted candidate with this CLIP ([local])
    # a library/stock clip's own sound under the narration at this gain (dB), ducked like music; None: dropped
    clip_sound_db: float | None = Field(default=None, ge=-60, le=12)


class MusicConfig(_Block):
    source: Literal["bundled", "file", "none"] = "bundled"
    mood: str = "calm"  # calm | happy | tender | nostalgic | energetic
    file: Path | None = None
    volume_db: float = Field(default=-18.0, ge=-60, le=12)
    duck: bool = True


class CaptionsConfig(_Block):
    mode: Literal["karaoke", "word", "sentence", "none"] = "karaoke"
    style: str = "bold"
    position: Literal["top", "middle", "bottom"] = "bottom"


class OutputConfig(_Block):
    aspect_ratio: Literal["9:16", "16:9", "1:1"] = "9:16"
    fps: float = Field(default=30.0, gt=0, le=120)
    loudness_lufs: float = Field(default=-14.0, ge=-40, le=-5)
    resolution: int = Field(default=1080, ge=144, le=4320)
    quality: Literal["draft", "standard", "high"] = "standard"


class ShortsConfig(_Block):
    llm: LLMConfig = Field(default_factory=LLMConfig)
    tts: TTSConfig = Field(default_factory=TTSConfig)
    visuals: VisualsConfig = Field(default_factory=VisualsConfig)
    music: MusicConfig = Field(default_factory=MusicConfig)
    captions: CaptionsConfig = Field(default_factory=CaptionsConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)


register_section("shorts", ShortsConfig)

__all__ = [
    "CaptionsConfig",
    "LLMConfig",
    "MusicConfig",
    "OutputConfig",
    "ShortsConfig",
    "TTSConfig",
    "VisualsConfig",
]
