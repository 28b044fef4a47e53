"""Stages 1 and 2 with an LLM (topic -> script, scene plan) and the keyword plan used without one."""

from __future__ import annotations

import re
from collections import Counter

from ..errors import InvalidRequest
from .llm import LLM, ask_json
from .llm.prompts import PLAN_PROMPT, SCRIPT_PROMPT, SYSTEM, PlanReply, ScriptReply
from .models import Script, ScriptScene
from .script import clean_script

_STOPWORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even every few for from
further had has have having he her here hers him his how i if in into is it its itself just let like
made make many may me might more most much must my never no nor not now of off on once only or other
our ours out over own really same say says she should so some such than that the their theirs them
then there these they thing things this those through to too under until up upon us very was we were
what when where which while who whom why will with within without would you your yours one two three
first next last new way ways get got every often know see look think take takes inside onto around
yet still ever here's it's that's there's what's let's don't doesn't isn't aren't can't won't you're
they're we're
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

NO_LLM_TOPIC = (
    "--topic needs an LLM to write the script: set shorts.llm.provider to 'ollama' or 'openai' "
    "(with model/base_url/api_key) in the config, pass --llm, or pass --script FILE instead"
)


def keywords(text: str, limit: int = 3) -> list[str]:
    """Search terms from plain text: frequent, long, non-stopword words (capitalised names first)."""
    words = re.findall(r"[^\W\d_][\w'-]*", text)
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for i, word in enumerate(words):
        key = word.lower().strip("'-")
        if key in STOPWORDS or len(key) < 3:
            continue
        if key.endswith("'s"):
            key = key[:-2]
        counts[key] += 1 + (0.5 if word[0].isupper() and i > 0 else 0)
        first_seen.setdefault(key, i)
    ranked = sorted(counts, key=lambda k: (-counts[k] * min(len(k), 9), first_seen[k]))
    return ranked[:limit]


def plan_from_text(script: Script, style: str = "cinematic, natural light") -> Script:
    """Fill missing search terms and visual prompts from the scene text and its visual hint."""
    scenes = []
    for scene in script.scenes:
        hint = scene.visual_hint or ""
        terms = scene.search_terms or (keywords(hint, 3) if hint else []) or keywords(scene.text, 3)
        if not terms:
            terms = keywords(script.title or "", 2) or ["abstract background"]
        prompt = scene.visual_prompt or (hint or f"{', '.join(terms)}") + f", {style}"
        scenes.append(scene.model_copy(update={"search_terms": terms[:3], "visual_prompt": prompt}))
    return script.model_copy(update={"scenes": scenes})


async def write_script(
    llm: LLM | None, topic: str, *, language: str, seconds: float, words_per_minute: float, prompt: str | None = None
) -> Script:
    if llm is None:
        raise InvalidRequest({"topic": NO_LLM_TOPIC})
    if not topic.strip():
        raise InvalidRequest({"topic": "the topic is empty"})
    words = max(20, int(seconds * words_per_minute / 60))
    scenes = max(3, min(12, round(seconds / 6)))
    template = prompt or SCRIPT_PROMPT
    try:
        user = template.format(topic=topic, language=language, words=words, seconds=seconds, scenes=scenes)
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidRequest(
            {"shorts.llm.prompt": f"bad placeholder {exc}; use {{topic}} {{language}} {{words}} {{seconds}} {{scenes}}"}
        ) from None
    reply = await ask_json(
        llm, [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}], ScriptReply, stage="script"
    )
    scenes_out = [
        ScriptScene(
            text=s.text, search_terms=[t for t in s.search_terms if t.strip()][:3], visual_prompt=s.visual_prompt
        )
        for s in reply.scenes
    ]
    script = clean_script(Script(title=reply.title or topic, language=language, scenes=scenes_out, source="llm"))
    got = script.word_count
    if got > words * 1.3:
        script.warnings.append(f"the LLM wrote {got} words for a {seconds:.0f} s target (~{words} words)")
    return script


async def plan_with_llm(llm: LLM, script: Script) -> Script:
    """Ask the LLM for search terms and a visual prompt per scene (strict JSON, one repair retry)."""
    todo = [s for s in script.scenes if not (s.search_terms and s.visual_prompt)]
    if not todo:
        return script
    numbered = "\n".join(f"{i + 1}. {s.text}" for i, s in enumerate(script.scenes))
    count = len(script.scenes)
    reply = await ask_json(
        llm,
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": PLAN_PROMPT.format(scenes=numbered, count=count)},
        ],
        PlanReply,
        stage="plan",
        check=lambda r: None if len(r.scenes) == count else f"expected {count} scenes, got {len(r.scenes)}",
    )
    scenes = []
    for scene, item in zip(script.scenes, reply.scenes, strict=True):
        terms = scene.search_terms or [t.strip() for t in item.search_terms if t.strip()][:3]
        scenes.append(
            scene.model_copy(update={"search_terms": terms, "visual_prompt": scene.visual_prompt or item.visual_prompt})
        )
    return plan_from_text(script.model_copy(update={"scenes": scenes}))


__all__ = ["NO_LLM_TOPIC", "keywords", "plan_from_text", "plan_with_llm", "write_script"]
