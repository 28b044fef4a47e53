"""The TTS contract: one sentence in, audio plus (where the engine knows them) word timings out."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ...errors import GenerationFailed, InvalidRequest

LANGUAGE_SCRIPTS = {
    "zh": "CJK",
    "ja": "CJK",
    "ko": "HANGUL",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "bg": "CYRILLIC",
    "sr": "CYRILLIC",
    "ar": "ARABIC",
    "fa": "ARABIC",
    "ur": "ARABIC",
    "he": "HEBREW",
    "hi": "DEVANAGARI",
    "mr": "DEVANAGARI",
    "ne": "DEVANAGARI",
    "el": "GREEK",
    "th": "THAI",
    "ka": "GEORGIAN",
    "hy": "ARMENIAN",
    "bn": "BENGALI",
    "ta": "TAMIL",
}


@dataclass
class Segment:
    """One synthesised sentence. ``words``: (start, end) seconds per script word, or None if unknown."""

    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    words: list[tuple[float, float]] | None = None
    cost_usd: float = 0.0
    alignment: list[tuple[str, float, float]] | None = None  # the engine's own units (Piper: phonemes)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class TTSEngine(ABC):
    """Engines are loaded once (``load``) and then called once per sentence."""

    name: str = "tts"
    voice: str | None = None
    language: str = "en"  # language the voice speaks (ISO 639-1 prefix is enough)
    words_per_minute: float = 160.0
    timing_source: str = "none"  # what ``Segment.words`` come from
    parallel: int = 1  # sentences it can synthesize at once (a local model: one per core)

    async def load(self) -> None:  # noqa: B027 - optional hook
        """Load models or check credentials before the first sentence."""

    @abstractmethod
    async def synthesize(self, sentence: str, words: list[str]) -> Segment: ...

    def check_language(self, language: str, text: str) -> None:
        """Refuse a script the voice cannot speak (by requested language and by the text's writing system)."""
        from .languages import base

        voice_lang, wanted = base(self.language), base(language)
        if self.multilingual:
            return
        if wanted != voice_lang:
            raise InvalidRequest(
                {
                    "language": f"the {self.name} voice {self.voice!r} speaks {self.language!r}, "
                    f"not {language!r}; choose a {language} voice with --voice{_other_engine(self.name, language)}"
                }
            )
        script = dominant_script(text)
        expected = LANGUAGE_SCRIPTS.get(voice_lang, "LATIN")
        if script and script != expected:
            raise InvalidRequest(
                {
                    "script": f"the text is written in {script.title()} script but the voice "
                    f"{self.voice!r} speaks {self.language!r}; choose a matching voice"
                }
            )

    multilingual: bool = False


def _other_engine(engine: str, language: str) -> str:
    """A hint naming the offline engine that does speak ``language``, when it is not ``engine``."""
    from .languages import espeak_voice

    if engine == "espeak":
        return ""
    try:
        return f", or use --tts espeak (voice {espeak_voice(language)!r})"
    except InvalidRequest:
        return ""


def dominant_script(text: str) -> str | None:
    """The writing system of most letters in ``text`` (LATIN, CYRILLIC, CJK, ...), None if no letters."""
    import unicodedata

    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        script = name.split(" ")[0]
        if script in ("CJK", "HIRAGANA", "KATAKANA"):
            script = "CJK"
        counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts, key=counts.__getitem__)


def decode_audio(data: bytes, sample_rate: int = 24000, what: str = "audio") -> np.ndarray:
    """Decode compressed audio (mp3, wav, ogg...) to float32 mono at ``sample_rate`` with PyAV."""
    import av

    try:
        with av.open(io.BytesIO(data)) as container:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            chunks = []
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise GenerationFailed(f"could not decode the {what}: {exc}", stage="narration") from None
    if not chunks:
        raise GenerationFailed(f"the {what} holds no audio", stage="narration")
    return np.concatenate(chunks).astype(np.float32)


__all__ = ["Segment", "TTSEngine", "decode_audio", "dominant_script"]
