"""House rules a reader feels: files readable in one sitting, functions on one screen, public names spelled out.

- no source file over 350 lines;
- no function over 60 lines unless a ``# long: <why>`` comment sits on the lines just above its ``def``;
- every public module (no leading underscore) declares ``__all__``, and every name in it exists.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "reelforge"
MAX_FILE_LINES = 350
MAX_FUNCTION_LINES = 60
SOURCES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_files_are_short() -> None:
    long = {str(p.relative_to(SRC)): n for p in SOURCES if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES}
    assert long == {}


def _long_functions(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        above = lines[max(0, start - 4) : node.lineno]
        if length > MAX_FUNCTION_LINES and not any("# long:" in line for line in above):
            found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_functions_fit_on_a_screen_or_say_why() -> None:
    assert [f for p in SOURCES for f in _long_functions(p)] == []


PUBLIC = [p for p in SOURCES if not any(part.startswith("_") and part != "__init__.py" for part in p.parts[-2:])]


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: str(p.relative_to(SRC)))
def test_public_modules_spell_out_their_names(path: Path) -> None:
    tree = ast.parse(path.read_text())
    declared = any(
        isinstance(n, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        )
        for n in tree.body
    )
    assert declared, f"{path.relative_to(SRC)} has no __all__"
    if path.name == "__main__.py":
        return
    try:
        module = importlib.import_module(_module(path))
    except ImportError as exc:  # an optional extra that is not installed
        pytest.skip(f"{_module(path)}: {exc}")
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
