"""Stage 1: read a script (plain text, or a scene list in YAML/JSON), clean it, split it into scenes."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidRequest
from .models import Script, ScriptScene
from .nouns import ADVERBS, DETERMINERS, PREPOSITIONS, STOPWORDS, VAGUE, noun_phrases, search_terms  # re-exported

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_STAGE_BRACKETS = re.compile(r"\[[^\]]*\]|\{[^}]*\}|<[^>]*>")
_STAGE_PARENS = re.compile(
    r"\((?:[^)]*\b(?:music|sfx|sound|pause|beat|cut|fade|scene|shot|b-roll|visual|narrator|voice ?over|vo|"
    r"on[- ]screen|camera|transition|intro|outro)\b[^)]*)\)",
    re.I,
)
_SPEAKER = re.compile(r"^[ \t]*(?:narrator|voice ?over|vo|host|speaker)\s*:\s*", re.I | re.M)
_SCENE_LABEL = re.compile(r"^[ \t]*(?:scene|shot|part|slide)\s*\d+\s*[:.\-–—]\s*", re.I | re.M)
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s.*$", re.M)
_BULLET = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])\s+", re.M)
_URL = re.compile(r"https?://\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[^\s])")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:dr|mr|mrs|ms|st|vs|prof|etc|e\.g|i\.e|(?:[A-Z]\.)*[A-Z])\.$", re.I)
_REPLACE = {
    "&": " and ",
    "%": " percent",
    "—": ", ",
    "–": ", ",
    "…": "...",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "\u00a0": " ",
    "→": " to ",
    "=": " equals ",
    "+": " plus ",
    "@": " at ",
}
_DROP = set("*_~`|^\\<>{}[]#•·▪►✓✔✗")


def clean_text(text: str) -> str:
    """Strip markdown, stage directions, URLs, emoji and symbols that would be read out or break timing."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    text = _HEADING_LINE.sub("\n\n", text)  # headings are titles, not narration
    text = re.sub(r"\*\*|__", "", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = re.sub(r"\*\(([^)]*)\)\*|_\(([^)]*)\)_", "\0", text)  # italic stage directions
    text = _STAGE_BRACKETS.sub("\0", text)
    text = _STAGE_PARENS.sub("\0", text)
    text = _SPEAKER.sub("", text)
    text = _SCENE_LABEL.sub("", text)
    text = _BULLET.sub("", text)
    out: list[str] = []
    for ch in text:
        if ch in _REPLACE:
            out.append(_REPLACE[ch])
        elif ch in _DROP:
            out.append(" ")
        elif unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn") or 0xFE00 <= ord(ch) <= 0xFE0F:
            out.append("\0")  # emoji, pictographs, variation selectors
        elif ch == "\u200d":
            continue
        else:
            out.append(ch)
    text = "".join(out)
    # a line that held only directions or emoji disappears instead of splitting the paragraph
    text = "\n".join(ln for ln in text.split("\n") if not ("\0" in ln and not ln.replace("\0", "").strip()))
    text = text.replace("\0", " ")
    paragraphs = [re.sub(r"[ \t\r\f\v]+", " ", p.replace("\n", " ")).strip() for p in re.split(r"\n\s*\n", text)]
    paragraphs = [re.sub(r"\s+([,.!?;:])", r"\1", p) for p in paragraphs]
    paragraphs = [re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", p).strip(" ,;:") for p in paragraphs]
    return "\n\n".join(p for p in paragraphs if re.search(r"\w", p))


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for part in _SENTENCE_END.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {part}"
        else:
            sentences.append(part)
    return sentences


def split_scenes(text: str, max_words: int = 28) -> list[str]:
    """Paragraphs are scenes; one long paragraph is grouped into scenes of whole sentences."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) > 1:
        return paragraphs
    scenes: list[str] = []
    current: list[str] = []
    for sentence in split_sentences(text):
        words = sum(len(s.split()) for s in current)
        if current and words + len(sentence.split()) > max_words:
            scenes.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        scenes.append(" ".join(current))
    return scenes


def _scene_from_dict(item: Any, index: int) -> ScriptScene:
    if isinstance(item, str):
        return ScriptScene(text=item)
    if not isinstance(item, dict):
        raise InvalidRequest({f"scenes[{index}]": "each scene must be text or a mapping with 'text'"})
    text = item.get("text") or item.get("narration") or item.get("voiceover")
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest({f"scenes[{index}].text": "missing or empty"})
    terms = item.get("search") or item.get("search_terms") or item.get("keywords") or []
    if isinstance(terms, str):
        terms = [t.strip() for t in terms.split(",") if t.strip()]
    duration = item.get("duration") or item.get("duration_s")
    hint = item.get("visual_hint") or item.get("visual")
    return ScriptScene(
        text=text,
        visual_hint=hint if isinstance(hint, str) else None,  # a storyboard's ``visual`` is the chosen file
        duration_s=float(duration) if duration else None,
        search_terms=[str(t) for t in terms][:3],
        visual_prompt=item.get("prompt") or item.get("visual_prompt"),
    )


def parse_script(raw: str, *, fmt: str = "auto", language: str | None = None) -> Script:
    """Parse script text. ``fmt``: ``auto`` | ``text`` | ``yaml`` | ``json``."""
    data: Any = None
    if fmt in ("yaml", "json") or (fmt == "auto" and raw.lstrip()[:1] in ("{", "[")):
        try:
            data = json.loads(raw) if fmt == "json" or raw.lstrip()[:1] in "{[" else yaml.safe_load(raw)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            if fmt != "auto":
                raise InvalidRequest({"script": f"not valid {fmt}: {exc}"}) from None
    elif fmt == "auto" and re.match(r"^\s*(title|language|scenes)\s*:", raw, re.M):
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError:
            data = None
    if isinstance(data, (dict, list)):
        items = data.get("scenes") if isinstance(data, dict) else data
        if not isinstance(items, list) or not items:
            raise InvalidRequest({"script.scenes": "a scene list needs at least one scene"})
        scenes = [_scene_from_dict(item, i) for i, item in enumerate(items)]
        meta = data if isinstance(data, dict) else {}
        script = Script(
            title=meta.get("title"), language=language or meta.get("language") or "en", scenes=scenes, source="file"
        )
    else:
        cleaned = clean_text(raw)
        if not cleaned:
            raise InvalidRequest({"script": "the script is empty (nothing left to say after cleaning)"})
        script = Script(
            language=language or "en", scenes=[ScriptScene(text=t) for t in split_scenes(cleaned)], source="text"
        )
    return clean_script(script)


def clean_script(script: Script) -> Script:
    """Clean every scene's text; drop scenes left empty; fail when nothing is left to say."""
    scenes = []
    for scene in script.scenes:
        text = clean_text(scene.text).replace("\n\n", " ")
        if text:
            scenes.append(scene.model_copy(update={"text": text}))
    if not scenes:
        raise InvalidRequest({"script": "the script is empty (nothing left to say after cleaning)"})
    return script.model_copy(update={"scenes": scenes})


def load_script(path: str | Path, *, language: str | None = None) -> Script:
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest({"script": f"file not found: {path}"})
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest({"script": f"{path} is not UTF-8 text"}) from None
    fmt = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(path.suffix.lower(), "auto")
    return parse_script(raw, fmt=fmt, language=language)


def estimate_seconds(script: Script, words_per_minute: float) -> float:
    return script.word_count / max(words_per_minute, 1.0) * 60.0


__all__ = [
    "ADVERBS",
    "DETERMINERS",
    "PREPOSITIONS",
    "STOPWORDS",
    "VAGUE",
    "clean_script",
    "clean_text",
    "estimate_seconds",
    "load_script",
    "noun_phrases",
    "parse_script",
    "search_terms",
    "split_scenes",
    "split_sentences",
]
