"""Small media made with ffmpeg's lavfi sources, shared by the renderer tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from reelforge.media import ffmpeg_exe


def ff(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


X264 = ["-c:v", "libx264", "-preset", "ultrafast"]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("render-media")
    m = {
        k: d / v
        for k, v in {
            "clip60": "odd60.mp4",
            "clip10bit": "tenbit.mkv",
            "rotated": "rotated.mp4",
            "vfr": "vfr.mkv",
            "split": "split.mp4",
            "still": "still.png",
            "narration": "narration.wav",
            "music": "music.mp3",
            "garbage": "garbage.mp4",
            "truncated": "truncated.mp4",
            "audio_only": "audio_only.m4a",
            "empty_audio": "empty.wav",
            "bad_image": "image.heic",
            "exif": "exif.jpg",
        }.items()
    }
    ff("-f", "lavfi", "-i", "testsrc2=s=321x241:r=60:d=2", *X264, "-pix_fmt", "yuv444p", str(m["clip60"]))
    ff(
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=s=200x150:r=25",
        "-t",
        "1.2",
        *X264,
        "-pix_fmt",
        "yuv420p10le",
        str(m["clip10bit"]),
    )
    # left half white, right half black, stored rotated: displayed as top/bottom halves
    ff(
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=160x90:r=30:d=1",
        "-vf",
        "pad=320:90:0:0:black",
        *X264,
        "-pix_fmt",
        "yuv420p",
        str(d / "plain.mp4"),
    )
    ff("-display_rotation", "90", "-i", str(d / "plain.mp4"), "-c", "copy", str(m["rotated"]))
    ff(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=256x144:r=30:d=1.5",
        "-vf",
        "setpts='PTS+0.02*sin(N)/TB'",
        "-fps_mode",
        "vfr",
        *X264,
        "-pix_fmt",
        "yuv420p",
        str(m["vfr"]),
    )
    ff(
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=320x90:r=30:d=1",
        "-vf",
        "pad=320:180:0:0:black",
        *X264,
        "-pix_fmt",
        "yuv420p",
        str(m["split"]),
    )
    ff("-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1", str(m["still"]))
    ff(
        "-f",
        "lavfi",
        "-i",
        "sine=f=300:d=3,volume='if(lt(mod(t,1),0.7),0.5,0)':eval=frame",
        "-ar",
        "22050",
        str(m["narration"]),
    )
    ff("-f", "lavfi", "-i", "aevalsrc='0.3*sin(2*PI*220*t)|0.3*sin(2*PI*330*t)':d=1.3", str(m["music"]))
    ff("-f", "lavfi", "-i", "sine=f=440:d=2", "-c:a", "aac", str(m["audio_only"]))
    ff("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-frames:a", "0", str(m["empty_audio"]))
    m["garbage"].write_bytes(np.random.default_rng(1).integers(0, 255, 20000, dtype=np.uint8).tobytes())
    full = d / "full.mp4"
    ff("-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=2", *X264, str(full))
    data = full.read_bytes()
    m["truncated"].write_bytes(data[: len(data) // 3])
    m["bad_image"].write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(200))
    from PIL import Image

    img = Image.new("RGB", (200, 100), "black")
    img.paste((255, 255, 255), (0, 0, 100, 100))  # white left half as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    img.save(m["exif"], exif=exif)
    return m
