"""The bundled example short (about 45 s, 9:16): Piper narration, karaoke captions, bundled stills, music."""

from __future__ import annotations

from pathlib import Path

from ..config import ShortsConfig
from ..request import ShortRequest

DEMO_DIR = Path(__file__).parent
SCRIPT = DEMO_DIR / "script.yaml"
STILLS = DEMO_DIR / "stills"


def demo_request(output: Path | None = None) -> ShortRequest:
    return ShortRequest(script=SCRIPT, output=output, aspect_ratio="9:16")


def demo_config(base: ShortsConfig | None = None) -> ShortsConfig:
    """The demo's settings: offline everything, whatever the user's config says about hosted services."""
    cfg = (base or ShortsConfig()).model_copy(deep=True)
    cfg.llm.provider = "none"
    cfg.tts.engine, cfg.tts.voice, cfg.tts.speed = "piper", None, 1.0
    cfg.visuals.source, cfg.visuals.library, cfg.visuals.fallback = "library", STILLS, []
    cfg.music.source, cfg.music.mood = "bundled", "calm"
    cfg.captions.mode, cfg.captions.style = "karaoke", "bold"
    cfg.output.aspect_ratio = "9:16"
    return cfg


__all__ = ["DEMO_DIR", "SCRIPT", "STILLS", "demo_config", "demo_request"]
