"""Audio: narration, music looped/faded/ducked under it, two-pass loudness normalisation.

The first loudnorm pass runs on the audio graph alone (seconds, no video decoded); the video
pass then applies the measured, linear gain inside the same filtergraph as the pictures.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..media import ProbeResult, run_ffmpeg
from ..types import CancelToken
from .graph import Graph
from .timeline import Timeline

SR = 48000
_FMT = f"aresample={SR},aformat=sample_fmts=fltp:sample_rates={SR}:channel_layouts=stereo"


@dataclass(frozen=True)
class Loudness:
    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


def mix_chain(g: Graph, timeline: Timeline, narration: ProbeResult | None, music: ProbeResult | None) -> str:
    """Add the narration + music mix to ``g``; return its label (silence when there is neither)."""
    samples = round(timeline.duration_s * SR)
    t = timeline.duration_s
    narr = mus = None
    if narration is not None:
        k = g.input("-i", str(narration.path))
        narr = g.add(
            f"{k}:a",
            f"{_FMT},volume={timeline.narration_volume_db:g}dB,apad=whole_len={samples},atrim=end_sample={samples}",
        )
    if music is not None and timeline.music is not None:
        m = timeline.music
        opts = ["-stream_loop", "-1"]
        if m.start_s > 0:
            opts += ["-ss", f"{m.start_s:.3f}"]
        k = g.input(*opts, "-i", str(music.path))
        fade_in = min(m.fade_in_s, t / 2)
        fade_out = min(m.fade_out_s, t / 2)
        chain = f"{_FMT},atrim=end_sample={samples},asetpts=N/SR/TB,volume={m.volume_db:g}dB"
        if fade_in > 0:
            chain += f",afade=t=in:d={fade_in:.3f}"
        if fade_out > 0:
            chain += f",afade=t=out:st={t - fade_out:.3f}:d={fade_out:.3f}"
        mus = g.add(f"{k}:a", chain + f",apad=whole_len={samples}")
        if narr is not None and m.duck:
            n1, sc = g.label("narr"), g.label("sc")
            g.chains.append(f"[{narr}]asplit=2[{n1}][{sc}]")
            narr = n1
            mus = g.add([mus, sc], "sidechaincompress=threshold=0.03:ratio=10:attack=15:release=400:makeup=1")
    if narr is not None and mus is not None:
        return g.add([narr, mus], f"amix=inputs=2:duration=first:normalize=0,atrim=end_sample={samples}")
    if narr is not None or mus is not None:
        return narr or mus  # type: ignore[return-value]
    return g.add([], f"anullsrc=r={SR}:cl=stereo,atrim=end_sample={samples}")


def has_sound(timeline: Timeline) -> bool:
    return timeline.narration is not None or timeline.music is not None


def normalize_chain(g: Graph, src: str, timeline: Timeline, measured: Loudness | None) -> str:
    samples = round(timeline.duration_s * SR)
    out = timeline.output
    if measured is None or not math.isfinite(measured.input_i) or measured.input_i < -70:
        return g.add(src, f"atrim=end_sample={samples},asetpts=N/SR/TB")
    ln = (
        f"loudnorm=I={out.loudness_lufs:g}:TP={out.true_peak_db:g}:LRA=11:"
        f"measured_I={measured.input_i:.2f}:measured_TP={measured.input_tp:.2f}:"
        f"measured_LRA={measured.input_lra:.2f}:measured_thresh={measured.input_thresh:.2f}:"
        f"offset={measured.target_offset:.2f}:linear=true:print_format=none"
    )
    return g.add(src, f"{ln},aresample={SR},apad=whole_len={samples},atrim=end_sample={samples},asetpts=N/SR/TB")


def _parse(stderr: str) -> Loudness | None:
    blocks = re.findall(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr)
    if not blocks:
        return None
    d = json.loads(blocks[-1])

    def num(key: str) -> float:
        try:
            return float(d[key])
        except (KeyError, ValueError):
            return float("-inf")

    return Loudness(num("input_i"), num("input_tp"), num("input_lra"), num("input_thresh"), num("target_offset"))


async def measure(
    timeline: Timeline, narration: ProbeResult | None, music: ProbeResult | None, cancel: CancelToken | None = None
) -> Loudness | None:
    """First loudnorm pass over the audio mix alone; None when there is nothing to measure."""
    if narration is None and music is None:
        return None
    g = Graph()
    mix = mix_chain(g, timeline, narration, music)
    out = timeline.output
    g.add(mix, f"loudnorm=I={out.loudness_lufs:g}:TP={out.true_peak_db:g}:LRA=11:print_format=json", "aout")
    args = [*g.input_args(), "-filter_complex", g.script(), "-map", "[aout]", "-f", "null", "-"]
    stderr = await run_ffmpeg(args, cancel=cancel)
    return _parse(stderr)


async def measure_file(path: Path) -> tuple[float | None, float | None]:
    """Integrated loudness (LUFS) and true peak (dBTP) of a written file's audio, by ``ebur128``."""
    stderr = await run_ffmpeg(
        ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"]
    )
    summary = stderr[stderr.rfind("Summary:") :]
    i = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    tp = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)

    def val(m: re.Match[str] | None) -> float | None:
        return float(m.group(1)) if m and m.group(1) != "-inf" else None

    return val(i), val(tp)


__all__ = [
    "SR",
    "Loudness",
    "has_sound",
    "measure",
    "measure_file",
    "mix_chain",
    "normalize_chain",
]
