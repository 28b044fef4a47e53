"""The README and docs/ stay navigable: a short README, and every relative link (and its anchor) resolves."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
README_MAX_LINES = 200

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text without fenced blocks and inline code, where link syntax is only an example."""
    return _CODE.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _broken(page: Path) -> list[str]:
    broken: list[str] = []
    for target in _LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target} (no heading #{anchor} in {os.path.relpath(dest, page.parent)})")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    assert _broken(page) == []


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < README_MAX_LINES
    commands = [line.split("#")[0].strip() for line in lines if line.startswith("make ")]
    assert commands[:2] == ["make demo", "make test"]


def test_the_checker_catches_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    other = tmp_path / "other.md"
    other.write_text("# A heading: with `code`\n\ntext\n", encoding="utf-8")
    page.write_text(
        "# Page\n[ok](other.md#a-heading-with-code) [self](#page) [web](https://example.com)\n"
        "[gone](missing.md) [bad anchor](other.md#nope)\n```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert _broken(page) == ["missing.md (no such file)", "other.md#nope (no heading #nope in other.md)"]


def test_every_hosted_backend_page_gives_its_default_base_url() -> None:
    """The hosted page, or the backend's own page (docs/backends/<name>.md), names the default base_url."""
    from reelforge.backends.hosted import HostedBackend
    from reelforge.backends.registry import BUILTINS, backend_class
    from reelforge.errors import BackendUnavailable

    pages = ROOT / "docs" / "backends"
    hosted = (pages / "hosted.md").read_text(encoding="utf-8")
    missing: list[str] = []
    for name in BUILTINS:
        try:
            cls = backend_class(name)
        except BackendUnavailable:  # an optional extra is not installed here
            continue
        url = cls().base_url if issubclass(cls, HostedBackend) else ""  # with the default config
        own = pages / f"{name}.md"
        text = hosted + (own.read_text(encoding="utf-8") if own.is_file() else "")
        if url and f"`{url}`" not in text:
            missing.append(f"{name}: {url}")
    assert missing == []
