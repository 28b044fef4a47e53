"""Stage 6: background music. Bundled royalty-free tracks from ``immich-memories-music``, chosen by mood."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import BackendUnavailable, InvalidRequest
from ..media import probe
from .config import MusicConfig

AUDIO_EXTS = {".opus", ".ogg", ".mp3", ".m4a", ".aac", ".wav", ".flac"}


def tracks_dir() -> Path:
    try:
        import immich_memories_music
    except ImportError:
        raise BackendUnavailable(
            "bundled music needs immich-memories-music: pip install immich-memories-music, "
            "or set shorts.music.source to 'file' or 'none'"
        ) from None
    return immich_memories_music.tracks_dir()


def moods() -> list[str]:
    return sorted(p.name for p in tracks_dir().iterdir() if p.is_dir())


def bundled_track(mood: str, seed: str = "") -> Path:
    """A bundled track for ``mood``, picked deterministically from ``seed`` (the same short, the same track)."""
    folder = tracks_dir() / mood.lower()
    if not folder.is_dir():
        raise InvalidRequest({"music.mood": f"no bundled mood {mood!r}; choose one of {', '.join(moods())}"})
    tracks = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_EXTS)
    if not tracks:
        raise InvalidRequest({"music.mood": f"the {mood!r} folder holds no tracks"})
    index = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(tracks)
    return tracks[index]


def choose_music(config: MusicConfig, seed: str = "") -> Path | None:
    if config.source == "none":
        return None
    if config.source == "file":
        if config.file is None:
            raise InvalidRequest({"music.file": "music source 'file' needs shorts.music.file (or --music PATH)"})
        path = Path(config.file).expanduser()
        info = probe(path)  # raises InvalidRequest naming the file when unreadable
        if not info.has_audio or info.duration_s <= 0:
            raise InvalidRequest({"music.file": f"{path} has no audio"})
        return path
    return bundled_track(config.mood, seed)


__all__ = ["bundled_track", "choose_music", "moods", "tracks_dir"]
