"""Default prompts and the JSON shapes the LLM must return (validated, with one repair retry)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SYSTEM = (
    "You write narration for short vertical videos. Reply with one JSON object only, no prose, "
    "no markdown. Narration is plain spoken text: no emoji, no stage directions, no markdown, no lists."
)

SCRIPT_PROMPT = (
    "Write the narration for a {seconds:.0f}-second short video about: {topic}\n"
    "Language: {language}. Length: about {words} words in total, split into {scenes} scenes of one or "
    "two sentences. Start with a hook. For each scene give 1-3 short stock-footage search terms "
    "(English, concrete nouns) and a one-sentence visual prompt for a video generator.\n"
    'JSON shape: {{"title": str, "scenes": [{{"text": str, "search_terms": [str], "visual_prompt": str}}]}}'
)

PLAN_PROMPT = (
    "For each numbered scene of this narration, give 1-3 short stock-footage search terms (English, "
    "concrete nouns) and a one-sentence visual prompt for a video generator.\n{scenes}\n"
    'JSON shape: {{"scenes": [{{"search_terms": [str], "visual_prompt": str}}]}} with exactly {count} items.'
)

METADATA_PROMPT = (
    "Write YouTube Shorts metadata for this narration (language: {language}).\n{text}\n"
    'JSON shape: {{"title": str (max 90 chars), "description": str (2-3 sentences), '
    '"tags": [str] (5-10 tags, no #)}}'
)

REPAIR = (
    "Your reply was not valid: {error}. Reply again with only the corrected JSON object, "
    "following the requested shape exactly."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PlannedScene(_Strict):
    text: str = Field(min_length=1)
    search_terms: list[str] = Field(default_factory=list, max_length=5)
    visual_prompt: str | None = None


class ScriptReply(_Strict):
    title: str | None = None
    scenes: list[PlannedScene] = Field(min_length=1)


class PlanItem(_Strict):
    search_terms: list[str] = Field(min_length=1, max_length=5)
    visual_prompt: str = Field(min_length=1)


class PlanReply(_Strict):
    scenes: list[PlanItem] = Field(min_length=1)


class MetadataReply(_Strict):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    tags: list[str] = Field(default_factory=list)


__all__ = [
    "METADATA_PROMPT",
    "PLAN_PROMPT",
    "REPAIR",
    "SCRIPT_PROMPT",
    "SYSTEM",
    "MetadataReply",
    "PlanItem",
    "PlanReply",
    "PlannedScene",
    "ScriptReply",
]
