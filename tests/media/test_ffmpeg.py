"""Running ffmpeg: reported errors raise with ffmpeg's reason; a crashed process is run again once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from reelforge.media import FfmpegError, ffmpeg_exe, probe, run_ffmpeg


def crashing_wrapper(tmp_path: Path, crashes: int) -> str:
    """An ffmpeg stand-in that dies with SIGSEGV ``crashes`` times, then runs the real binary."""
    counter = tmp_path / "count"
    counter.write_text("0")
    script = tmp_path / "ffmpeg-wrapper"
    script.write_text(f"""#!/bin/bash
n=$(cat {counter}); echo $((n + 1)) > {counter}
if [ "$n" -lt {crashes} ]; then kill -SEGV $$; fi
exec {ffmpeg_exe()} "$@"
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


ARGS = ["-f", "lavfi", "-i", "testsrc2=s=64x64:r=10:d=0.5", "-c:v", "libx264", "-pix_fmt", "yuv420p"]


async def test_crash_is_run_again(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    await run_ffmpeg([*ARGS, str(out)], exe=crashing_wrapper(tmp_path, crashes=1))
    assert probe(out).num_frames == 5
    assert (tmp_path / "count").read_text().strip() == "2"


async def test_repeated_crash_raises(tmp_path: Path) -> None:
    with pytest.raises(FfmpegError) as info:
        await run_ffmpeg([*ARGS, str(tmp_path / "out.mp4")], exe=crashing_wrapper(tmp_path, crashes=5))
    assert info.value.returncode in (-11, 139)
    assert (tmp_path / "count").read_text().strip() == "2"


async def test_reported_error_is_not_retried(tmp_path: Path) -> None:
    progress: list[float] = []
    with pytest.raises(FfmpegError) as info:
        await run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), str(tmp_path / "o.mp4")], on_progress=progress.append)
    assert "missing.mp4" in info.value.message and info.value.returncode not in (None, 0)
