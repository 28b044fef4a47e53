"""The output's audio, made beside the pictures: measured, gained, limited, encoded once, and measured again.

The video encode does not wait for the loudness measurement: the soundtrack is its own ffmpeg process
(audio only, about a second for a minute of sound) that runs while the pictures encode, and the two
streams are joined by a stream copy at the end. The loudness and true peak reported are measured on the
encoded AAC stream that is copied into the output unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..media import run_ffmpeg
from ..media.framerate import frame_count
from ..types import CancelToken
from . import audio
from .graph import Graph
from .inputs import Prepared
from .timeline import Timeline


@dataclass
class Soundtrack:
    path: Path  # AAC in an MP4 (.m4a) container, as long as the pictures
    lufs: float | None = None  # measured on the encoded stream
    true_peak_db: float | None = None
    warnings: list[str] = field(default_factory=list)


def soundtrack_args(
    timeline: Timeline, prepared: Prepared, loudness: audio.Loudness | None, out: Path, mixed: Path | None = None
) -> list[str]:
    """The argv of the audio process: the mix (read from ``mixed`` when the measurement wrote it there), its
    gain and true-peak limiter, AAC into ``out``."""
    g = Graph()
    if mixed is not None:
        mix = f"{g.input('-i', str(mixed))}:a"
    else:
        mix = audio.mix_chain(g, timeline, prepared.narration, prepared.music, prepared.sounds)
    normalize = audio.normalize_chain(g, mix, timeline, loudness)
    # exactly as long as the pictures (a whole number of frames), as when one process wrote both
    samples = round(frame_count(timeline.duration_s, timeline.output.fps) / timeline.output.fps * audio.SR)
    g.add(normalize, f"apad=whole_len={samples},atrim=end_sample={samples}", "aout")
    return [
        *g.input_args(), "-filter_complex", g.script(), "-map", "[aout]",
        # the fast coder: a third of the default two-loop search's CPU, no worse at these bit rates (measured
        # on the demo's mix at 160 kb/s: 35.1 dB SNR against 31.1 dB)
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", f"{timeline.output.audio_bitrate_k}k",
        "-ar", str(audio.SR), "-ac", "2",
        "-f", "mp4", str(out),
    ]  # fmt: skip


async def make_soundtrack(
    timeline: Timeline, prepared: Prepared, out: Path, timings: dict[str, float], cancel: CancelToken | None = None
) -> Soundtrack:
    """Measure the mix, encode it normalised into ``out`` and measure what was encoded (silence when the
    timeline has no sound). ``timings`` gets ``loudness_s`` (the first measurement) and ``soundtrack_s``."""
    t0 = time.perf_counter()
    warnings: list[str] = []
    loudness = None
    mixed = out.with_name(f"{out.stem}.mix.wav")  # the mix, decoded and ducked once
    if audio.has_sound(timeline):
        loudness = await audio.measure(timeline, prepared.narration, prepared.music, cancel, prepared.sounds, mixed)
        timings["loudness_s"] = time.perf_counter() - t0
        if loudness is None or loudness.input_i < -70:
            warnings.append("audio is silent; loudness normalisation skipped")
    argv = soundtrack_args(timeline, prepared, loudness, out, mixed if mixed.is_file() else None)
    await run_ffmpeg(argv, cancel=cancel)
    lufs, peak = await audio.measure_file(out)
    timings["soundtrack_s"] = time.perf_counter() - t0
    return Soundtrack(out, lufs, peak, warnings)


__all__ = ["Soundtrack", "make_soundtrack", "soundtrack_args"]
