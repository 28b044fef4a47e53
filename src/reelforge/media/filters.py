"""Escaping for text that goes into an ffmpeg filtergraph or an ASS subtitle file.

A value inside ``-filter_complex`` is read twice: first the graph parser splits filters and chains
(``[ ] , ;`` are special, ``\\`` and ``'`` escape and quote), then the filter's option parser splits
``key=value`` pairs (``:`` is special, ``\\`` and ``'`` escape and quote). Each reading also trims
unescaped whitespace at the ends of what it reads. :func:`escape_value` applies both levels, so any
string (a path with colons or quotes, a word with brackets, Windows drive letters, any script) arrives
in the filter unchanged. Do not wrap its result in quotes: inside quotes the backslashes are literal.

ASS dialogue text has its own specials: ``{...}`` starts override tags and ``\\N``, ``\\n``, ``\\h`` are
line breaks and hard spaces. :func:`ass_text` turns them into look-alike characters so a caption shows
what was written and can never restyle itself.
"""

from __future__ import annotations

import os

_GRAPH_SPECIALS = "\\'[],;"
_OPTION_SPECIALS = "\\':"
_ASS_REPLACE = str.maketrans({"\\": "\u29f5", "{": "(", "}": ")", "\n": " ", "\r": " "})


def _escape_level(value: str, specials: str) -> str:
    """Backslash the ``specials`` and any whitespace at either end (a parser would trim it)."""
    lead = len(value) - len(value.lstrip())
    trail = len(value.rstrip())
    return "".join("\\" + c if c in specials or i < lead or i >= trail else c for i, c in enumerate(value))


def escape_value(value: str) -> str:
    """Escape a filter option value for use inside a filtergraph string (both parsing levels)."""
    return _escape_level(_escape_level(value, _OPTION_SPECIALS), _GRAPH_SPECIALS)


def filter_path(path: str | os.PathLike[str]) -> str:
    """A file path as a filter option value (``subtitles=filename=…``, ``drawtext=fontfile=…``)."""
    return escape_value(os.fspath(path))


def drawtext_text(text: str) -> str:
    """The ``text=…:expansion=none`` options of ``drawtext`` drawing ``text`` literally.

    With ``expansion=none`` drawtext gives ``%`` no meaning, so only the filtergraph levels remain.
    """
    return f"text={escape_value(text)}:expansion=none"


def ass_text(text: str) -> str:
    """Dialogue text for an ASS event: no override tags, no escape sequences, one line."""
    return text.translate(_ASS_REPLACE)


__all__ = ["ass_text", "drawtext_text", "escape_value", "filter_path"]
