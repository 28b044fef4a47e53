from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reelforge.shorts.align import even_spans, fill_gaps, map_by_text


def test_map_by_text_matches_words_and_shares_respelled_ranges() -> None:
    script = ["In", "2024,", "magma", "rose!"]
    timed = [
        ("in", 0.1, 0.2),
        ("twenty", 0.25, 0.5),
        ("twenty-four", 0.5, 0.9),
        ("magma", 1.0, 1.4),
        ("rose", 1.5, 1.8),
    ]
    spans = map_by_text(script, timed, 0.0, 2.0)
    assert spans[0] == (0.1, 0.2)
    assert spans[1][0] == 0.25 and spans[1][1] == 0.9
    assert spans[2] == (1.0, 1.4) and spans[3] == (1.5, 1.8)


@given(st.lists(st.one_of(st.none(), st.tuples(st.floats(0, 10), st.floats(0, 10))), min_size=1, max_size=30))
def test_fill_gaps_is_monotonic_and_inside(spans) -> None:
    spans = [None if s is None else (min(s), max(s)) for s in spans]
    out = fill_gaps(spans, 0.0, 10.0)
    assert len(out) == len(spans)
    prev = 0.0
    for s, e in out:
        assert 0.0 <= s <= e <= 10.0
        assert s >= prev - 1e-6
        prev = s


def test_even_spans_cover_the_range() -> None:
    spans = even_spans(["a", "bbbb", "cc"], 1.0, 3.0)
    assert spans[0][0] == 1.0 and abs(spans[-1][1] - 3.0) < 1e-9
