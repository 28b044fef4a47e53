"""Timeline → the ffmpeg argv of the pictures (visuals, transitions, burned captions, the encoder) and of the
final join with the soundtrack."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..media.filters import filter_path
from ..media.framerate import frame_count, rate_str
from .encode import Encoder
from .graph import Graph
from .inputs import Prepared
from .timeline import Timeline
from .visuals import YUV, Frame, visual_chain

INLINE_GRAPH_MAX = 60_000  # longer graphs go through a file (-/filter_complex)


@dataclass
class Plan:
    argv: list[str]  # the encoding process
    producers: list[list[str]]  # processes feeding it raw frames, in order (empty: one process)
    total_frames: int
    graph: str
    warnings: list[str] = field(default_factory=list)


def frame_layout(timeline: Timeline) -> tuple[list[int], list[int], list[int]]:
    """Per scene: first frame, frames in its slot, and frames of the transition out of it."""
    fps = timeline.output.fps
    starts = [frame_count(s, fps) for s in timeline.scene_starts()]
    total = frame_count(timeline.duration_s, fps)
    counts = [b - a for a, b in zip(starts, [*starts[1:], total], strict=True)]
    tails = []
    for i in range(len(timeline.scenes)):
        nxt = timeline.scenes[i + 1] if i + 1 < len(timeline.scenes) else None
        tr = nxt.transition if nxt is not None else None
        if tr is None or tr.kind == "cut" or tr.duration_s <= 0:
            tails.append(0)
        else:
            tails.append(max(0, min(frame_count(tr.duration_s, fps), counts[i + 1] - 1)))
    return starts, counts, tails


def _pieces(g: Graph, src: str, ranges: list[tuple[int, int]], whole: int) -> list[str]:
    """Frame ranges of ``src`` (``whole`` frames long) as streams starting at 0, cut from one decode."""
    if ranges == [(0, whole)]:
        return [src]
    outs = [src] if len(ranges) == 1 else [g.label("part") for _ in ranges]
    if len(ranges) > 1:
        g.chains.append(f"[{src}]split={len(ranges)}" + "".join(f"[{o}]" for o in outs))
    return [
        g.add(o, f"trim=start_frame={a}:end_frame={b},setpts=PTS-STARTPTS")
        for o, (a, b) in zip(outs, ranges, strict=True)
    ]


def _video(
    g: Graph, timeline: Timeline, prepared: Prepared, warnings: list[str], a: int = 0, b: int | None = None
) -> str:
    """Scenes ``a``..``b-1`` as one stream starting at scene ``a``'s first frame not already shown.

    A group ends with the transition into scene ``b`` (so it renders scene ``b``'s first frames);
    the next group starts scene ``b`` after those frames. With the whole range it is the timeline.
    Only a transition's own frames go through ``xfade`` (which blends every frame it is given); the
    frames between transitions are cut from the same decode and joined by ``concat``, which copies nothing.
    """
    w, h = timeline.output.size
    fr = Frame(w, h, timeline.output.fps)
    _, counts, tails = frame_layout(timeline)
    n = len(timeline.scenes)
    b = n if b is None else b
    segments: list[str] = []
    carry: str | None = None  # the last frames of the scene before, waiting for the transition into this one
    for i in range(a, min(b + 1, n)):
        partial = i == b  # only the frames of the transition into the next group's first scene
        into = tails[i - 1] if i > 0 else 0
        if counts[i] <= 0 or (partial and not into):
            if counts[i] <= 0 and not partial:
                warnings.append(f"scenes[{i}] is shorter than one frame; dropped")
            continue
        rv, sc = prepared.visuals[i], timeline.scenes[i]
        whole = counts[i] + tails[i]
        st = visual_chain(g, rv, sc.fit, whole, fr, i, warnings)
        first = into if i == a else 0  # frames the group before this one already showed
        blend = into if carry is not None else 0
        ranges = [(0, blend)] if blend else []
        if not partial:
            ranges.append((max(first, blend), counts[i]))
            if tails[i]:
                ranges.append((counts[i], whole))
        elif not blend:
            ranges.append((0, into))
        parts = _pieces(g, st, ranges, whole)
        if blend:
            kind = sc.transition.kind  # type: ignore[union-attr]
            fade = f"xfade=transition={kind}:duration={blend / fr.fps:.6f}:offset=0"
            segments.append(g.add([carry, parts.pop(0)], fade))  # type: ignore[list-item]
        carry = None
        if not partial and tails[i]:
            carry = parts.pop()
        segments += parts
    return _concat(g, segments, fr.rate)


def groups(timeline: Timeline, size: int) -> list[tuple[int, int]]:
    n = len(timeline.scenes)
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def _concat(g: Graph, parts: list[str], rate: str) -> str:
    if len(parts) == 1:
        return parts[0]
    # concat emits microsecond timestamps; xfade needs both inputs on the same 1/fps time base
    return g.add(parts, f"concat=n={len(parts)}:v=1:a=0,settb=1/({rate})")


def _graph_args(g: Graph, workdir: Path, name: str) -> list[str]:
    script = g.script()
    if len(script) <= INLINE_GRAPH_MAX:
        return ["-filter_complex", script]
    path = workdir / f"{name}.txt"
    path.write_text(script, encoding="utf-8")
    return ["-/filter_complex", str(path)]


def _output(
    g: Graph,
    video: str,
    timeline: Timeline,
    encoder: Encoder,
    out: Path,
    *,
    captions: Path | None,
    fontsdir: Path | None,
    workdir: Path,
) -> list[str]:
    """Burn captions and encode the pictures (no audio: the soundtrack is made beside them and joined by a
    stream copy): the argv of the one encoding process."""
    if captions is not None:
        opts = f"filename={filter_path(captions)}"
        if fontsdir is not None:
            opts += f":fontsdir={filter_path(fontsdir)}"
        video = g.add(video, f"subtitles={opts},{YUV}")
    g.add(video, "setsar=1", "vout")
    spec = timeline.output
    total = frame_count(timeline.duration_s, spec.fps)
    # the thumbnail's frame becomes a key frame (decoded alone afterwards); half a frame early, so that rounding
    # cannot move the key to the next frame
    key = f"{max(0.0, (thumbnail_frame(timeline) - 0.5) / spec.fps):.6f}"
    return [
        *g.input_args(), *_graph_args(g, workdir, "graph"), "-map", "[vout]", *encoder.args,
        "-force_key_frames", key, "-r", rate_str(spec.fps), "-frames:v", str(total), "-an", "-f", "mp4", str(out),
    ]  # fmt: skip


def thumbnail_frame(timeline: Timeline) -> int:
    """The index of the thumbnail's frame: ``thumbnail_at_s`` (default a third in), inside the video."""
    total = frame_count(timeline.duration_s, timeline.output.fps)
    at = timeline.output.thumbnail_at_s
    at = at if at is not None else timeline.duration_s / 3
    return max(0, min(total - 1, round(at * timeline.output.fps)))


def mux_args(video: Path, sound: Path, timeline: Timeline, out: Path) -> list[str]:
    """Join the encoded pictures and soundtrack by a stream copy, index first (``faststart``), titled."""
    return [
        "-i", str(video), "-i", str(sound), "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
        "-movflags", "+faststart", "-map_metadata", "-1", "-metadata", f"title={timeline.title or ''}",
        "-f", "mp4", str(out),
    ]  # fmt: skip


def build(
    timeline: Timeline,
    prepared: Prepared,
    encoder: Encoder,
    out: Path,
    *,
    captions: Path | None,
    fontsdir: Path | None,
    workdir: Path,
) -> Plan:
    """One process: every visual decoded and composed inside the encoding filtergraph."""
    g = Graph()
    warnings: list[str] = []
    video = _video(g, timeline, prepared, warnings)
    argv = _output(g, video, timeline, encoder, out, captions=captions, fontsdir=fontsdir, workdir=workdir)
    return Plan(
        argv=argv,
        producers=[],
        total_frames=frame_count(timeline.duration_s, timeline.output.fps),
        graph=g.script(),
        warnings=warnings,
    )


def _producer(
    timeline: Timeline, prepared: Prepared, warnings: list[str], span: tuple[int, int], fifo: Path, script: Path
) -> list[str]:
    """The argv of one composing process: scenes ``span`` as raw yuv420p frames written to ``fifo``."""
    g = Graph()
    video = _video(g, timeline, prepared, warnings, *span)
    g.add(video, YUV, "vout")
    graph = _graph_args(g, script.parent, script.name)
    return [*g.input_args(), *graph, "-map", "[vout]", "-f", "rawvideo", "-pix_fmt", "yuv420p", str(fifo)]


def build_chunked(
    timeline: Timeline,
    prepared: Prepared,
    encoder: Encoder,
    out: Path,
    *,
    fifo: Path,
    group_size: int,
    captions: Path | None,
    fontsdir: Path | None,
    workdir: Path,
) -> Plan:
    """Long timelines: groups of scenes composed by short-lived processes, one after the other,
    streaming raw frames through ``fifo`` into the one encoding process. Memory stays that of one
    group however long the timeline; nothing is encoded twice.
    """
    warnings: list[str] = []
    producers = [
        _producer(timeline, prepared, warnings, span, fifo, workdir / f"group{k}")
        for k, span in enumerate(groups(timeline, group_size))
    ]
    w, h = timeline.output.size
    g = Graph()
    raw = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{w}x{h}"]
    k = g.input(*raw, "-framerate", rate_str(timeline.output.fps), "-i", str(fifo))
    argv = _output(g, f"{k}:v", timeline, encoder, out, captions=captions, fontsdir=fontsdir, workdir=workdir)
    return Plan(
        argv=argv,
        producers=producers,
        total_frames=frame_count(timeline.duration_s, timeline.output.fps),
        graph=g.script(),
        warnings=warnings,
    )


__all__ = ["Plan", "build", "build_chunked", "frame_layout", "groups", "mux_args", "thumbnail_frame"]
