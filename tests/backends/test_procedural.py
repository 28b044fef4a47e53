"""The procedural backend end to end: probe the files it writes, decode their frames."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelforge.backends.base import RunContext, RunOutput
from reelforge.backends.procedural import ProceduralBackend
from reelforge.backends.procedural_scenes import choose_scene, key_words
from reelforge.backends.registry import create_backend
from reelforge.errors import Cancelled, InvalidRequest
from reelforge.media import probe
from reelforge.media.fonts import find_font
from reelforge.types import CancelToken, VideoRequest


@pytest.fixture
def backend() -> ProceduralBackend:
    b = create_backend("procedural", {})
    assert isinstance(b, ProceduralBackend)
    return b


async def render(backend: ProceduralBackend, out: Path, **request: object) -> tuple[RunOutput, list[float]]:
    request.setdefault("duration_s", 1)
    request.setdefault("resolution", "160x90")
    plan = backend.validate(VideoRequest(**request))  # type: ignore[arg-type]
    seen: list[float] = []
    result = await backend.run(plan, RunContext(out_path=out, on_progress=lambda f, _m: seen.append(f)))
    return result, seen


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def frame_hashes(path: Path) -> list[str]:
    return [hashlib.sha256(f.tobytes()).hexdigest() for f in frames(path)]


def moov_before_mdat(path: Path) -> bool:
    data = path.read_bytes()
    pos, order = 0, []
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        order.append(data[pos + 4 : pos + 8])
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if size < 8:
            break
        pos += size
    return b"moov" in order and b"mdat" in order and order.index(b"moov") < order.index(b"mdat")


def test_describes_itself_honestly(backend: ProceduralBackend) -> None:
    assert backend.kind == "builtin"
    assert "not a generative model" in backend.description
    assert backend.operations() == {"text-to-video", "image-to-video"}
    assert backend.configured() == (True, None)
    assert backend.estimate_cost(backend.validate(VideoRequest(prompt="x y", seed=1))) == 0


@pytest.mark.parametrize(("size", "fps", "duration"), [("322x180", 30, 1.0), ("96x160", 12.5, 0.5)])
async def test_text_to_video_file_is_exactly_what_was_planned(
    backend: ProceduralBackend, tmp_path: Path, size: str, fps: float, duration: float
) -> None:
    out = tmp_path / "clip.mp4"
    result, progress = await render(
        backend, out, prompt="a paper boat on a rainy street", resolution=size, fps=fps, duration_s=duration, seed=7
    )
    info = probe(out, count_frames=True)
    w, h = (int(v) for v in size.split("x"))
    assert (info.width, info.height) == (w, h)
    assert info.fps == pytest.approx(fps, abs=0.01)
    assert info.num_frames == round(duration * fps) == len(frames(out))
    assert info.duration_s == pytest.approx(duration, abs=0.05)
    assert (info.video_codec, info.profile, info.pix_fmt) == ("h264", "High", "yuv420p")
    assert moov_before_mdat(out)
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert result.seed == 7 and result.billable is False and result.actual_usd == 0.0
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


async def test_same_seed_same_frames_other_seed_or_prompt_differs(backend: ProceduralBackend, tmp_path: Path) -> None:
    a, b, c, d = (tmp_path / f"{n}.mp4" for n in "abcd")
    await render(backend, a, prompt="golden sunset over the ocean", seed=11)
    await render(backend, b, prompt="golden sunset over the ocean", seed=11)
    await render(backend, c, prompt="golden sunset over the ocean", seed=12)
    await render(backend, d, prompt="a robot dancing in a neon city", seed=11)
    ha = frame_hashes(a)
    assert ha == frame_hashes(b)
    assert ha != frame_hashes(c)
    assert ha != frame_hashes(d)


async def test_frames_move_over_time(backend: ProceduralBackend, tmp_path: Path) -> None:
    out = tmp_path / "m.mp4"
    await render(backend, out, prompt="bubbles rising in blue water", seed=3, duration_s=1.5)
    fs = frames(out)
    first, mid, last = fs[0].astype(int), fs[len(fs) // 2].astype(int), fs[-1].astype(int)
    assert np.abs(first - last).mean() > 2
    assert np.abs(first - mid).mean() > 1


async def test_no_seed_means_a_random_seed_that_is_reported(backend: ProceduralBackend, tmp_path: Path) -> None:
    r1, _ = await render(backend, tmp_path / "1.mp4", prompt="storm clouds", duration_s=0.5)
    r2, _ = await render(backend, tmp_path / "2.mp4", prompt="storm clouds", duration_s=0.5)
    s1, s2 = r1.seed, r2.seed
    assert isinstance(s1, int) and isinstance(s2, int) and s1 != s2
    await render(backend, tmp_path / "3.mp4", prompt="storm clouds", duration_s=0.5, seed=s1)
    assert frame_hashes(tmp_path / "3.mp4") == frame_hashes(tmp_path / "1.mp4")


def test_prompt_drives_the_scene() -> None:
    assert key_words("a paper boat on a rainy street") == ["paper", "boat", "rainy", "street"]
    assert key_words("The the THE of and") == []
    scene = choose_scene("a red and blue paper boat", seed=1, duration_s=5)
    assert scene.palette[:2] == ((214, 40, 40), (40, 90, 210))
    assert choose_scene("rain over the city", 1, 5).motion == "fall"
    assert choose_scene("planets orbit the sun", 1, 5).motion == "orbit"
    assert choose_scene("x y z words", 5, 5) == choose_scene("x y z words", 5, 5)


def test_font_lookup_finds_a_font_per_script() -> None:
    latin = find_font("BOAT")
    assert latin is not None and latin.name == "NotoSans-Bold.ttf"
    arabic = find_font("الشمس")
    assert arabic is not None and "Arabic" in arabic.name
    assert find_font("\U0001fabf\U0001fabf", bundled_dir=Path("/nonexistent")) in (None, find_font("\U0001fabf"))


async def test_words_without_a_font_are_reported(
    backend: ProceduralBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reelforge.backends.procedural.find_font", lambda text="": None)
    result, _ = await render(backend, tmp_path / "t.mp4", prompt="quiet mountain lake", seed=2)
    assert any("without" in w for w in result.warnings)
    assert probe(tmp_path / "t.mp4").num_frames == 24


def _png(size: tuple[int, int]) -> bytes:
    im = Image.new("RGB", size, (255, 0, 0))
    im.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


async def test_image_to_video_ken_burns_over_a_png(backend: ProceduralBackend, tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    src.write_bytes(_png((300, 200)))
    out = tmp_path / "kb.mp4"
    result, progress = await render(backend, out, image=str(src), resolution="200x112", seed=4, fps=24)
    info = probe(out)
    assert (info.width, info.height, info.num_frames, info.profile) == (200, 112, 24, "High")
    fs = frames(out)
    assert np.abs(fs[0].astype(int) - fs[-1].astype(int)).mean() > 1  # the camera moved
    left, right = fs[0][56, 10], fs[0][56, 190]
    assert left[0] > 200 > left[2] and right[2] > 200 > right[0]  # cover-fit, not stretched or flipped
    assert result.seed == 4 and progress[-1] == 1.0
    again = tmp_path / "kb2.mp4"
    await render(backend, again, image=str(src), resolution="200x112", seed=4, fps=24)
    assert frame_hashes(again) == frame_hashes(out)


async def test_image_to_video_covers_the_frame_without_stretching(backend: ProceduralBackend, tmp_path: Path) -> None:
    im = Image.new("RGB", (200, 200), (128, 128, 128))
    im.paste((0, 255, 0), (0, 0, 200, 30))  # green bands in the top and bottom 15%: a 16:9 cover-fit crops them
    im.paste((0, 255, 0), (0, 170, 200, 200))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    for seed in range(3):
        out = tmp_path / f"c{seed}.mp4"
        await render(backend, out, image=buf.getvalue(), resolution="160x90", seed=seed)
        for f in frames(out):
            assert f[:, :, 1].max() < 200, "a stretched still would show the green bands"


def _rotated_jpeg() -> bytes:
    im = Image.new("RGB", (400, 200), (255, 0, 0))
    im.paste((0, 0, 255), (200, 0, 400, 200))  # stored: red left, blue right
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise: red on top, blue below
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_portrait_phone_photo_gives_a_portrait_plan(backend: ProceduralBackend) -> None:
    plan = backend.validate(VideoRequest(image=_rotated_jpeg(), resolution="480p"))
    assert (plan.aspect_ratio, plan.width, plan.height) == ("9:16", 480, 854)


async def test_image_to_video_applies_exif_orientation(backend: ProceduralBackend, tmp_path: Path) -> None:
    out = tmp_path / "rot.mp4"
    await render(backend, out, image=_rotated_jpeg(), resolution="90x180", seed=1)
    f = frames(out)[0]
    assert f[15, 45][0] > 200 and f[15, 45][2] < 60
    assert f[165, 45][2] > 200 and f[165, 45][0] < 60


@pytest.mark.parametrize("bad", [b"this is not an image", _png((40, 40))[:60]])
def test_bad_image_is_refused_naming_the_field(backend: ProceduralBackend, bad: bytes) -> None:
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(image=bad, seed=1))
    assert "image" in err.value.problems


def test_bad_requests_list_every_problem(backend: ProceduralBackend) -> None:
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 2001, fps=500, resolution="5000x100"))
    assert {"prompt", "fps", "resolution"} <= set(err.value.problems)
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="  "))
    assert "prompt" in err.value.problems
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(image="https://example.com/a.png"))
    assert "offline" in err.value.problems["image"]
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="boat", duration_s=2000))
    assert "duration_s" in err.value.problems


def test_limits_snap_with_warnings(backend: ProceduralBackend) -> None:
    plan = backend.validate(VideoRequest(prompt="boat", resolution="321x181", duration_s=700, negative_prompt="x"))
    assert abs(plan.width - 321) == 1 and abs(plan.height - 181) == 1 and plan.duration_s == 600
    assert plan.width % 2 == 0 and plan.height % 2 == 0
    assert len(plan.warnings) == 3


async def test_cancel_mid_render_leaves_no_file(backend: ProceduralBackend, tmp_path: Path) -> None:
    plan = backend.validate(VideoRequest(prompt="long slow drift", resolution="320x180", duration_s=120, seed=1))
    token = CancelToken()
    out = tmp_path / "cancelled.mp4"

    def on_progress(fraction: float, _msg: str) -> None:
        if fraction > 0:
            token.cancel()

    task = asyncio.create_task(backend.run(plan, RunContext(out_path=out, on_progress=on_progress, cancel=token)))
    with pytest.raises(Cancelled):
        await asyncio.wait_for(task, timeout=60)
    assert list(tmp_path.iterdir()) == []


async def test_already_cancelled_never_starts(backend: ProceduralBackend, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    plan = backend.validate(VideoRequest(prompt="boat", seed=1))
    with pytest.raises(Cancelled):
        await backend.run(plan, RunContext(out_path=tmp_path / "x.mp4", cancel=token))
    assert list(tmp_path.iterdir()) == []


async def test_through_the_engine_the_random_seed_is_reported_and_an_explicit_one_cached(data_dir: Path) -> None:
    from reelforge.config import Config
    from reelforge.generation import Engine

    engine = Engine(Config.from_dict({"data_dir": str(data_dir)}))
    try:
        request = VideoRequest(prompt="lanterns over a river", resolution="160x90", duration_s=0.5)
        result = await engine.generate(request)
        assert result.backend == "procedural" and isinstance(result.seed, int) and not result.cached
        assert (result.width, result.height, result.num_frames) == (160, 90, 12)
        again = request.model_copy(update={"seed": result.seed})
        first = await engine.generate(again)
        assert not first.cached and frame_hashes(first.path) == frame_hashes(result.path)
        hit = await engine.generate(again)
        assert hit.cached and hit.path == first.path
    finally:
        await engine.aclose()
