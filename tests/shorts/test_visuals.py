from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from reelforge.shorts.config import VisualsConfig
from reelforge.shorts.models import Script, ScriptScene
from reelforge.shorts.visuals import build_sources, choose_visuals
from reelforge.shorts.visuals.base import SceneNeed
from reelforge.shorts.visuals.generate import GenerateSource
from reelforge.shorts.visuals.library import LibrarySource
from reelforge.types import Cost, VideoRequest, VideoResult
from tests.fakes.kit import Fault
from tests.fakes.stock_servers import PexelsFake, PixabayFake


def still(path: Path, w: int, h: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (w, h), (90, 60, 30)).save(path)
    return path


def script(*scenes: tuple[str, list[str]]) -> Script:
    return Script(scenes=[ScriptScene(text=t, search_terms=s) for t, s in scenes])


async def test_library_ranks_by_name_sidecar_and_orientation_without_reuse(tmp_path: Path) -> None:
    lib = tmp_path / "media"
    still(lib / "volcano_wide.jpg", 160, 90)
    still(lib / "volcano_tall.jpg", 90, 160)
    still(lib / "IMG_0001.jpg", 90, 160)
    (lib / "IMG_0001.json").write_text(json.dumps({"caption": "a boat at sea", "tags": ["ocean"]}))
    (lib / "broken.jpg").write_bytes(b"not an image")
    s = script(
        ("A volcano erupts.", ["volcano"]),
        ("Another volcano.", ["volcano"]),
        ("The ocean.", ["boat"]),
        ("Nothing about it.", ["zebra"]),
    )
    sources, _ = build_sources(VisualsConfig(source="library", library=lib), None)
    out = await choose_visuals(s, [3, 3, 3, 3], "9:16", sources, tmp_path / "cache")
    assert out[0].path.name == "volcano_tall.jpg"  # portrait output prefers the portrait file
    assert out[1].path.name == "volcano_wide.jpg"  # not reused while another fits
    assert out[2].path.name == "IMG_0001.jpg"  # found through its sidecar
    assert out[3].source == "fallback" and out[3].kind == "color" and "nothing matched" in out[3].fallback_reason


async def test_pexels_search_choice_download_cache_and_fallback_to_pixabay(tmp_path: Path) -> None:
    catalog = {"volcano": [(1, 1920, 1080, 12.0), (2, 1080, 1920, 8.0)], "lava": [(3, 1080, 1920, 2.0)]}
    with PexelsFake(catalog, api_key="pk") as pexels, PixabayFake({"ash": [(9, 1080, 1920, 9.0)]}, "xk") as pixabay:
        cfg = VisualsConfig(
            source="pexels",
            pexels_api_key="pk",
            pixabay_api_key="xk",
            pexels_base_url=pexels.url,
            pixabay_base_url=pixabay.url,
        )
        s = script(("Volcano.", ["volcano"]), ("Volcano again.", ["volcano"]), ("Ash.", ["ash"]))
        sources, _ = build_sources(cfg, None)
        out = await choose_visuals(s, [5, 5, 5], "9:16", sources, tmp_path / "cache")
        assert [v.source for v in out] == ["pexels", "pexels", "pixabay"]
        assert "pexels 2" in out[0].detail  # portrait, long enough
        assert "pexels 1" in out[1].detail  # a different video for the second scene
        assert out[2].fallback_reason and "nothing matched" in out[2].fallback_reason
        assert all(v.path.is_file() for v in out)
        assert pexels.downloads == 2 and pixabay.downloads == 1
        sources, _ = build_sources(cfg, None)
        await choose_visuals(script(("Volcano.", ["volcano"])), [5], "9:16", sources, tmp_path / "cache")
        assert pexels.downloads == 2  # cached file reused
        assert pexels.server.seen("GET", "/videos/search")[0].headers["authorization"] == "pk"


