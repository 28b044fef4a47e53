"""Timeline → one ffmpeg argv: visuals, transitions, burned captions, the audio mix, the encoder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .audio import Loudness, mix_chain, normalize_chain
from .encode import Encoder
from .graph import Graph, escape_value, fps_str
from .inputs import Prepared
from .timeline import Timeline
from .visuals import Frame, visual_chain

INLINE_GRAPH_MAX = 60_000  # longer graphs go through a file (-/filter_complex)


@dataclass
class Plan:
    argv: list[str]
    total_frames: int
    scene_frames: list[tuple[int, int]]  # (first frame, frame count) per scene
    graph: str
    warnings: list[str] = field(default_factory=list)


def frame_layout(timeline: Timeline) -> tuple[list[int], list[int], list[int]]:
    """Per scene: first frame, frames in its slot, and frames of the transition out of it."""
    fps = timeline.output.fps
    starts = [round(s * fps) for s in timeline.scene_starts()]
    total = round(timeline.duration_s * fps)
    counts = [b - a for a, b in zip(starts, [*starts[1:], total], strict=True)]
    tails = []
    for i in range(len(timeline.scenes)):
        nxt = timeline.scenes[i + 1] if i + 1 < len(timeline.scenes) else None
        tr = nxt.transition if nxt is not None else None
        if tr is None or tr.kind == "cut" or tr.duration_s <= 0:
            tails.append(0)
        else:
            tails.append(max(0, min(round(tr.duration_s * fps), counts[i + 1] - 1)))
    return starts, counts, tails


def _video(g: Graph, timeline: Timeline, prepared: Prepared, warnings: list[str]) -> tuple[str, list]:
    w, h = timeline.output.size
    fr = Frame(w, h, timeline.output.fps)
    starts, counts, tails = frame_layout(timeline)
    for i, c in enumerate(counts):
        if c <= 0:
            warnings.append(f"scenes[{i}] is shorter than one frame; dropped")
    streams = [
        visual_chain(g, rv, s.fit, counts[i] + tails[i], fr, i, warnings) if counts[i] > 0 else None
        for i, (rv, s) in enumerate(zip(prepared.visuals, timeline.scenes, strict=True))
    ]
    acc: str | None = None
    pending: list[str] = []
    for i, st in enumerate(streams):
        if st is None:
            continue
        into = tails[i - 1] if i > 0 else 0
        if into and (acc or pending):
            base = _concat(g, ([acc] if acc else []) + pending, fr.rate)
            kind = timeline.scenes[i].transition.kind  # type: ignore[union-attr]
            acc = g.add(
                [base, st], f"xfade=transition={kind}:duration={into / fr.fps:.6f}:offset={starts[i] / fr.fps:.6f}"
            )
            pending = []
        else:
            pending.append(st)
    video = _concat(g, ([acc] if acc else []) + pending, fr.rate)
    return video, list(zip(starts, counts, strict=True))


def _concat(g: Graph, parts: list[str], rate: str) -> str:
    if len(parts) == 1:
        return parts[0]
    # concat emits microsecond timestamps; xfade needs both inputs on the same 1/fps time base
    return g.add(parts, f"concat=n={len(parts)}:v=1:a=0,settb=1/({rate})")


def build(
    timeline: Timeline,
    prepared: Prepared,
    encoder: Encoder,
    out: Path,
    *,
    captions: Path | None,
    fontsdir: Path | None,
    loudness: Loudness | None,
    workdir: Path,
) -> Plan:
    g = Graph()
    warnings: list[str] = []
    video, layout = _video(g, timeline, prepared, warnings)
    if captions is not None:
        opts = f"filename={escape_value(str(captions))}"
        if fontsdir is not None:
            opts += f":fontsdir={escape_value(str(fontsdir))}"
        video = g.add(video, f"subtitles={opts},format=yuv420p")
    g.add(video, "setsar=1", "vout")
    mix = mix_chain(g, timeline, prepared.narration, prepared.music)
    normalize = normalize_chain(g, mix, timeline, loudness)
    g.chains[-1] = g.chains[-1].removesuffix(f"[{normalize}]") + "[aout]"
    script = g.script()
    if len(script) > INLINE_GRAPH_MAX:
        path = workdir / "graph.txt"
        path.write_text(script, encoding="utf-8")
        graph_args = ["-/filter_complex", str(path)]
    else:
        graph_args = ["-filter_complex", script]
    spec = timeline.output
    total = round(timeline.duration_s * spec.fps)
    argv = [
        *g.input_args(),
        *graph_args,
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        *encoder.args,
        "-r",
        fps_str(spec.fps),
        "-frames:v",
        str(total),
        "-c:a",
        "aac",
        "-b:a",
        f"{spec.audio_bitrate_k}k",
        "-ar",
        "48000",
        "-ac",
        "2",
        "-movflags",
        "+faststart",
        "-map_metadata",
        "-1",
        "-metadata",
        f"title={timeline.title or ''}",
        "-f",
        "mp4",
        str(out),
    ]
    return Plan(argv=argv, total_frames=total, scene_frames=layout, graph=script, warnings=warnings)
