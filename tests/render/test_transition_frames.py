"""Only a transition's own frames are blended; the scenes around it run on frame by frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelforge.render import ClipVisual, ColorVisual, OutputSpec, Scene, Timeline, Transition, render_timeline

from .conftest import X264, ff


def _frames(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray").astype(float) for f in c.decode(video=0)]


async def test_each_transition_blends_exactly_its_frames_and_the_clip_runs_on(tmp_path: Path) -> None:
    ramp = tmp_path / "ramp.mp4"  # frame k of the clip has luma 16 + 8k: which frame is shown can be read back
    ff("-f", "lavfi", "-i", "nullsrc=s=64x64:r=10,geq=lum='16+8*N':cb=128:cr=128", "-t", "2.5",
       *X264, "-qp", "0", "-pix_fmt", "yuv420p", str(ramp))  # fmt: skip
    fade = Transition(kind="fade", duration_s=0.5)
    tl = Timeline(
        output=OutputSpec(width=64, height=64, fps=10, quality="draft"),
        scenes=[
            Scene(duration_s=1.0, visual=ColorVisual(color="#000000")),
            Scene(duration_s=2.0, visual=ClipVisual(path=ramp), transition=fade),
            Scene(duration_s=1.0, visual=ColorVisual(color="#FFFFFF"), transition=fade),
        ],
    )
    res = await render_timeline(tl, tmp_path / "t.mp4")
    assert res.num_frames == 40 and not res.warnings
    src = [f.mean() for f in _frames(ramp)]
    out = [f.mean() for f in _frames(res.path)]
    assert len(out) == 40
    assert max(out[:11]) < 2  # black until the first transition (whose first frame is all black)
    for k in range(1, 5):  # black -> the clip's frames 1..4: blends, darker than the clip, darkening less
        assert 0 < out[10 + k] < src[k] and out[10 + k] - out[9 + k] > 0, (k, out[10 + k], src[k])
    for k in range(5, 20):  # then the clip itself, frame for frame, at the same place in its own time
        assert abs(out[10 + k] - src[k]) < 2, (k, out[10 + k], src[k])
    for k in range(21, 25):  # the clip's frames 21..24 -> white: lighter than the clip alone
        assert src[k] + 2 < out[10 + k] < 255, (k, out[10 + k], src[k])
    assert min(out[35:]) > 250  # white after it
