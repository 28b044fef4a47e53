from __future__ import annotations

import json

import pytest

from reelforge.errors import InvalidRequest
from reelforge.shorts.plan import keywords, plan_from_text
from reelforge.shorts.script import clean_text, load_script, parse_script, split_scenes, split_sentences


def test_clean_text_strips_markdown_directions_emoji_and_symbols() -> None:
    raw = """# How volcanoes work 🌋
**Narrator:** Volcanoes are *windows* into [cut to lava] Earth — and they're 100% fascinating! 🔥
(music swells)
- Magma rises & pools. See https://example.com/x for more.

Scene 2: Pressure builds… then it erupts!"""
    text = clean_text(raw)
    for gone in ("#", "*", "🌋", "🔥", "[", "cut to lava", "music swells", "Narrator", "https", "Scene 2", "—"):
        assert gone not in text
    assert "100 percent" in text and "rises and pools" in text
    assert text.count("\n\n") == 1  # two paragraphs: two scenes


def test_split_sentences_keeps_abbreviations() -> None:
    assert split_sentences("Dr. Smith went to the U.S. today. He liked it! Did you?") == [
        "Dr. Smith went to the U.S. today.",
        "He liked it!",
        "Did you?",
    ]


def test_one_long_paragraph_is_grouped_into_scenes_of_whole_sentences() -> None:
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(10))
    scenes = split_scenes(text, max_words=28)
    assert len(scenes) == 3
    assert all(s.endswith(".") for s in scenes)


def test_yaml_and_json_scene_lists(tmp_path) -> None:
    y = tmp_path / "s.yaml"
    y.write_text(
        "title: T\nscenes:\n  - text: 'Hello **there**.'\n    visual: a red boat\n    duration: 4\n"
        "  - text: Second scene.\n    search: boats, water\n"
    )
    s = load_script(y)
    assert s.title == "T" and len(s.scenes) == 2 and s.source == "file"
    assert s.scenes[0].text == "Hello there." and s.scenes[0].visual_hint == "a red boat"
    assert s.scenes[1].search_terms == ["boats", "water"]
    j = tmp_path / "s.json"
    j.write_text(json.dumps([{"text": "One."}, "Two."]))
    assert [sc.text for sc in load_script(j).scenes] == ["One.", "Two."]


@pytest.mark.parametrize("raw", ["", "   \n\n", "🔥🔥 ** __ ##", "[only a stage direction]"])
def test_empty_script_is_refused(raw: str) -> None:
    with pytest.raises(InvalidRequest, match="empty"):
        parse_script(raw)


def test_scene_without_text_is_refused() -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_script('{"scenes": [{"visual": "x"}]}')
    assert "scenes[0].text" in err.value.problems


def test_keyword_plan_fills_terms_and_prompts() -> None:
    s = plan_from_text(parse_script("Volcanoes erupt when magma rises. Magma is molten rock."))
    assert "magma" in s.scenes[0].search_terms
    assert s.scenes[0].visual_prompt
    assert "the" not in keywords("the the the cat")
