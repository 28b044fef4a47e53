"""Words in any script: a letter, then letters, digits, combining marks and inner ``'`` or ``-``.

Python's ``\\w`` leaves out combining marks (Devanagari's virama and vowel signs, Arabic's harakat), so a
plain ``[\\w'-]*`` cuts "नमस्ते" into "नमस" and "त"; this pattern keeps such words whole.
"""

from __future__ import annotations

import re
import unicodedata


def _marks() -> str:
    """Every combining mark, as ranges for a regular-expression character class."""
    ranges: list[str] = []
    start = prev = -2
    for code in range(0x10000):  # the Basic Multilingual Plane: every living script's marks
        if unicodedata.category(chr(code)).startswith("M"):
            if code != prev + 1:
                if start >= 0:
                    ranges.append(f"\\U{start:08x}-\\U{prev:08x}")
                start = code
            prev = code
    ranges.append(f"\\U{start:08x}-\\U{prev:08x}")
    return "".join(ranges)


MARKS = _marks()
#: one word, whole in any script
WORD = re.compile(rf"[^\W\d_][\w'{MARKS}-]*")

__all__ = ["MARKS", "WORD"]
