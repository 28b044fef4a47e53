"""Audio: narration, music looped/faded/ducked under it, two-pass loudness normalisation with a true-peak limiter.

The first pass measures the mix (``ebur128``: a fraction of a second) and writes it to a WAV; the soundtrack
(``soundtrack.py``, beside the pictures' encode) then applies the measured, linear gain and an oversampled
true-peak limiter to that WAV and encodes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..media import ProbeResult, run_ffmpeg
from ..types import CancelToken
from .graph import Graph
from .inputs import ClipSound
from .timeline import ClipVisual, Timeline

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


def _music(g: Graph, timeline: Timeline, music: ProbeResult, samples: int) -> str:
    m = timeline.music
    assert m is not None
    t = timeline.duration_s
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
    return g.add(f"{k}:a", chain + f",apad=whole_len={samples}")


def _tempo(tempo: float) -> str:
    """``atempo`` steps (each at least 0.5) that slow a sound to ``tempo`` of its speed, pitch kept; none at 1."""
    if tempo >= 0.999:
        return ""
    steps = []
    while tempo < 0.5:
        steps.append(0.5)
        tempo /= 0.5
    steps.append(tempo)
    return "".join(f"atempo={t:.6f}," for t in steps)


def _clip_sounds(g: Graph, sounds: Sequence[ClipSound], samples: int) -> str:
    """The clips' own sounds, each placed where its picture is, as one track the timeline's length."""
    tracks = []
    for s in sounds:
        opts = ["-stream_loop", "-1"] if s.loop else []
        if s.start_s > 0:
            opts += ["-ss", f"{s.start_s:.3f}"]
        k = g.input(*opts, "-t", f"{s.span_s * s.tempo + 0.5:.3f}", "-vn", "-i", str(s.path))
        n = round(s.span_s * SR)
        tracks.append(
            g.add(
                f"{k}:a",
                f"{_FMT},{_tempo(s.tempo)}asetpts=N/SR/TB,apad=whole_len={n},atrim=end_sample={n},volume={s.gain_db:g}dB,"
                f"afade=t=in:d={s.fade_in_s:.3f},afade=t=out:st={s.span_s - s.fade_out_s:.3f}:d={s.fade_out_s:.3f},"
                f"adelay=delays={round(s.at_s * 1000)}:all=1,apad=whole_len={samples},atrim=end_sample={samples}",
            )
        )
    if len(tracks) == 1:
        return tracks[0]
    return g.add(tracks, f"amix=inputs={len(tracks)}:duration=first:normalize=0")


def mix_chain(
    g: Graph,
    timeline: Timeline,
    narration: ProbeResult | None,
    music: ProbeResult | None,
    sounds: Sequence[ClipSound] = (),
) -> str:
    """Add the narration + music (+ clips' own sounds) mix to ``g``; return its label (silence when there is
    none of them). Music (when ``duck``) and the clips' sounds are compressed under the narration."""
    samples = round(timeline.duration_s * SR)
    narr = None
    if narration is not None:
        k = g.input("-i", str(narration.path))
        narr = g.add(
            f"{k}:a",
            f"{_FMT},volume={timeline.narration_volume_db:g}dB,apad=whole_len={samples},atrim=end_sample={samples}",
        )
    beds: list[tuple[str, bool]] = []  # (label, ducked under the narration)
    if music is not None and timeline.music is not None:
        beds.append((_music(g, timeline, music, samples), timeline.music.duck))
    if sounds:
        beds.append((_clip_sounds(g, sounds, samples), True))
    ducked = [i for i, (_, duck) in enumerate(beds) if duck] if narr is not None else []
    if ducked:
        n1, *side = (g.label("narr"), *(g.label("sc") for _ in ducked))
        g.chains.append(f"[{narr}]asplit={len(ducked) + 1}[{n1}]" + "".join(f"[{x}]" for x in side))
        narr = n1
        for i, sc in zip(ducked, side, strict=True):
            duck = "sidechaincompress=threshold=0.03:ratio=10:attack=15:release=400:makeup=1"
            beds[i] = (g.add([beds[i][0], sc], duck), True)
    parts = ([narr] if narr is not None else []) + [label for label, _ in beds]
    if len(parts) > 1:
        return g.add(parts, f"amix=inputs={len(parts)}:duration=first:normalize=0,atrim=end_sample={samples}")
    if parts:
        return parts[0]
    return g.add([], f"anullsrc=r={SR}:cl=stereo,atrim=end_sample={samples}")


def has_sound(timeline: Timeline) -> bool:
    """Narration, music or a clip whose own sound is kept (it may turn out to have none: measured as silence)."""
    clips = (s.visual for s in timeline.scenes if isinstance(s.visual, ClipVisual))
    return timeline.narration is not None or timeline.music is not None or any(v.sound_db is not None for v in clips)


