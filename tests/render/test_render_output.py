"""End-to-end renders, asserted by probing the MP4 and sampling its frames."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from reelforge.render import (
    Captions,
    ClipVisual,
    ColorVisual,
    ImageVisual,
    Music,
    OutputSpec,
    Scene,
    Timeline,
    Transition,
    Word,
    render_timeline,
)

from .render_probes import ebur128, frames_at

SMALL = OutputSpec(width=360, height=640, fps=30, quality="draft")


def _words() -> list[Word]:
    return [Word(text="LEFTWORD", start_s=0.2, end_s=0.9), Word(text="RIGHTWORD", start_s=1.2, end_s=1.9)]


async def test_full_render_meets_platform_spec(media: dict[str, Path], tmp_path: Path) -> None:
    tl = Timeline(
        output=SMALL,
        scenes=[
            Scene(duration_s=1.5, visual=ClipVisual(path=media["clip60"])),
            Scene(
                duration_s=1.5,
                visual=ImageVisual(path=media["still"], kenburns="in"),
                transition=Transition(kind="fade", duration_s=0.4),
            ),
        ],
        narration=media["narration"],
        music=Music(path=media["music"], volume_db=-10),
        captions=Captions(words=_words(), mode="karaoke", style="bold", max_chars_per_line=22),
    )
    seen: list[float] = []
    res = await render_timeline(tl, tmp_path / "out.mp4", on_progress=lambda f, m: seen.append(f))
    assert (res.width, res.height, res.fps, res.num_frames) == (360, 640, 30.0, 90)
    assert abs(res.duration_s - 3.0) < 0.04 and abs(res.audio_duration_s - res.duration_s) < 1 / 30
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with av.open(str(res.path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.codec_context.name == "h264" and v.codec_context.profile == "High"
        assert v.codec_context.format.name == "yuv420p"
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == 48000
        keys = [float(p.pts * p.time_base) for p in c.demux(v) if p.is_keyframe and p.pts is not None]
    assert max(np.diff([*keys, 3.0])) <= 2.0 + 1e-6
    data = res.path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "faststart: moov must precede mdat"
    lufs, tp = ebur128(res.path)
    assert abs(lufs + 14) <= 1.0 and tp <= -1.0 + 0.05
    assert res.thumbnail and res.thumbnail.stat().st_size > 0
    assert res.sidecar and '"num_frames": 90' in res.sidecar.read_text()
    assert res.srt and "LEFTWORD RIGHTWORD" in res.srt.read_text()
    assert res.vtt and res.vtt.read_text().startswith("WEBVTT")
    assert res.font == "Noto Sans" and res.encoder == "libx264"
    assert not list(tmp_path.glob(".*part*"))


async def test_karaoke_highlights_the_spoken_word(tmp_path: Path) -> None:
    tl = Timeline(
        output=SMALL,
        scenes=[Scene(duration_s=2.0, visual=ColorVisual(color="#202020"))],
        captions=Captions(words=_words(), mode="karaoke", style="bold"),
    )
    res = await render_timeline(tl, tmp_path / "k.mp4")
    first, second, after = frames_at(res.path, [0.5, 1.5, 0.1])

    def yellow_x(img: np.ndarray) -> float:
        band = img[int(640 * 0.6) :, :, :].astype(int)
        mask = (band[..., 0] > 200) & (band[..., 1] > 180) & (band[..., 2] < 90)
        assert mask.sum() > 20, "no highlighted word found"
        return float(np.nonzero(mask)[1].mean())

    assert yellow_x(first) < 160 < yellow_x(second)
    # white caption text sits in the bottom safe area, nothing is drawn before the first word
    white = (first[..., 0] > 220) & (first[..., 1] > 220) & (first[..., 2] > 220)
    rows = np.nonzero(white)[0]
    assert rows.size > 20 and 640 * 0.6 < rows.mean() < 640 * 0.85
    assert after.max() < 80


async def test_contain_mode_has_blurred_bands(media: dict[str, Path], tmp_path: Path) -> None:
    tl = Timeline(
        output=SMALL, scenes=[Scene(duration_s=0.5, visual=ClipVisual(path=media["clip10bit"]), fit="contain")]
    )
    res = await render_timeline(tl, tmp_path / "contain.mp4")
    (img,) = frames_at(res.path, [0.25])
    gray = img.astype(float).mean(axis=2)
    fg_h = round(360 * 150 / 200)
    top = gray[: (640 - fg_h) // 2 - 8]
    middle = gray[320 - fg_h // 4 : 320 + fg_h // 4]

    def detail(x: np.ndarray) -> float:
        return float(np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=0)).mean())

    assert top.mean() > 15, "band should be a blurred copy, not black"
    assert detail(top) * 3 < detail(middle), (detail(top), detail(middle))


async def test_transitions_land_on_time(tmp_path: Path) -> None:
    red, blue, green = (ColorVisual(color=c) for c in ("#FF0000", "#0000FF", "#00FF00"))
    tl = Timeline(
        output=OutputSpec(width=64, height=64, fps=25, quality="draft"),
        scenes=[
            Scene(duration_s=1.0, visual=red),
            Scene(duration_s=1.0, visual=blue, transition=Transition(kind="fade", duration_s=0.4)),
            Scene(duration_s=1.0, visual=green, transition=Transition(kind="cut")),
        ],
    )
    res = await render_timeline(tl, tmp_path / "tr.mp4")
    assert res.num_frames == 75 and not res.warnings
    mean = [f.reshape(-1, 3).mean(axis=0) for f in frames_at(res.path, [0.9, 1.2, 1.6, 1.96, 2.04])]
    assert mean[0][0] > 200 and mean[0][2] < 50  # red before the transition
    assert 60 < mean[1][0] < 200 and 60 < mean[1][2] < 200  # half way through the crossfade
    assert mean[2][2] > 200 and mean[2][0] < 50  # blue after it
    assert mean[3][2] > 200 and mean[4][1] > 200  # hard cut to green at 2.0 s


async def test_awkward_inputs_render_to_spec(media: dict[str, Path], tmp_path: Path) -> None:
    tl = Timeline(
        output=OutputSpec(width=160, height=160, fps=24, quality="draft"),
        scenes=[
            Scene(duration_s=0.5, visual=ClipVisual(path=media["rotated"]), fit="contain"),
            Scene(duration_s=0.5, visual=ClipVisual(path=media["clip10bit"])),
            Scene(duration_s=0.5, visual=ClipVisual(path=media["vfr"])),
            Scene(duration_s=3.0, visual=ClipVisual(path=media["clip60"], fill="loop")),
            Scene(duration_s=1.0, visual=ClipVisual(path=media["split"], fill="freeze")),
            Scene(duration_s=0.5, visual=ImageVisual(path=media["exif"], kenburns="none"), fit="contain"),
        ],
    )
    res = await render_timeline(tl, tmp_path / "awkward.mp4")
    assert (res.width, res.height, res.fps, res.num_frames) == (160, 160, 24.0, 144)
    rot, exif = frames_at(res.path, [0.25, 5.75])
    # display rotation 90 (counter-clockwise) puts the stored left (white) half at the bottom;
    # EXIF orientation 6 (clockwise) puts it on top
    top, bottom = (slice(10, 50), slice(70, 90)), (slice(115, 150), slice(70, 90))
    g = rot.astype(float).mean(axis=2)
    assert g[bottom].mean() > 180 and g[top].mean() < 60
    g = exif.astype(float).mean(axis=2)
    assert g[top].mean() > 180 and g[bottom].mean() < 60


async def test_long_timelines_stream_groups_into_one_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from reelforge.render import render as render_mod

    monkeypatch.setattr(render_mod, "GROUP_SCENES", 2)
    monkeypatch.setattr(render_mod, "SINGLE_PROCESS_MAX_SCENES", 2)
    colors = ["#FF0000", "#0000FF", "#00FF00", "#FFFFFF", "#000000"]
    scenes = [
        Scene(
            duration_s=1.0,
            visual=ColorVisual(color=c),
            transition=Transition(kind="fade", duration_s=0.4) if i else None,
        )
        for i, c in enumerate(colors)
    ]
    tl = Timeline(output=OutputSpec(width=64, height=64, fps=25, quality="draft"), scenes=scenes)
    res = await render_timeline(tl, tmp_path / "long.mp4")
    assert res.num_frames == 125 and abs(res.duration_s - 5.0) < 0.05
    mean = [f.reshape(-1, 3).mean(axis=0) for f in frames_at(res.path, [0.9, 1.2, 1.7, 2.2, 2.7, 3.7, 4.7])]
    assert mean[0][0] > 200 and 60 < mean[1][0] < 200 and mean[2][2] > 200  # red, crossfade, blue
    assert 60 < mean[3][1] < 200 and mean[4][1] > 200  # crossfade across the group boundary, green
    assert mean[5].min() > 200 and mean[6].max() < 50  # white, black


async def test_full_range_jpeg_becomes_limited_range_yuv420p(media: dict[str, Path], tmp_path: Path) -> None:
    tl = Timeline(output=SMALL, scenes=[Scene(duration_s=1.0, visual=ImageVisual(path=media["exif"]))])
    res = await render_timeline(tl, tmp_path / "jpeg.mp4")
    with av.open(str(res.path)) as c:
        cc = c.streams.video[0].codec_context
        assert cc.format.name == "yuv420p"  # not yuvj420p: levels converted, not just tagged
        frame = next(c.decode(video=0))
        luma = frame.to_ndarray()[: frame.height]  # yuv420p: the Y plane is the first `height` rows
    low, high = np.percentile(luma, [1, 99])  # percentiles: scaling may ring a little past the edges
    assert low >= 16 - 2 and high <= 235 + 2


@pytest.mark.parametrize("move", ["in", "out"])
async def test_kenburns_zoom_moves_smoothly(media: dict[str, Path], tmp_path: Path, move: str) -> None:
    tl = Timeline(output=SMALL, scenes=[Scene(duration_s=1.0, visual=ImageVisual(path=media["still"], kenburns=move))])
    res = await render_timeline(tl, tmp_path / f"{move}.mp4")
    assert (res.width, res.height, res.num_frames) == (360, 640, 30)
    first, mid, last = (f.astype(float) for f in frames_at(res.path, [0.0, 0.5, 29 / 30]))
    step = np.abs(mid - first).mean()
    assert step > 1.0 and np.abs(last - mid).mean() > 1.0  # the camera keeps moving
    # the zoom changes the centre of the frame too (a pan would only shift it)
    centre = (slice(240, 400), slice(120, 240))
    far = np.abs(last[centre] - first[centre]).mean()
    assert far > 0.5


async def test_the_thumbnail_is_the_frame_at_thumbnail_at_s(tmp_path: Path) -> None:
    scenes = [Scene(duration_s=1.0, visual=ColorVisual(color=c)) for c in ("#d01010", "#1010d0", "#10d010")]
    for at, channel in ((None, 2), (0.2, 0), (2.5, 1), (99.0, 1)):  # default: a third in (the blue scene)
        tl = Timeline(output=SMALL.model_copy(update={"thumbnail_at_s": at}), scenes=scenes)
        res = await render_timeline(tl, tmp_path / "t.mp4")
        assert res.thumbnail is not None
        with av.open(str(res.thumbnail)) as c:
            rgb = next(c.decode(video=0)).to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
        assert rgb.argmax() == channel and rgb[channel] > 150, (at, rgb)
        with av.open(str(res.path)) as c:  # the encode made it a key frame: the thumbnail decodes one frame
            v = c.streams.video[0]
            keys = {round(float(p.pts * p.time_base) * 30) for p in c.demux(v) if p.is_keyframe and p.pts is not None}
        assert round(min(at if at is not None else 1.0, 89 / 30) * 30) in keys
