"""ISO language codes (``zh``, ``pt-BR``, ``ja``) mapped to each engine's voices.

``--language`` takes ISO 639-1 codes, optionally with a region; each engine turns them into a voice of
its own (espeak-ng calls Mandarin ``cmn``; edge names a voice per locale). When nothing fits, the error
lists the voices the engine has.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ...errors import InvalidRequest

# ISO code -> espeak-ng voice, where the two differ.
ESPEAK_VOICES = {
    "en": "en-us",
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-hans": "cmn",
    "zh-tw": "cmn",
    "zh-hant": "cmn",
    "zh-hk": "yue",
    "yue": "yue",
    "no": "nb",
    "pt-br": "pt-br",
    "es-mx": "es-419",
    "en-gb": "en-gb-x-rp",
}
# espeak-ng voice -> ISO code, for engines (Piper) whose voices name an espeak voice.
ISO_OF_ESPEAK = {"cmn": "zh", "yue": "zh", "nb": "no", "hak": "zh"}

# A default edge voice per language (one of Microsoft's neural voices for that locale).
EDGE_VOICES = {
    "en": "en-US-AriaNeural",
    "ar": "ar-SA-ZariyahNeural",
    "bn": "bn-IN-TanishaaNeural",
    "de": "de-DE-KatjaNeural",
    "el": "el-GR-AthinaNeural",
    "es": "es-ES-ElviraNeural",
    "fa": "fa-IR-DilaraNeural",
    "fr": "fr-FR-DeniseNeural",
    "he": "he-IL-HilaNeural",
    "hi": "hi-IN-SwaraNeural",
    "id": "id-ID-GadisNeural",
    "it": "it-IT-ElsaNeural",
    "ja": "ja-JP-NanamiNeural",
    "ko": "ko-KR-SunHiNeural",
    "nl": "nl-NL-ColetteNeural",
    "pl": "pl-PL-ZofiaNeural",
    "pt": "pt-BR-FranciscaNeural",
    "ru": "ru-RU-SvetlanaNeural",
    "sv": "sv-SE-SofieNeural",
    "ta": "ta-IN-PallaviNeural",
    "th": "th-TH-PremwadeeNeural",
    "tr": "tr-TR-EmelNeural",
    "uk": "uk-UA-PolinaNeural",
    "ur": "ur-PK-UzmaNeural",
    "vi": "vi-VN-HoaiMyNeural",
    "zh": "zh-CN-XiaoxiaoNeural",
    "zh-tw": "zh-TW-HsiaoChenNeural",
    "zh-hk": "zh-HK-HiuMaanNeural",
}


def normalize(code: str) -> str:
    """``pt_BR`` -> ``pt-br``; ``ZH`` -> ``zh``."""
    return code.strip().replace("_", "-").lower()


def base(code: str) -> str:
    """The ISO 639 part of a code: ``pt-br`` -> ``pt``; espeak's ``cmn`` -> ``zh``."""
    first = normalize(code).split("-")[0]
    return ISO_OF_ESPEAK.get(first, first)


@functools.cache
def espeak_voices() -> tuple[str, ...]:
    """The voice names espeak-ng's data folder holds (``cmn``, ``en-us``, ...), lower-cased; empty without it."""
    try:
        import espeakng_loader
    except ImportError:
        return ()
    root = Path(espeakng_loader.get_data_path()) / "lang"
    return tuple(sorted({p.name.lower() for p in root.rglob("*") if p.is_file()}))


def _listing(voices: tuple[str, ...] | list[str], limit: int = 200) -> str:
    shown = ", ".join(voices[:limit])
    return shown + (f" (and {len(voices) - limit} more)" if len(voices) > limit else "")


def espeak_voice(language: str) -> str:
    """The espeak-ng voice speaking ``language``; ``InvalidRequest`` listing espeak's voices when none does."""
    code = normalize(language)
    voices = espeak_voices()
    candidates = [ESPEAK_VOICES.get(code), code, ESPEAK_VOICES.get(code.split("-")[0]), code.split("-")[0]]
    for cand in candidates:
        if cand and (not voices or cand in voices):
            return cand
    raise InvalidRequest(
        {"language": f"espeak-ng has no voice for {language!r}; its voices are: {_listing(voices)} (pass --voice)"}
    )


def edge_voice(language: str) -> str:
    """The default edge voice for ``language``; ``InvalidRequest`` listing the known ones when none fits."""
    code = normalize(language)
    for cand in (code, code.split("-")[0]):
        if cand in EDGE_VOICES:
            return EDGE_VOICES[cand]
    known = sorted(EDGE_VOICES.values())
    raise InvalidRequest(
        {
            "language": f"no default edge voice for {language!r}; pass --voice with one of edge's voices "
            f"(`edge-tts --list-voices`), for example: {_listing(known)}"
        }
    )


__all__ = [
    "EDGE_VOICES",
    "ESPEAK_VOICES",
    "ISO_OF_ESPEAK",
    "base",
    "edge_voice",
    "espeak_voice",
    "espeak_voices",
    "normalize",
]
