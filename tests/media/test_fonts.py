"""Font lookup shared by the renderer and the procedural backend: shipped faces first, glyph by glyph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reelforge.errors import InvalidRequest
from reelforge.media.fonts import SHIPPED_DIR, choose, find_font, link_fonts, plan_fonts, shipped_faces


@pytest.fixture
def no_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(choose, "fontconfig_faces", lambda chars: [])
    monkeypatch.setattr(choose, "scanned_faces", lambda: ())
    monkeypatch.setattr(choose.shutil, "which", lambda name: None)


def test_the_shipped_fonts_and_their_licence_are_in_the_package() -> None:
    names = {f.path.name for f in shipped_faces()}
    assert {"NotoSans-Bold.ttf", "NotoSans-Regular.ttf", "NotoSansArabic-Bold.ttf"} <= names
    assert "SIL OPEN FONT LICENSE" in (SHIPPED_DIR / "OFL.txt").read_text(encoding="utf-8").upper()


def test_shipped_fonts_cover_rtl_and_devanagari() -> None:
    for text, family in [
        ("שלום עולם", "Noto Sans Hebrew"),
        ("مرحبا بالعالم", "Noto Sans Arabic"),
        ("नमस्ते दुनिया", "Noto Sans Devanagari"),
        ("Hello", "Noto Sans"),
    ]:
        plan, warnings = plan_fonts([text])
        assert plan.primary.family == family and SHIPPED_DIR in plan.primary.path.parents
        assert not warnings


def test_mixed_text_gets_fallback_faces_per_script() -> None:
    plan, _ = plan_fonts(["Hello مرحبا"])
    assert plan.primary.family == "Noto Sans"
    assert plan.face_for("م").family == "Noto Sans Arabic" and plan.face_for("H").family == "Noto Sans"
    assert plan.description == "Noto Sans + Noto Sans Arabic"


@pytest.mark.usefixtures("no_system_fonts")
def test_uncovered_script_is_refused_by_name() -> None:
    with pytest.raises(InvalidRequest, match="Ethiopic"):
        plan_fonts(["ሰላም"])
    plan, warnings = plan_fonts(["hi \U0001f600"])
    assert plan.primary.family == "Noto Sans" and "\U0001f600" in warnings[0]


def test_find_font_gives_one_file_per_word() -> None:
    assert find_font("BOAT") == SHIPPED_DIR / "NotoSans-Bold.ttf"
    assert find_font("") == SHIPPED_DIR / "NotoSans-Bold.ttf"
    assert find_font("boat", bold=False) == SHIPPED_DIR / "NotoSans-Regular.ttf"
    assert find_font("الشمس") == SHIPPED_DIR / "NotoSansArabic-Bold.ttf"
    assert find_font("नमस्ते") == SHIPPED_DIR / "NotoSansDevanagari-Bold.ttf"


@pytest.mark.usefixtures("no_system_fonts")
def test_find_font_is_none_when_no_font_draws_the_word(tmp_path: Path) -> None:
    assert find_font("ሰላም") is None
    assert find_font("BOAT", bundled_dir=tmp_path / "missing") is None
    shutil.copyfile(SHIPPED_DIR / "NotoSans-Regular.ttf", tmp_path / "Only.ttf")
    (tmp_path / "broken.ttf").write_bytes(b"not a font")
    assert find_font("BOAT", bundled_dir=tmp_path) == tmp_path / "Only.ttf"


def test_link_fonts_gathers_each_file_once(tmp_path: Path) -> None:
    plan, _ = plan_fonts(["Hello مرحبا", "Hello"])
    folder = link_fonts([*plan.faces, plan.primary], tmp_path / "fonts")
    assert sorted(p.name for p in folder.iterdir()) == ["NotoSans-Bold.ttf", "NotoSansArabic-Bold.ttf"]
    assert (folder / "NotoSans-Bold.ttf").read_bytes() == (SHIPPED_DIR / "NotoSans-Bold.ttf").read_bytes()
