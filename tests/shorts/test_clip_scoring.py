"""CLIP frame scoring on a tiny random CLIP built in code: scores per frame, clips and images, and the library's
pick follows them where the text cannot tell files apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from reelforge.shorts.models import ScriptScene
from reelforge.shorts.visuals.base import SceneNeed
from reelforge.shorts.visuals.clip import ClipScorer
from reelforge.shorts.visuals.library import LibrarySource
from reelforge.shorts.visuals.rank import LexicalRanker

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

VOCAB = [*"lowerstidnac", "lo", "l</w>", "w</w>", "r</w>", "t</w>", "s</w>", "e</w>", "low</w>", "er</w>", "cat</w>"]
VOCAB += ["sea</w>", "<unk>", "<|startoftext|>", "<|endoftext|>"]


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-clip")
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(VOCAB)}))
    (folder / "merges.txt").write_text("#version: 0.2\nl o\nlo w</w>\ne r</w>\n")
    tokenizer = transformers.CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    images = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    transformers.CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.CLIPConfig(
        text_config={"vocab_size": len(VOCAB), "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2,
                     "num_attention_heads": 4, "max_position_embeddings": 77},
        vision_config={"image_size": 32, "patch_size": 8, "hidden_size": 32, "intermediate_size": 37,
                       "num_hidden_layers": 2, "num_attention_heads": 4},
        projection_dim=16,
    )  # fmt: skip
    transformers.CLIPModel(config).save_pretrained(folder)
    return folder


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (90, 160), colour).save(path)
    return path


def test_frames_of_images_and_clips_get_scores(tiny_clip: Path, tmp_path: Path, tiny_mp4: Path) -> None:
    red, blue = picture(tmp_path / "a.png", (220, 30, 30)), picture(tmp_path / "b.png", (20, 30, 220))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"nope")
    scorer = ClipScorer(str(tiny_clip))
    frames = [(red, "image"), (blue, "image"), (tiny_mp4, "clip"), (broken, "clip")]
    scores = scorer.score_frames("a cat by the sea", frames)
    assert len(scores) == 4 and all(0.0 <= s <= 1.0 for s in scores)
    assert scores[3] == 0.0  # undecodable: never preferred
    assert scorer.score_frames("a cat by the sea", frames) == scores  # the same frames, the same scores


async def test_the_library_pick_follows_clip_where_text_ties(tiny_clip: Path, tmp_path: Path) -> None:
    lib = tmp_path / "media"
    colours = [(220, 30, 30), (20, 30, 220), (30, 200, 40)]
    files = [picture(lib / f"cat_{i}.png", c) for i, c in enumerate(colours)]
    scorer = ClipScorer(str(tiny_clip))
    seen = scorer.score_frames("A cat by the sea.", [(f, "image") for f in files])
    need = SceneNeed(index=0, scene=ScriptScene(text="A cat by the sea.", search_terms=["cat"]), duration_s=3,
                     aspect_ratio="9:16")  # fmt: skip
    source = LibrarySource(lib, ranker=LexicalRanker(), clip=scorer)
    chosen = await source.find(need, tmp_path)
    assert chosen is not None and chosen.ranker == "lexical+clip"
    assert chosen.path == files[max(range(3), key=seen.__getitem__)]
