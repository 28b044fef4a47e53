"""Visuals that match the narration: semantic ranking against synonyms and distractors, the score floor that
passes a scene on to the next source, runner-ups, no reuse, and undecodable library files named."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PIL import Image

from reelforge.shorts.config import VisualsConfig
from reelforge.shorts.models import Script, ScriptScene
from reelforge.shorts.visuals import build_sources, choose_visuals
from reelforge.shorts.visuals.base import SceneNeed
from reelforge.shorts.visuals.generate import GenerateSource
from reelforge.shorts.visuals.library import LibrarySource
from reelforge.shorts.visuals.pexels import PexelsSource
from reelforge.shorts.visuals.pixabay import PixabaySource
from reelforge.shorts.visuals.rank import LexicalRanker, SemanticRanker, packaged_model_path
from reelforge.types import Cost, VideoRequest, VideoResult

semantic = pytest.mark.skipif(packaged_model_path() is None, reason="needs reelforge[semantic]")


def still(path: Path, w: int = 90, h: int = 160) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (w, h), (40, 90, 120)).save(path)
    return path


def library(root: Path) -> Path:
    """Synonyms of what is said, and distractors that share its words but not its meaning."""
    for name in (
        "surf_breaking_on_shore.jpg",  # "ocean waves"
        "crowd_waves_at_concert.jpg",  # shares "waves"
        "ocean_liner_engine_room.jpg",  # shares "ocean"
        "honeybee_on_lavender.jpg",  # "bees"
        "spelling_bee_contest.jpg",  # shares "bee"
        "volcano_erupting_at_night.jpg",
    ):
        still(root / name)
    return root


def need(text: str, terms: list[str], index: int = 0, used: set[str] | None = None) -> SceneNeed:
    scene = ScriptScene(text=text, search_terms=terms)
    return SceneNeed(index=index, scene=scene, duration_s=3, aspect_ratio="9:16", used=used or set())


@semantic
async def test_semantic_ranking_finds_synonyms_where_lexical_takes_a_distractor(tmp_path: Path) -> None:
    lib = library(tmp_path / "media")
    waves = need("Waves roll onto the beach all day long.", ["ocean waves"])
    lexical = await LibrarySource(lib, ranker=LexicalRanker()).find(waves, tmp_path)
    assert lexical is not None and lexical.path.name != "surf_breaking_on_shore.jpg"  # a word in common wins
    chosen = await LibrarySource(lib, ranker=SemanticRanker()).find(waves, tmp_path)
    assert chosen is not None and chosen.path.name == "surf_breaking_on_shore.jpg"
    assert chosen.ranker == "semantic" and chosen.score is not None and chosen.score > 0.4
    assert chosen.runner_up is not None and chosen.runner_up_score is not None
    assert chosen.runner_up_score <= chosen.score and chosen.runner_up != chosen.path.name
    bees = need("The hive buzzes as workers gather nectar from flowers.", ["bees collecting pollen"])
    picked = await LibrarySource(lib, ranker=SemanticRanker()).find(bees, tmp_path)
    assert picked is not None and picked.path.name == "honeybee_on_lavender.jpg"


@semantic
async def test_below_the_floor_the_scene_moves_to_the_next_source_and_files_are_not_reused(tmp_path: Path) -> None:
    lib = library(tmp_path / "media")
    still(lib / "big_breakers_rolling_onto_the_beach.jpg")
    asked: list[VideoRequest] = []
    clip = tmp_path / "gen.mp4"
    clip.write_bytes(b"clip")

    async def generate(req: VideoRequest) -> VideoResult:
        asked.append(req)
        return VideoResult(
            path=clip, backend="procedural", model=None, width=90, height=160, fps=24, duration_s=3, num_frames=72,
            seed=1, cost=Cost(estimated_usd=0.0), request=req,
        )  # fmt: skip

    library_source = LibrarySource(lib, ranker=SemanticRanker(), min_score=0.35)
    s = Script(
        scenes=[
            ScriptScene(text="Surf pounds the sand.", search_terms=["ocean waves"]),
            ScriptScene(text="The sea keeps crashing in.", search_terms=["ocean waves"]),
            ScriptScene(text="A tax form waits on the desk.", search_terms=["tax paperwork"]),
        ]
    )
    warnings: list[str] = []
    out = await choose_visuals(
        s, [3, 3, 3], "9:16", [library_source, GenerateSource(generate)], tmp_path, warnings=warnings
    )
    assert out[0].path is not None and out[0].path.name == "surf_breaking_on_shore.jpg"
    assert out[1].source == "library" and out[1].path != out[0].path  # not shown twice while another fits
    assert out[2].source == "generate" and "scoring 0.35 or more" in (out[2].fallback_reason or "")
    assert [r.prompt for r in asked] == ["tax paperwork"]


async def test_undecodable_library_files_are_named_in_the_warnings(tmp_path: Path) -> None:
    lib = tmp_path / "media"
    still(lib / "cat_on_sofa.jpg")
    (lib / "broken_kitten.jpg").write_bytes(b"not a jpeg at all")
    (lib / "clips").mkdir()
    (lib / "clips" / "truncated_cat.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")
    s = Script(scenes=[ScriptScene(text="A cat naps.", search_terms=["cat"])])
    warnings: list[str] = []
    sources, _ = build_sources(VisualsConfig(source="library", library=lib), None)
    out = await choose_visuals(s, [3], "9:16", sources, tmp_path / "cache", warnings=warnings)
    assert out[0].path is not None and out[0].path.name == "cat_on_sofa.jpg"
    named = " ".join(warnings)
    assert "broken_kitten.jpg" in named and "truncated_cat.mp4" in named and "cannot be decoded" in named


async def test_lexical_ranking_scores_and_floor(tmp_path: Path) -> None:
    lib = library(tmp_path / "media")
    source = LibrarySource(lib, ranker=LexicalRanker())
    chosen = await source.find(need("A volcano erupts.", ["volcano"]), tmp_path)
    assert chosen is not None and chosen.path.name == "volcano_erupting_at_night.jpg" and chosen.ranker == "lexical"
    assert chosen.score is not None and 0 < chosen.score <= 1
    assert await source.find(need("Nothing of the kind.", ["zebra"]), tmp_path) is None
    strict = LibrarySource(lib, ranker=LexicalRanker(), min_score=0.9)
    assert await strict.find(need("A volcano erupts.", ["volcano", "lava"]), tmp_path) is None


def stock_transport(
    pexels: list[dict], pixabay: list[dict], photos: list[dict] | None = None, images: list[dict] | None = None
) -> httpx.MockTransport:
    """Pexels and Pixabay answers as their APIs give them (page slugs, tags, alt text), and a download route."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/videos/search":
            return httpx.Response(200, json={"videos": pexels})
        if request.url.path == "/v1/search":
            return httpx.Response(200, json={"photos": photos or []})
        if request.url.path == "/api/videos/":
            return httpx.Response(200, json={"hits": pixabay})
        if request.url.path == "/api/":
            assert request.url.params["image_type"] == "photo"
            return httpx.Response(200, json={"hits": images or []})
        return httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42")

    return httpx.MockTransport(handle)


