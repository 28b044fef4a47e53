"""Apply a ``ShortRequest``'s choices on top of the ``shorts:`` config; check the request as a whole."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidRequest
from .config import ShortsConfig
from .music import AUDIO_EXTS
from .request import ShortRequest


def effective_config(request: ShortRequest, config: ShortsConfig) -> ShortsConfig:
    cfg = config.model_copy(deep=True)
    if request.aspect_ratio:
        cfg.output.aspect_ratio = request.aspect_ratio
    if request.resolution:
        cfg.output.resolution = request.resolution
    if request.tts:
        cfg.tts.engine = request.tts
        if request.tts != config.tts.engine and not request.voice:
            cfg.tts.voice = None  # another engine's voice name means nothing here
    if request.voice:
        cfg.tts.voice = request.voice
    if request.speed:
        cfg.tts.speed = request.speed
    if request.llm:
        cfg.llm.provider = request.llm
    if request.visuals:
        cfg.visuals.source = request.visuals
    if request.music:
        m = request.music
        if m.lower() == "none":
            cfg.music.source = "none"
        elif Path(m).suffix.lower() in AUDIO_EXTS or Path(m).expanduser().is_file():
            cfg.music.source, cfg.music.file = "file", Path(m).expanduser()
        else:
            cfg.music.source, cfg.music.mood = "bundled", m
    if request.captions:
        cfg.captions.mode = request.captions
    if request.caption_style:
        cfg.captions.style = request.caption_style
    return cfg


def check_request(request: ShortRequest) -> None:
    problems: dict[str, str] = {}
    given = [n for n in ("topic", "script", "script_text") if getattr(request, n)]
    if not given:
        problems["topic"] = "give a topic (--topic) or a script (--script FILE)"
    elif len(given) > 1:
        problems[given[1]] = f"give only one of topic, script, script_text (got {', '.join(given)})"
    if request.script is not None and not Path(request.script).expanduser().is_file():
        problems["script"] = f"file not found: {request.script}"
    if request.voiceover is not None:
        if not Path(request.voiceover).expanduser().is_file():
            problems["voiceover"] = f"file not found: {request.voiceover}"
        if request.topic:
            problems["voiceover"] = "a voiceover needs the script it reads (--script), not a topic"
    if problems:
        raise InvalidRequest(problems)
    if request.upload is not None:
        raise InvalidRequest(
            {
                "upload": "publishing is its own step after the render: `reelforge short --upload "
                f'{request.upload}`, a job\'s publish steps ([{{"to": "{request.upload}"}}]), or '
                f'reelforge.publish.publish(config, result.path, {{"to": "{request.upload}"}})'
            }
        )


__all__ = ["check_request", "effective_config"]