async def test_rate_limit_and_wrong_key_are_recorded_fallbacks(tmp_path: Path) -> None:
    with PexelsFake({"volcano": [(1, 1080, 1920, 9.0)]}, api_key="pk") as pexels:
        pexels.faults = [Fault(429, headers={"Retry-After": "0.05"})]
        cfg = VisualsConfig(source="pexels", pexels_api_key="pk", pexels_base_url=pexels.url, fallback=[])
        sources, _ = build_sources(cfg, None)
        out = await choose_visuals(script(("Volcano.", ["volcano"])), [4], "9:16", sources, tmp_path)
        assert out[0].source == "pexels"  # a short Retry-After is waited out once
        pexels.faults = [Fault(429, headers={"Retry-After": "60"})]
        sources, _ = build_sources(cfg, None)
        out = await choose_visuals(
            script(("Volcano.", ["volcano"]), ("More.", ["volcano"])), [4, 4], "9:16", sources, tmp_path
        )
        assert [v.source for v in out] == ["fallback", "fallback"]
        assert "rate limit" in out[1].fallback_reason
        bad = VisualsConfig(source="pexels", pexels_api_key="wrong", pexels_base_url=pexels.url, fallback=[])
        sources, _ = build_sources(bad, None)
        searches = len(pexels.server.seen("GET", "/videos/search"))
        out = await choose_visuals(
            script(("Volcano.", ["volcano"]), ("More.", ["volcano"])), [4, 4], "9:16", sources, tmp_path
        )
        assert all("refused the API key" in v.fallback_reason for v in out)
        assert len(pexels.server.seen("GET", "/videos/search")) == searches + 1  # not asked again


async def test_pixabay_wrong_key_and_missing_keys(tmp_path: Path) -> None:
    with PixabayFake({"x": [(1, 1080, 1920, 5.0)]}, api_key="xk") as pixabay:
        cfg = VisualsConfig(source="pixabay", pixabay_api_key="bad", pixabay_base_url=pixabay.url, fallback=[])
        sources, _ = build_sources(cfg, None)
        out = await choose_visuals(script(("X.", ["x"])), [4], "9:16", sources, tmp_path)
        assert out[0].source == "fallback" and "API key" in out[0].fallback_reason
    sources, notes = build_sources(VisualsConfig(source="pexels"), None)
    assert sources == [] and any("pexels_api_key" in n for n in notes)
    out = await choose_visuals(script(("X.", ["x"])), [4], "9:16", sources, tmp_path, notes=notes)
    assert "pexels_api_key" in out[0].fallback_reason


async def test_generate_source_with_continuity(tmp_path: Path, tiny_mp4: Path) -> None:
    seen: list[VideoRequest] = []

    async def generate(request: VideoRequest) -> VideoResult:
        seen.append(request)
        return VideoResult(
            path=tiny_mp4,
            width=64,
            height=64,
            fps=8,
            num_frames=8,
            duration_s=1,
            backend="procedural",
            cost=Cost(estimated_usd=0.0),
        )

    source = GenerateSource(generate, "procedural", continuity=True)
    s = Script(scenes=[ScriptScene(text="A", visual_prompt="red sky"), ScriptScene(text="B", visual_prompt="sea")])
    out = await choose_visuals(s, [3.0, 14.0], "9:16", [source], tmp_path)
    assert [v.source for v in out] == ["generate", "generate"]
    assert seen[0].prompt == "red sky" and seen[0].image is None and seen[0].aspect_ratio == "9:16"
    assert seen[1].image is not None and Path(seen[1].image).is_file()  # last frame of scene 1
    assert seen[1].duration_s == 10.0  # capped; the renderer slows/loops to fill


@pytest.mark.parametrize("aspect", ["16:9", "1:1"])
async def test_library_orientation_for_other_aspects(tmp_path: Path, aspect: str) -> None:
    lib = tmp_path / "m"
    still(lib / "cat_tall.jpg", 90, 160)
    still(lib / "cat_wide.jpg", 160, 90)
    still(lib / "cat_square.jpg", 100, 100)
    need = SceneNeed(index=0, scene=ScriptScene(text="cat", search_terms=["cat"]), duration_s=3, aspect_ratio=aspect)
    out = await LibrarySource(lib).find(need, tmp_path)
    assert out.path.name == {"16:9": "cat_wide.jpg", "1:1": "cat_square.jpg"}[aspect]
