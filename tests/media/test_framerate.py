"""Frame rates: every spelling read as one exact fraction; ffmpeg encodes what the helper says."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from reelforge.errors import InvalidRequest
from reelforge.media import ffmpeg_exe, probe
from reelforge.media.framerate import frame_count, frame_rate, rate_str


@pytest.mark.parametrize(
    ("given", "rate", "spelled"),
    [
        (30, Fraction(30), "30"),
        (24.0, Fraction(24), "24"),
        (12.5, Fraction(25, 2), "25/2"),
        (30000 / 1001, Fraction(30000, 1001), "30000/1001"),
        ("30000/1001", Fraction(30000, 1001), "30000/1001"),
        (" 24000/1001 ", Fraction(24000, 1001), "24000/1001"),
        ("25", Fraction(25), "25"),
        ("29.97", Fraction(2997, 100), "2997/100"),
        (29.97, Fraction(2997, 100), "2997/100"),
        (Fraction(60000, 1001), Fraction(60000, 1001), "60000/1001"),
    ],
)
def test_spellings_of_a_rate(given: float | str | Fraction, rate: Fraction, spelled: str) -> None:
    assert frame_rate(given) == rate
    assert rate_str(given) == spelled


@pytest.mark.parametrize("bad", ["", "fast", "30/0", "1/x", 0, -24.0, float("nan"), float("inf"), "-30"])
def test_unreadable_or_non_positive_rates_are_refused_naming_fps(bad: float | str) -> None:
    with pytest.raises(InvalidRequest) as info:
        frame_rate(bad)
    assert "fps" in info.value.problems


def test_frame_counts_snap_to_whole_frames() -> None:
    assert frame_count(2.0, 30) == 60
    assert frame_count(1.0, "30000/1001") == 30
    assert frame_count(60.0, 30000 / 1001) == 1798  # 1798.2
    assert frame_count(3.48, 12.5) == 44  # 43.5 as written, not as its binary expansion (43.4999...)
    assert frame_count(0.01, 24) == 0
    assert frame_count(-1.0, 24) == 0


def test_ffmpeg_writes_the_rate_as_spelled(tmp_path: Path) -> None:
    out = tmp_path / "ntsc.mp4"
    rate = rate_str(30000 / 1001)
    frames = frame_count(1.0, rate)
    subprocess.run(
        [
            ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"testsrc2=s=64x64:r={rate}",
            "-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-r", rate, str(out),
        ],
        check=True,
    )  # fmt: skip
    info = probe(out)
    assert info.num_frames == frames == 30
    assert info.fps == pytest.approx(30000 / 1001, abs=1e-3)
