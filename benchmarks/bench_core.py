"""Core figures of the generation entry point, printed as a table.

1. Engine + ledger overhead per ``agenerate`` over a no-op backend (one that copies a pre-made tiny MP4):
   the wall time of ``await reelforge.api.agenerate(...)`` minus the backend's own time, and the same
   minus the asset store's time (probe, checksum, thumbnail, sidecar, row) to isolate engine + ledger.
2. Cache-hit latency: the same request with an explicit seed, after a first call stored it.
3. Procedural render speed at 1280x720, 24 fps, 5 s, as a ratio to a plain ffmpeg ``testsrc2`` encode of
   the same size, length and encoder settings (same preset, CRF, profile), run alternately in this script.

    python benchmarks/bench_core.py            # full
    python benchmarks/bench_core.py --quick    # fewer iterations
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from reelforge.backends.base import Backend, Plan, RunContext, RunOutput
from reelforge.backends.procedural import ProceduralBackend
from reelforge.backends.procedural_graph import encode_args
from reelforge.backends.registry import register_backend
from reelforge.media import run_ffmpeg
from reelforge.types import ModelSpec, VideoRequest

PROMPTS = ("a paper boat on a rainy street", "golden sunset over a calm ocean", "a robot dancing in a neon city")


class NoopBackend(Backend):
    """Writes a pre-made tiny MP4 at once and times itself."""

    name = "bench-noop"
    kind = "builtin"
    description = "benchmark backend: copies a pre-made clip"
    clip: ClassVar[Path]
    spent: ClassVar[list[float]] = []

    def models(self) -> list[ModelSpec]:
        return [ModelSpec(name="noop", operations=("text-to-video",), any_size=True, max_duration_s=60)]

    def estimate_cost(self, plan: Plan) -> float:
        return 0.0  # free: it only copies a file

    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        t0 = time.perf_counter()
        shutil.copyfile(self.clip, ctx.out_path)
        out = RunOutput(actual_usd=0.0, billable=False, seed=plan.seed or 0)
        type(self).spent.append(time.perf_counter() - t0)
        return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_add(store: Any, sink: list[float]) -> None:
    """Wrap ``store.add`` so the time spent storing each asset is recorded."""
    original = store.add

    async def add(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            sink.append(time.perf_counter() - t0)

    store.add = add


async def make_clip(path: Path) -> None:
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=s=64x36:r=24", "-filter_complex", "[0:v]null[v]", *encode_args(12, 24, path)]
    )


async def bench_engine(root: Path, n: int) -> tuple[list[float], list[float], list[float]]:
    from reelforge import api
    from reelforge.config import Config

    NoopBackend.clip = root / "tiny.mp4"
    await make_clip(NoopBackend.clip)
    register_backend(NoopBackend.name, NoopBackend)
    from reelforge.generation import shared_engine

    config = Config.from_dict({"data_dir": str(root / "data"), "default_backend": NoopBackend.name})
    engine = shared_engine(config)
    stored: list[float] = []
    timed_add(engine.library.assets, stored)
    total: list[float] = []
    warmup = 5
    for i in range(n + warmup):
        request = VideoRequest(prompt=f"overhead probe {i}", backend=NoopBackend.name, resolution="64x36")
        t0 = time.perf_counter()
        await api.agenerate(request, config=config)
        total.append(time.perf_counter() - t0)
    spent = NoopBackend.spent
    overhead = [t - s for t, s in zip(total[warmup:], spent[warmup:], strict=True)]
    routing = [o - a for o, a in zip(overhead, stored[warmup:], strict=True)]
    hits: list[float] = []
    request = VideoRequest(prompt="a paper boat", backend="procedural", resolution="160x90", duration_s=1, seed=7)
    first = await api.agenerate(request, config=config)
    for _ in range(max(10, n // 3)):
        t0 = time.perf_counter()
        again = await api.agenerate(request, config=config)
        hits.append(time.perf_counter() - t0)
        assert again.cached and again.path == first.path
    await engine.aclose()
    return overhead, routing, hits


@dataclass
class Timing:
    wall_s: float
    cpu_s: float  # user + system time of the ffmpeg process: robust to other load on the machine


async def timed(job: Callable[[], Awaitable[Any]]) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    await job()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timing(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


async def bench_render(root: Path, rounds: int) -> tuple[list[Timing], list[Timing]]:
    """Alternate procedural renders (cycling through PROMPTS) with the testsrc2 reference."""
    backend = ProceduralBackend()
    frames, fps = 120, 24.0
    preset, crf = backend.config.preset, backend.config.crf
    base = ["-f", "lavfi", "-i", f"testsrc2=s=1280x720:r={fps:g}", "-filter_complex", "[0:v]null[v]"]
    ours: list[Timing] = []
    ref: list[Timing] = []
    for i in range(rounds):
        prompt = PROMPTS[i % len(PROMPTS)]
        plan = backend.validate(VideoRequest(prompt=prompt, resolution="1280x720", fps=fps, duration_s=5, seed=i))
        assert plan.num_frames == frames

        async def render(plan: Plan = plan) -> None:
            await backend.run(plan, RunContext(out_path=root / "procedural.mp4"))

        async def reference() -> None:
            await run_ffmpeg([*base, *encode_args(frames, fps, root / "testsrc2.mp4", preset=preset, crf=crf)])

        if i % 2 == 0:  # alternate who goes first
            ours.append(await timed(render))
            ref.append(await timed(reference))
        else:
            ref.append(await timed(reference))
            ours.append(await timed(render))
    return ours, ref


def row(name: str, median: str, p95: str, target: str, n: int | str) -> str:
    return f"| {name:<52} | {median:>10} | {p95:>10} | {target:>8} | {n:>4} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    n, rounds = (40, 3) if args.quick else (200, 7)
    with tempfile.TemporaryDirectory(prefix="reelforge-bench-") as tmp:
        root = Path(tmp)
        overhead, routing, hits = asyncio.run(bench_engine(root, n))
        ours, ref = asyncio.run(bench_render(root, rounds))

    def ms(values: list[float]) -> tuple[str, str]:
        return f"{statistics.median(values) * 1000:.2f} ms", f"{pct(values, 0.95) * 1000:.2f} ms"

    rows = [
        ("engine + ledger overhead per generate", *ms(routing), "< 2 ms", len(routing)),
        ("  same, including the asset store (probe, thumbnail)", *ms(overhead), "-", len(overhead)),
        ("cache-hit latency (same request, explicit seed)", *ms(hits), "< 20 ms", len(hits)),
    ]
    for label, attr in (("wall", "wall_s"), ("CPU", "cpu_s")):
        a = [getattr(t, attr) for t in ours]
        b = [getattr(t, attr) for t in ref]
        ratios = [x / y for x, y in zip(a, b, strict=True)]
        rows += [
            (
                f"procedural 1280x720 24fps 5s / testsrc2, {label} time",
                f"{statistics.median(ratios):.2f}x",
                f"{max(ratios):.2f}x max",
                "< 1.5x",
                len(ratios),
            ),
            (f"  procedural render, {label}", f"{statistics.median(a):.2f} s", f"{max(a):.2f} s max", "-", len(a)),
            (
                f"  testsrc2 encode, same encoder settings, {label}",
                f"{statistics.median(b):.2f} s",
                f"{max(b):.2f} s max",
                "-",
                len(b),
            ),
        ]
    print(row("metric", "median", "p95", "target", "n"))
    print("|" + "|".join("-" * w for w in (54, 12, 12, 10, 6)) + "|")
    for r in rows:
        print(row(*r))
    cfg = ProceduralBackend().config
    print(
        f"\nencoder for both: libx264 -preset {cfg.preset} -crf {cfg.crf} -profile:v high -pix_fmt yuv420p; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
