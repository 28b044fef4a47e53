"""Search terms and typography titles without an LLM: the nouns a viewer would picture, not frequent words."""

from __future__ import annotations

import pytest

from reelforge.shorts.models import Script, ScriptScene
from reelforge.shorts.plan import plan_from_text, scene_terms, title_words
from reelforge.shorts.script import noun_phrases
from reelforge.shorts.visuals.base import SceneNeed
from reelforge.shorts.visuals.fallback import styled_scene


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("The queen lays thousands of eggs each day.", ["queen", "eggs"]),
        ("A red kite climbs over a windy beach.", ["red kite", "beach"]),
        ("At night the lighthouse sweeps the dark sea.", ["lighthouse", "sea"]),
        ("The honey bees gather nectar from flowers.", ["honey bees", "nectar", "flowers"]),
        ("Volcanoes erupt when magma rises. Magma is molten rock.", ["volcanoes", "magma", "rock"]),
        ("Lava flows downhill. Ash rises high.", ["lava", "ash"]),
        ("Honeybees dance to tell their sisters where the flowers are.", ["honeybees", "sisters", "flowers"]),
    ],
)
def test_terms_are_the_nouns_a_viewer_would_picture(text: str, terms: list[str]) -> None:
    assert scene_terms(text) == terms


def test_phrases_keep_their_adjective_and_head() -> None:
    assert noun_phrases("A red kite climbs over a windy beach.") == [("red kite", "kite"), ("windy beach", "beach")]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("A red kite climbs over a windy beach.", "KITE BEACH"),
        ("At night the lighthouse sweeps the dark sea.", "LIGHTHOUSE SEA"),
        ("The queen lays thousands of eggs each day.", "QUEEN EGGS"),
    ],
)
def test_typography_scenes_are_titled_with_nouns(text: str, title: str) -> None:
    need = SceneNeed(index=0, scene=ScriptScene(text=text), duration_s=3, aspect_ratio="9:16")
    assert styled_scene(need, "no visuals").title == title


def test_other_languages_keep_the_frequent_word_terms() -> None:
    assert scene_terms("Der Leuchtturm leuchtet über das dunkle Meer.", "de")
    assert title_words("Der Leuchtturm leuchtet über das dunkle Meer. Leuchtturm!", "de")[0] == "leuchtturm"


def test_plan_fills_terms_in_meaning_order_and_keeps_given_ones() -> None:
    script = Script(
        scenes=[
            ScriptScene(text="At night the lighthouse sweeps the dark sea."),
            ScriptScene(text="Anything at all.", search_terms=["given term"]),
        ]
    )
    planned = plan_from_text(script, semantic=True)
    assert sorted(planned.scenes[0].search_terms) == ["lighthouse", "sea"]
    assert planned.scenes[1].search_terms == ["given term"]
    assert planned.scenes[0].visual_prompt and "lighthouse" in planned.scenes[0].visual_prompt
