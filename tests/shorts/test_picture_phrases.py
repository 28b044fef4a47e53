"""Search terms, titles and tags without an LLM name what a viewer would picture: nouns and noun phrases, not
amounts, verbs or adjectives; a role noun is qualified by the script's topic ("queen" -> "queen bee")."""

from __future__ import annotations

import pytest

from reelforge.shorts.models import Script, ScriptScene
from reelforge.shorts.nouns import looks_english, noun_phrases, singular
from reelforge.shorts.plan import keywords, plan_from_text, scene_terms, title_words, topic_of, with_topic

REPORTED = {
    "The queen lays thousands of eggs each day.": ({"queen"}, {"thousands", "lays", "day"}),
    "A red kite climbs over a windy beach.": ({"kite", "beach"}, {"windy", "climbs"}),
    "At night the lighthouse sweeps the dark sea.": ({"lighthouse"}, {"sweeps", "night", "dark"}),
}


@pytest.mark.parametrize("text", sorted(REPORTED))
def test_the_reported_sentences_give_nouns_in_terms_titles_and_tags(text: str) -> None:
    wanted, never = REPORTED[text]
    terms = scene_terms(text)
    words = {w for t in terms for w in t.split()}
    assert wanted <= words and not never & words, terms
    title = title_words(text)
    assert title[0] in wanted and not never & set(title), title
    tags = keywords(text)  # language unknown (the metadata's tags): told English by its words
    assert tags[0] in wanted and not never & set(tags), tags


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("The queen bee lays eggs.", ["queen bee", "eggs"]),
        ("Worker bees build wax combs in the hive.", ["worker bees", "combs", "hive"]),
        ("Honey bees visit flowers all summer long.", ["honey bees", "flowers", "summer"]),
        ("The beach is windy and cold.", ["beach"]),
        ("Penguins huddle together to stay warm.", ["penguins"]),
        ("The city never sleeps.", ["city"]),
        ("The volcano erupted violently, covering the town in ash.", ["volcano", "town", "ash"]),
        ("You can see the northern lights in Norway.", ["northern lights", "norway"]),
        ("A tiny hummingbird beats its wings eighty times per second.", ["tiny hummingbird", "wings"]),
        ("Glaciers are slowly melting because of rising temperatures.", ["glaciers", "temperatures"]),
        ("Millions of stars shine above the desert.", ["stars", "desert"]),
        ("She grabs her camera and runs outside.", ["camera"]),  # a second verb after "and"
        ("The fox jumps and lands softly.", ["fox"]),
        ("The climber rests and climbs the ridge.", ["climber", "ridge"]),
        ("He buys apples and pears from the market.", ["apples", "pears", "market"]),  # still nouns
    ],
)
def test_verbs_adjectives_and_amounts_are_left_out(text: str, terms: list[str]) -> None:
    assert scene_terms(text) == terms


def test_phrases_end_at_their_noun() -> None:
    assert noun_phrases("Worker bees build wax combs.") == [("worker bees", "bees"), ("wax combs", "combs")]
    assert noun_phrases("The bee's wings beat fast.") == [("bee wings", "wings")]


def test_a_role_is_qualified_by_the_topic() -> None:
    scenes = ["Honey bees live in a hive.", "The queen lays thousands of eggs each day.", "Worker bees fetch nectar."]
    script = Script(scenes=[ScriptScene(text=t) for t in [*scenes, "Workers dance."]])
    assert topic_of(script) == "bee"  # spoken in more than one scene
    planned = plan_from_text(script)
    assert [s.search_terms[0] for s in planned.scenes] == ["honey bees", "queen bee", "worker bees", "worker bee"]
    titled = Script(title="Inside the beehive", scenes=[ScriptScene(text="The queen rests.")])
    assert topic_of(titled) == "beehive"
    assert with_topic(["queen"], "The queen bee rests.", "bee") == ["queen"]  # the scene says it already
    assert with_topic(["eggs"], "Eggs everywhere.", "bee") == ["eggs"]  # not a kind of bee
    assert topic_of(Script(language="de", title="Bienen", scenes=[ScriptScene(text="Die Königin.")])) is None


def test_semantic_ordering_keeps_the_same_terms() -> None:
    script = Script(scenes=[ScriptScene(text="A red kite climbs over a windy beach.")])
    assert sorted(plan_from_text(script, semantic=True).scenes[0].search_terms) == ["beach", "red kite"]


def test_other_scripts_keep_frequent_whole_words() -> None:
    assert keywords("नमस्ते दुनिया। नमस्ते दोस्तों।")[0] == "नमस्ते"
    assert keywords("Der Leuchtturm leuchtet über das dunkle Meer. Leuchtturm!", language="de")[0] == "leuchtturm"
    assert not looks_english("Der Leuchtturm leuchtet über das dunkle Meer.")
    assert looks_english("Honey bees visit flowers all summer long.")
    assert "tausende" not in keywords("Tausende Sterne, thousands of stars", 5, language="de")[:1]


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("bees", "bee"),
        ("volcanoes", "volcano"),
        ("wolves", "wolf"),
        ("flies", "fly"),
        ("horses", "horse"),
        ("hive", "hive"),
    ],
)
def test_singular(plural: str, one: str) -> None:
    assert singular(plural) == one
