"""The colours behind the caption band, measured on a small decode of the picture."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from reelforge.render.backdrop import _draft_size, scene_backdrops
from reelforge.render.timeline import ImageVisual


def test_a_jpeg_is_decoded_only_as_large_as_the_sample_needs() -> None:
    assert _draft_size((720, 1280), (1080, 1920)) == (270, 480)  # same aspect: the sample's own size
    assert _draft_size((4000, 3000), (1080, 1920)) == (640, 480)  # landscape in portrait: the crop holds 480 rows
    assert _draft_size((100, 100), (1080, 1920)) == (100, 100)  # never larger than the picture


def test_a_large_photo_gives_the_colours_of_its_band(tmp_path: Path) -> None:
    img = Image.new("RGB", (3000, 4000), (20, 20, 20))
    img.paste((240, 240, 200), (0, 3000, 3000, 4000))  # a light lower quarter: where bottom captions sit
    path = tmp_path / "big.jpg"
    img.save(path, quality=92)
    dark, light = scene_backdrops(ImageVisual(path=path), (1080, 1920), (0.78, 0.95), 5.0)
    for end in (dark, light):  # the whole band is the light part
        assert all(abs(a - b) < 6 for a, b in zip(end, (240, 240, 200), strict=True))
