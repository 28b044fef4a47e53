"""Metadata from the script: the tags are read in the script's own language."""

from __future__ import annotations

from pathlib import Path

from reelforge.shorts.metadata import from_script
from reelforge.shorts.models import Narration, Script, ScriptScene


def narration(scenes: int) -> Narration:
    spans = [(float(i), float(i) + 0.9) for i in range(scenes)]
    return Narration(
        path=Path("n.wav"), duration_s=scenes, engine="x", scene_spans=spans, words=[], timing_source="even"
    )


def test_english_tags_are_the_nouns_not_amounts_or_verbs() -> None:
    script = Script(scenes=[ScriptScene(text="The queen lays thousands of eggs each day.")], language="en")
    tags = from_script(script, narration(1)).tags
    assert "queen" in tags and "eggs" in tags
    assert not {"thousands", "lays", "day"} & set(tags)


def test_a_non_english_script_keeps_its_own_words_as_tags() -> None:
    text = "Die Bienen bauen Waben im Stock. Die Bienen sammeln Nektar im Sommer."
    script = Script(scenes=[ScriptScene(text=text)], language="de")
    meta = from_script(script, narration(1))
    assert "bienen" in meta.tags and "#bienen" in meta.description