def pexels_video(vid: int, slug: str) -> dict:
    file = {"id": vid * 10, "file_type": "video/mp4", "width": 1080, "height": 1920, "link": f"http://x/f/{vid}.mp4"}
    return {"id": vid, "url": f"https://www.pexels.com/video/{slug}-{vid}/", "duration": 9, "video_files": [file]}


def pixabay_hit(vid: int, tags: str) -> dict:
    video = {"url": f"http://x/p/{vid}.mp4", "width": 1080, "height": 1920}
    return {"id": vid, "tags": tags, "pageURL": f"https://pixabay.com/videos/id-{vid}/", "duration": 9,
            "user": "someone", "videos": {"large": video}}  # fmt: skip


@semantic
async def test_stock_results_are_ranked_by_their_slugs_and_tags(tmp_path: Path) -> None:
    transport = stock_transport(
        [pexels_video(11, "crowd-waves-at-a-concert"), pexels_video(12, "surf-breaking-on-the-shore")],
        [pixabay_hit(21, "concert, crowd, waves"), pixabay_hit(22, "tax, paperwork, desk")],
    )
    waves = need("Waves roll onto the beach all day long.", ["ocean waves"])
    pexels = PexelsSource("key", "http://pexels.test", transport=transport, ranker=SemanticRanker())
    try:
        chosen = await pexels.find(waves, tmp_path)
    finally:
        await pexels.aclose()
    assert chosen is not None and "pexels 12" in chosen.detail and chosen.runner_up == "pexels 11"
    assert chosen.score is not None and chosen.runner_up_score is not None and chosen.score > chosen.runner_up_score
    pixabay = PixabaySource("key", "http://pixabay.test", transport=transport, ranker=SemanticRanker())
    try:
        assert await pixabay.find(need("Surf at dawn.", ["ocean surf"]), tmp_path) is None  # nothing scores enough
    finally:
        await pixabay.aclose()


@semantic
async def test_photos_are_the_second_try_when_no_video_fits(tmp_path: Path) -> None:
    photo = {
        "id": 31,
        "width": 1080,
        "height": 1920,
        "alt": "Surf breaking on a sandy shore",
        "url": "https://www.pexels.com/photo/surf-31/",
        "photographer": "Ann",
        "src": {"large2x": "http://x/31.jpg"},
    }
    image = {
        "id": 41,
        "imageWidth": 1080,
        "imageHeight": 1920,
        "tags": "ocean, surf, waves, beach",
        "pageURL": "https://pixabay.com/photos/surf-beach-41/",
        "largeImageURL": "http://x/41.jpg",
        "user": "bo",
    }
    transport = stock_transport(
        [pexels_video(11, "tax-paperwork-on-a-desk")], [pixabay_hit(21, "tax, paperwork")], [photo], [image]
    )  # fmt: skip
    waves = need("Waves roll onto the beach all day long.", ["ocean waves"])
    pexels = PexelsSource("key", "http://pexels.test", transport=transport, ranker=SemanticRanker())
    pixabay = PixabaySource("key", "http://pixabay.test", transport=transport, ranker=SemanticRanker())
    try:
        from_pexels = await pexels.find(waves, tmp_path)
        from_pixabay = await pixabay.find(need("Surf at dawn.", ["ocean waves"], index=1), tmp_path)
    finally:
        await pexels.aclose()
        await pixabay.aclose()
    assert from_pexels is not None and from_pexels.kind == "image" and "pexels photo 31" in from_pexels.detail
    assert from_pexels.path is not None and from_pexels.path.suffix == ".jpg" and from_pexels.path.is_file()
    assert from_pixabay is not None and from_pixabay.kind == "image" and "pixabay photo 41" in from_pixabay.detail
    assert (from_pixabay.score or 0) > 0.3
