"""Stage 8: title, description, tags and chapters (from the LLM when configured, else from the script)."""

from __future__ import annotations

from .llm import LLM, ask_json
from .llm.prompts import METADATA_PROMPT, SYSTEM, MetadataReply
from .models import Metadata, Narration, Script
from .plan import keywords
from .script import split_sentences


def _chapters(script: Script, narration: Narration) -> list[tuple[float, str]]:
    chapters: list[tuple[float, str]] = []
    for i, scene in enumerate(script.scenes):
        start = 0.0 if i == 0 else round(narration.scene_spans[i][0], 2)
        label = " ".join(scene.text.split()[:6]).rstrip(",.;:!?")
        chapters.append((start, label + ("…" if len(scene.text.split()) > 6 else "")))
    return chapters


def _tags(script: Script) -> list[str]:
    tags: list[str] = []
    for term in keywords(script.text, 8, script.language) + [t for s in script.scenes for t in s.search_terms]:
        t = term.lower().strip()
        if t and t not in tags:
            tags.append(t)
    return tags[:10]


def from_script(script: Script, narration: Narration) -> Metadata:
    sentences = split_sentences(script.text.replace("\n\n", " "))
    title = script.title or (sentences[0] if sentences else "Short")
    if len(title) > 90:
        title = title[:87].rsplit(" ", 1)[0] + "…"
    description = " ".join(sentences[:2])
    tags = _tags(script)
    if tags:
        description += "\n\n" + " ".join("#" + t.replace(" ", "") for t in tags[:5])
    return Metadata(
        title=title, description=description, tags=tags, chapters=_chapters(script, narration), source="script"
    )


async def from_llm(llm: LLM, script: Script, narration: Narration) -> Metadata:
    reply = await ask_json(
        llm,
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": METADATA_PROMPT.format(language=script.language, text=script.text[:6000])},
        ],
        MetadataReply,
        stage="metadata",
    )
    tags = [t.strip().lstrip("#") for t in reply.tags if t.strip()][:15] or _tags(script)
    return Metadata(
        title=reply.title.strip()[:100],
        description=reply.description.strip(),
        tags=tags,
        chapters=_chapters(script, narration),
        source="llm",
    )


__all__ = ["from_llm", "from_script"]