# Headroom kept below the requested true peak for the AAC encoder's overshoot (measured here: up to 0.6 dB).
CODEC_HEADROOM_DB = 0.8
OVERSAMPLE = 4  # the limiter runs at 4x the rate, so it sees inter-sample (true) peaks


def _gain_db(measured: Loudness, target_lufs: float) -> float:
    """The linear gain that brings the measured mix to the target loudness (capped at +30 dB for near-silence)."""
    return max(-40.0, min(30.0, target_lufs - measured.input_i))


def limiter(ceiling_db: float, oversample: int = OVERSAMPLE) -> str:
    """A true-peak limiter: oversampled lookahead limiting at ``ceiling_db`` dBTP, back to the mix rate.
    ``oversample=1`` limits the samples only: the same loudness to 0.1 LU at a third of the CPU, for measuring
    what the limiter takes (not for the output, whose inter-sample peaks it would miss)."""
    lin = max(0.0625, 10 ** (ceiling_db / 20))
    limit = f"alimiter=limit={lin:.4f}:attack=1:release=60:level=0:latency=1"
    return limit if oversample == 1 else f"aresample={SR * oversample},{limit},aresample={SR}"


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
    timeline: Timeline,
    narration: ProbeResult | None,
    music: ProbeResult | None,
    cancel: CancelToken | None = None,
    sounds: Sequence[ClipSound] = (),
    keep: Path | None = None,
) -> Loudness | None:
    """Measure the audio mix alone; None when there is nothing to measure.

    Where the gain to the target would drive the true peak far over the ceiling, the gained, limited mix is
    measured once more (audio only, seconds) and the limiter's loudness loss is made up, so the output lands
    on the target. ``keep``: a WAV path where the first pass also writes the mix (48 kHz stereo float), which
    the later passes read instead of decoding, resampling and ducking the sources again.
    """
    if narration is None and music is None and not sounds:
        return None
    mix = _Mix(timeline, narration, music, tuple(sounds), keep)
    loud = await _measure_pass(mix, cancel)
    out = timeline.output
    if loud is None or not math.isfinite(loud.input_i) or loud.input_i < -70:
        return loud
    ceiling = out.true_peak_db - CODEC_HEADROOM_DB
    gain = _gain_db(loud, out.loudness_lufs)
    if loud.input_tp + gain - ceiling <= _CHEAP_OVERSHOOT_DB:
        return loud
    limited = await _integrated(mix, f"volume={gain:.2f}dB,{limiter(ceiling, oversample=1)}", cancel)
    if limited is None or out.loudness_lufs - limited < 0.2:
        return loud
    # the extra gain meets the limiter too: make up a little more than was lost
    return replace(loud, limiter_loss_db=min(12.0, 1.25 * (out.loudness_lufs - limited)))


@dataclass(frozen=True)
class _Mix:
    timeline: Timeline
    narration: ProbeResult | None
    music: ProbeResult | None
    sounds: tuple[ClipSound, ...]
    keep: Path | None = None  # the first pass writes the mix here; the later ones read it


def _graph(mix: _Mix, tail: str, *, first: bool = False) -> list[str]:
    g = Graph()
    src = f"{g.input('-i', str(mix.keep))}:a" if mix.keep is not None and not first else None
    g.add(src or mix_chain(g, mix.timeline, mix.narration, mix.music, mix.sounds), tail, "aout")
    out = ["-c:a", "pcm_f32le", "-f", "wav", str(mix.keep)] if first and mix.keep else ["-f", "null", "-"]
    return [*g.input_args(), "-filter_complex", g.script(), "-map", "[aout]", *out]


async def _measure_pass(mix: _Mix, cancel: CancelToken | None) -> Loudness | None:
    # ebur128 measures what loudnorm's first pass does (integrated loudness, true peak at 4x) at a fifth of the cost
    stderr = await run_ffmpeg(_graph(mix, "ebur128=peak=true:framelog=quiet", first=True), cancel=cancel)
    return _parse(stderr, mix.timeline.output.loudness_lufs)


async def _integrated(mix: _Mix, chain: str, cancel: CancelToken | None) -> float | None:
    """Integrated loudness of the mix through ``chain`` (``ebur128`` without true peak: no 192 kHz pass)."""
    stderr = await run_ffmpeg(_graph(mix, f"{chain},ebur128=framelog=quiet"), cancel=cancel)
    loud = _parse(stderr, mix.timeline.output.loudness_lufs)
    return None if loud is None else loud.input_i


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
