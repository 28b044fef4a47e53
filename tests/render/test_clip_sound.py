"""A clip's own sound under the narration (``ClipVisual.sound_db``): off by default, ducked when on."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from reelforge.media import ffmpeg_exe, probe
from reelforge.render import ClipVisual, ColorVisual, OutputSpec, Scene, Timeline, Transition, render_timeline

from .conftest import X264, ff
from .render_probes import ebur128

OUT = OutputSpec(width=160, height=284, fps=10, quality="draft")
TONE_HZ = 1000  # the clip's own sound; the narration speaks at 300 Hz


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clip-sound")
    toned, mute, narration = d / "toned.mp4", d / "mute.mp4", d / "narration.wav"
    # 1.6 s of picture and tone: looped to fill the 3 s scene
    ff("-f", "lavfi", "-i", "testsrc2=s=160x284:r=10:d=1.6", "-f", "lavfi", "-i", f"sine=f={TONE_HZ}:d=1.6",
       *X264, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(toned))  # fmt: skip
    ff("-f", "lavfi", "-i", "testsrc2=s=160x284:r=10:d=1.6", *X264, "-pix_fmt", "yuv420p", str(mute))
    # narration: 300 Hz for the first 1.5 s, then silence
    ff("-f", "lavfi", "-i", "aevalsrc='0.4*sin(2*PI*300*t)*lt(t,1.5)':d=3:s=24000", str(narration))
    return {"toned": toned, "mute": mute, "narration": narration}


def _timeline(clip: Path, narration: Path, sound_db: float | None) -> Timeline:
    return Timeline(
        output=OUT,
        scenes=[
            Scene(duration_s=3.0, visual=ClipVisual(path=clip, fill="loop", sound_db=sound_db)),
            Scene(duration_s=1.0, visual=ColorVisual(), transition=Transition(kind="fade", duration_s=0.3)),
        ],
        narration=narration,
    )


def tone_db(path: Path, start: float, end: float) -> float:
    """Mean level (dB) of ``path``'s audio between ``start`` and ``end`` s, through a narrow band around the tone."""
    band = f"bandpass=f={TONE_HZ}:width_type=q:w=8"
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
         "-af", f"atrim={start}:{end},{band},{band},volumedetect", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    found = re.search(r"mean_volume:\s+(-?[\d.]+|-inf) dB", out)
    assert found, out[-800:]
    return float(found.group(1)) if found.group(1) != "-inf" else -np.inf


async def test_the_clips_sound_plays_under_the_narration_only_when_asked(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    off = await render_timeline(_timeline(clips["toned"], clips["narration"], None), tmp_path / "off.mp4")
    on = await render_timeline(_timeline(clips["toned"], clips["narration"], -6.0), tmp_path / "on.mp4")
    for res in (off, on):
        p = probe(res.path)
        assert (p.width, p.height, p.has_audio) == (160, 284, True)
        assert abs(p.video_duration_s - 4.0) < 0.11 and abs(p.audio_duration_s - 4.0) < 0.11
    assert tone_db(off.path, 1.8, 2.8) < -60  # dropped, as before the switch existed
    alone = tone_db(on.path, 1.8, 2.8)  # looped past the clip's 1.6 s, no narration over it
    assert alone > -40
    assert tone_db(on.path, 0.3, 1.2) < alone - 6  # ducked while the narration speaks
    assert tone_db(on.path, 3.5, 3.95) < -60  # gone with its picture
    lufs, tp = ebur128(on.path)
    assert abs(lufs - OUT.loudness_lufs) <= 1.0 and tp <= OUT.true_peak_db
    assert on.loudness_lufs is not None and abs(on.loudness_lufs - lufs) < 0.2


async def test_a_clip_without_sound_renders_and_says_so(clips: dict[str, Path], tmp_path: Path) -> None:
    res = await render_timeline(_timeline(clips["mute"], clips["narration"], 0.0), tmp_path / "mute.mp4")
    p = probe(res.path)
    assert p.has_audio and abs(p.video_duration_s - 4.0) < 0.11
    assert any("has no audio stream; sound_db ignored" in w for w in res.warnings)


async def test_the_clips_sound_alone_is_normalised(clips: dict[str, Path], tmp_path: Path) -> None:
    tl = _timeline(clips["toned"], clips["narration"], 0.0).model_copy(update={"narration": None})
    res = await render_timeline(tl, tmp_path / "alone.mp4")
    lufs, tp = ebur128(res.path)
    assert abs(lufs - OUT.loudness_lufs) <= 1.0 and tp <= OUT.true_peak_db
    assert tone_db(res.path, 0.5, 2.5) > -40


async def test_long_timelines_keep_the_clips_sound_too(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reelforge.render import render as render_mod

    monkeypatch.setattr(render_mod, "SINGLE_PROCESS_MAX_SCENES", 1)  # scenes composed apart, audio in the encoder
    monkeypatch.setattr(render_mod, "GROUP_SCENES", 1)
    res = await render_timeline(_timeline(clips["toned"], clips["narration"], -6.0), tmp_path / "long.mp4")
    assert abs(probe(res.path).video_duration_s - 4.0) < 0.11
    assert tone_db(res.path, 1.8, 2.8) > -40 and tone_db(res.path, 3.5, 3.95) < -60


async def test_a_slowed_clip_slows_its_sound_with_its_picture(clips: dict[str, Path], tmp_path: Path) -> None:
    timeline = _timeline(clips["toned"], clips["narration"], -6.0)
    slowed = timeline.scenes[0].model_copy(
        update={"visual": ClipVisual(path=clips["toned"], fill="slow", sound_db=-6.0)}
    )
    timeline = timeline.model_copy(update={"scenes": [slowed, timeline.scenes[1]]})  # 1.6 s of clip over 3 s
    res = await render_timeline(timeline, tmp_path / "slow.mp4")
    assert abs(probe(res.path).audio_duration_s - 4.0) < 0.11
    assert tone_db(res.path, 2.0, 2.8) > -40  # past the clip's own 1.6 s: stretched, at its pitch
    assert tone_db(res.path, 3.5, 3.95) < -60  # and gone with its picture


def test_slowing_below_half_speed_takes_several_atempo_steps() -> None:
    from reelforge.render.audio import _tempo

    assert _tempo(1.0) == ""
    assert _tempo(0.8) == "atempo=0.800000,"
    steps = [float(x) for x in re.findall(r"atempo=([\d.]+)", _tempo(0.2))]
    assert all(0.5 <= t <= 1 for t in steps) and abs(np.prod(steps) - 0.2) < 1e-6
