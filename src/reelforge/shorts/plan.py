"""Stages 1 and 2 with an LLM (topic -> script, scene plan) and the keyword plan used without one."""

from __future__ import annotations

import asyncio
from collections import Counter

from ..errors import InvalidRequest
from .llm import LLM, ask_json
from .llm.prompts import PLAN_PROMPT, SCRIPT_PROMPT, SYSTEM, PlanReply, ScriptReply
from .models import Script, ScriptScene
from .nouns import STOPWORDS, VAGUE, adverb, looks_english, noun_phrases, search_terms, singular
from .script import clean_script
from .words import WORD

NO_LLM_TOPIC = (
    "--topic needs an LLM to write the script: set shorts.llm.provider to 'ollama' or 'openai' "
    "(with model/base_url/api_key) in the config, pass --llm, or pass --script FILE instead"
)


_ROLES = """queen king worker workers drone drones soldier soldiers scout scouts guard guards nurse leader baby babies
mother father male males female females young pup pups cub cubs calf chick chicks larva larvae"""
#: nouns that name a kind of the topic ("queen" in a script about bees is the queen bee)
ROLES = frozenset(_ROLES.split())


def _english(language: str | None) -> bool:
    return language is not None and language.split("-")[0].split("_")[0].lower() == "en"


def _frequent(text: str) -> list[str]:
    """Words by how often and how long: no stopwords, numbers, amounts or "-ly" adverbs; names weigh more."""
    words = WORD.findall(text)
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for i, word in enumerate(words):
        key = word.lower().strip("'-")
        if key.endswith("'s"):
            key = key[:-2]
        if key in STOPWORDS or key in VAGUE or len(key) < 3 or adverb(key):
            continue
        counts[key] += 1 + (0.5 if word[0].isupper() and i > 0 else 0)
        first_seen.setdefault(key, i)
    return sorted(counts, key=lambda k: (-counts[k] * min(len(k), 9), first_seen[k]))


def _nouns(text: str) -> list[str]:
    """English: the heads of the noun phrases, the most frequent first (then in order)."""
    heads = [head for _, head in noun_phrases(text)]
    counts = Counter(singular(h) for h in heads)
    order = list(dict.fromkeys(heads))
    return sorted(order, key=lambda h: (-counts[singular(h)], order.index(h)))


def keywords(text: str, limit: int = 3, language: str | None = None) -> list[str]:
    """Words that say what ``text`` is about: in English (``language``, or by the look of the text when None) the
    nouns a viewer would picture; in other languages, or where no noun is found, frequent long words."""
    english = _english(language) if language is not None else looks_english(text)
    return ((_nouns(text) if english else []) or _frequent(text))[:limit]


def scene_terms(text: str, language: str = "en", limit: int = 3) -> list[str]:
    """What to search for: the noun phrases a viewer would picture (English), else the most telling words."""
    return (search_terms(text, limit) if _english(language) else []) or keywords(text, limit, language)


def title_words(text: str, language: str = "en", limit: int = 2) -> list[str]:
    """Words for a typography scene's title: the nouns (English), else the most telling words."""
    heads = list(dict.fromkeys(head for _, head in noun_phrases(text))) if _english(language) else []
    return heads[:limit] or keywords(text, limit, language)


def topic_of(script: Script) -> str | None:
    """What an English script is about, as one singular noun: its title's first noun, else a noun spoken in
    more than one scene (the most frequent); None when neither."""
    if not _english(script.language):
        return None
    title = [singular(h) for _, h in noun_phrases(script.title or "")]
    if title:
        return title[0]
    per_scene = Counter(h for scene in script.scenes for h in {singular(h) for _, h in noun_phrases(scene.text)})
    best = per_scene.most_common(1)
    return best[0][0] if best and best[0][1] > 1 else None


def with_topic(terms: list[str], text: str, topic: str | None) -> list[str]:
    """The first term qualified by the topic where it names a kind of it ("queen" -> "queen bee") and the scene
    does not say the topic itself."""
    if not terms or topic is None or " " in terms[0] or terms[0] not in ROLES:
        return terms
    if topic in {singular(h) for _, h in noun_phrases(text)}:
        return terms
    return [f"{singular(terms[0])} {topic}", *terms[1:]]


def _by_meaning(text: str, terms: list[str]) -> list[str]:
    """``terms`` ordered by how close each is to the scene's meaning, where the embedding model is installed.
    Blocking (a model call)."""
    from .visuals.rank import SemanticRanker, default_ranker

    ranker = default_ranker()
    if len(terms) < 2 or not isinstance(ranker, SemanticRanker):
        return terms
    scores = ranker.score([text], terms)
    return [t for _, t in sorted(zip(scores, terms, strict=True), key=lambda st: -st[0])]


def plan_from_text(script: Script, style: str = "cinematic, natural light", *, semantic: bool = False) -> Script:
    """Fill missing search terms and visual prompts from the scene text and its visual hint. ``semantic``
    orders the terms by closeness to the scene's meaning (blocking: call it in a thread from async code)."""
    scenes = []
    lang, topic = script.language, topic_of(script)
    for scene in script.scenes:
        hint = scene.visual_hint or ""
        terms = scene.search_terms
        if not terms:
            terms = (scene_terms(hint, lang) if hint else []) or scene_terms(scene.text, lang)
            terms = _by_meaning(scene.text, terms[:4]) if semantic else terms
            terms = with_topic(terms, f"{hint} {scene.text}", topic)
        if not terms:
            terms = keywords(script.title or "", 2, lang) or ["abstract background"]
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
    return await asyncio.to_thread(plan_from_text, script.model_copy(update={"scenes": scenes}), semantic=True)


__all__ = [
    "NO_LLM_TOPIC",
    "ROLES",
    "STOPWORDS",
    "keywords",
    "plan_from_text",
    "plan_with_llm",
    "scene_terms",
    "title_words",
    "topic_of",
    "with_topic",
    "write_script",
]
