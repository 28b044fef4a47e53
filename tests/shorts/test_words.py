"""Words are kept whole in every script: combining marks belong to their word."""

from __future__ import annotations

from reelforge.shorts.plan import keywords
from reelforge.shorts.words import WORD


def test_words_keep_their_combining_marks() -> None:
    assert WORD.findall("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]
    assert WORD.findall("مَرْحَبًا بِكُم") == ["مَرْحَبًا", "بِكُم"]
    assert WORD.findall("it's a well-known fact, 42 times") == ["it's", "a", "well-known", "fact", "times"]


def test_search_terms_and_titles_from_a_hindi_script_are_whole_words() -> None:
    assert keywords("नमस्ते दुनिया। नमस्ते दोस्तों।")[0] == "नमस्ते"
