"""Audio: narration, music looped/faded/ducked under it, two-pass loudness normalisation with a true-peak limiter.

The first pass measures the audio graph alone (``ebur128``: a fraction of a second, no video decoded); the
video pass then applies the measured, linear gain and an oversampled true-peak limiter inside the same
filtergraph as the pictures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
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
    limiter_loss_db: float = 0.0  # loudness the true-peak limiter takes off, measured and made up for


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


# Headroom kept below the requested true peak for the AAC encoder's overshoot (measured here: up to 0.6 dB).
CODEC_HEADROOM_DB = 0.8
OVERSAMPLE = 4  # the limiter runs at 4x the rate, so it sees inter-sample (true) peaks


def _gain_db(measured: Loudness, target_lufs: float) -> float:
    """The linear gain that brings the measured mix to the target loudness (capped at +30 dB for near-silence)."""
    return max(-40.0, min(30.0, target_lufs - measured.input_i))


def limiter(ceiling_db: float) -> str:
    """A true-peak limiter: oversampled lookahead limiting at ``ceiling_db`` dBTP, back to the mix rate."""
    lin = max(0.0625, 10 ** (ceiling_db / 20))
    return f"aresample={SR * OVERSAMPLE},alimiter=limit={lin:.4f}:attack=1:release=60:level=0:latency=1,aresample={SR}"


def normalize_chain(g: Graph, src: str, timeline: Timeline, measured: Loudness | None) -> str:
    """Bring the mix to the output's loudness with one linear gain, then limit its true peak below the ceiling.

    A linear gain (rather than loudnorm's second pass, which turns dynamic on short clips and whenever the
    gain would push peaks over) keeps the measured loudness exact; the oversampled limiter then keeps the
    true peak ``CODEC_HEADROOM_DB`` under the requested one, so the encoded file stays under it too.
    """
    samples = round(timeline.duration_s * SR)
    out = timeline.output
    tail = f"apad=whole_len={samples},atrim=end_sample={samples},asetpts=N/SR/TB"
    if measured is None or not math.isfinite(measured.input_i) or measured.input_i < -70:
        return g.add(src, f"atrim=end_sample={samples},asetpts=N/SR/TB")
    gain = _gain_db(measured, out.loudness_lufs) + measured.limiter_loss_db
    chain = f"volume={gain:.2f}dB,{limiter(out.true_peak_db - CODEC_HEADROOM_DB)},{tail}"
    return g.add(src, chain)


def _parse(stderr: str, target_lufs: float) -> Loudness | None:
    """The summary ``ebur128=peak=true`` prints at the end; silence (-70 LUFS, its floor) reads as -inf."""
    at = stderr.rfind("Summary:")
    if at < 0:
        return None
    summary = stderr[at:]

    def num(pattern: str) -> float:
        found = re.search(pattern + r":\s+(-?[\d.]+|-inf)", summary)
        return float(found.group(1)) if found else float("-inf")

    i = num(r"I")
    i = float("-inf") if i <= -70 else i
    thresh = num(r"Integrated loudness:\s+I:\s+-?[\d.]+ LUFS\s+Threshold")
    return Loudness(i, num(r"Peak"), num(r"LRA"), thresh, target_lufs - i)


# Limiting peaks by up to this much costs well under 0.5 LU: no need to measure what the limiter takes.
_CHEAP_OVERSHOOT_DB = 3.0


async def measure(
    timeline: Timeline, narration: ProbeResult | None, music: ProbeResult | None, cancel: CancelToken | None = None
) -> Loudness | None:
    """Measure the audio mix alone; None when there is nothing to measure.

    Where the gain to the target would drive the true peak far over the ceiling, the gained, limited mix is
    measured once more (audio only, seconds) and the limiter's loudness loss is made up, so the output lands
    on the target.
    """
    if narration is None and music is None:
        return None
    loud = await _measure_pass(timeline, narration, music, cancel)
    out = timeline.output
    if loud is None or not math.isfinite(loud.input_i) or loud.input_i < -70:
        return loud
    ceiling = out.true_peak_db - CODEC_HEADROOM_DB
    gain = _gain_db(loud, out.loudness_lufs)
    if loud.input_tp + gain - ceiling <= _CHEAP_OVERSHOOT_DB:
        return loud
    limited = await _integrated(timeline, narration, music, f"volume={gain:.2f}dB,{limiter(ceiling)}", cancel)
    if limited is None or out.loudness_lufs - limited < 0.2:
        return loud
    # the extra gain meets the limiter too: make up a little more than was lost
    return replace(loud, limiter_loss_db=min(12.0, 1.25 * (out.loudness_lufs - limited)))


def _graph(timeline: Timeline, narration: ProbeResult | None, music: ProbeResult | None, tail: str) -> list[str]:
    g = Graph()
    g.add(mix_chain(g, timeline, narration, music), tail, "aout")
    return [*g.input_args(), "-filter_complex", g.script(), "-map", "[aout]", "-f", "null", "-"]


async def _measure_pass(
    timeline: Timeline, narration: ProbeResult | None, music: ProbeResult | None, cancel: CancelToken | None
) -> Loudness | None:
    # ebur128 measures what loudnorm's first pass does (integrated loudness, true peak at 4x) at a fifth of the cost
    stderr = await run_ffmpeg(_graph(timeline, narration, music, "ebur128=peak=true:framelog=quiet"), cancel=cancel)
    return _parse(stderr, timeline.output.loudness_lufs)


async def _integrated(
    timeline: Timeline,
    narration: ProbeResult | None,
    music: ProbeResult | None,
    chain: str,
    cancel: CancelToken | None,
) -> float | None:
    """Integrated loudness of the mix through ``chain`` (``ebur128`` without true peak: no 192 kHz pass)."""
    stderr = await run_ffmpeg(_graph(timeline, narration, music, f"{chain},ebur128=framelog=quiet"), cancel=cancel)
    found = re.search(r"I:\s+(-?[\d.]+) LUFS", stderr[stderr.rfind("Summary:") :])
    return float(found.group(1)) if found else None


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


def loudness_warnings(timeline: Timeline, lufs: float | None, true_peak_db: float | None) -> list[str]:
    """Warnings for a written file whose measured loudness or true peak misses the output's targets."""
    out = timeline.output
    warnings = []
    if true_peak_db is not None and true_peak_db > out.true_peak_db + 0.05:
        warnings.append(f"true peak {true_peak_db:.1f} dBTP is above the {out.true_peak_db:g} dBTP ceiling")
    if lufs is not None and lufs > -70 and abs(lufs - out.loudness_lufs) > 1.0:
        warnings.append(f"loudness {lufs:.1f} LUFS misses the {out.loudness_lufs:g} LUFS target by over 1 LU")
    return warnings


__all__ = [
    "CODEC_HEADROOM_DB",
    "SR",
    "Loudness",
    "has_sound",
    "limiter",
    "loudness_warnings",
    "measure",
    "measure_file",
    "mix_chain",
    "normalize_chain",
]
