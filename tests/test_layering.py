"""The house's layering, checked by parsing every import (lazy ones inside functions included).

Top to bottom: cli (which starts the server and the MCP server) -> server, mcp -> jobs -> publish, shorts ->
the public api module -> generation -> backends, library, render -> media -> config, types, http_errors ->
errors. A module may import its own package and anything in a lower layer; never a higher layer, never a
sibling of its own layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "reelforge"

LAYERS: dict[str, float] = {
    "cli": 8,
    "server": 7, "mcp": 7,
    "jobs": 6,
    "publish": 5, "shorts": 5,
    "api": 4.5,
    "generation": 4,
    "backends": 3, "library": 3, "render": 3,
    "media": 2,
    "config": 1, "types": 1, "http_errors": 1,
    "errors": 0,
}  # fmt: skip


def _unit(module: str) -> str:
    """``reelforge.backends.fal`` -> ``backends``; the package's own ``__init__`` is the public facade."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, src: Path) -> list[tuple[int, str]]:
    package = list(path.relative_to(src.parent).parts[:-1])  # the package the module is in
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("reelforge")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                if not node.module:  # from . import x: each name may be a submodule
                    found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
                    continue
            else:
                module = node.module or ""
            if module.startswith("reelforge"):
                found.append((node.lineno, module))
    return found


def _violations(src: Path = SRC) -> list[str]:
    bad: list[str] = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src.parent)
        unit = rel.parts[1].removesuffix(".py") if len(rel.parts) > 1 else ""
        if unit in ("__init__", "__main__", ""):
            continue  # the public facade and the entry point sit above everything
        if unit not in LAYERS:
            bad.append(f"{rel}: {unit!r} is in no layer (add it to LAYERS)")
            continue
        for line, module in _imports(path, src):
            target = _unit(module)
            if target in ("", unit):
                continue
            if target not in LAYERS:
                bad.append(f"{rel}:{line} imports {module}, which is in no layer")
            elif LAYERS[target] >= LAYERS[unit]:
                bad.append(f"{rel}:{line} imports {module} ({target} is not below {unit})")
    return bad


def test_no_import_points_upward_or_sideways() -> None:
    assert _violations() == []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("x.py", "from ..generation import Engine"),
        ("x.py", "from ..shorts.config import ShortsConfig"),
        ("x.py", "import reelforge.library"),
        ("sub/y.py", "from ...render import render"),
        ("sub/z.py", "def f():\n    from ...jobs import run\n"),
    ],
)
def test_the_check_sees_an_upward_or_sideways_import(tmp_path: Path, name: str, source: str) -> None:
    fake = tmp_path / "reelforge"
    (fake / "backends" / "sub").mkdir(parents=True)
    (fake / "backends" / name).write_text(source + "\n")
    (fake / "backends" / "ok.py").write_text("from ..media import probe\nfrom . import base\n")
    assert len(_violations(fake)) == 1
