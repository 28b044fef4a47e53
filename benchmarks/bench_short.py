"""Benchmark: the whole offline demo short (`reelforge demo`), cold start included.

Runs the demo in a fresh process with an empty data folder (nothing cached, the Piper voice loaded from
disk), pinned to ``--cores`` CPU cores, and prints each stage's time as a fraction of the total. In the same
run, on the same cores, it times a bare encode: ffmpeg's ``testsrc2`` at the demo's size, frame rate and
length through the renderer's own libx264 arguments (preset, CRF, GOP) into a temporary MP4, the floor no
renderer of these frames can beat. Targets on 2 cores: end-to-end / bare encode <= 1.4, total / narration
<= 1.0.

    python benchmarks/bench_short.py [--cores 2] [--resolution 1080] [--runs 1] [--quick]

The child processes inherit the environment, so ``PYTHONPATH=/other/tree/src`` benchmarks another checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from reelforge.shorts.demo import demo_config, demo_request
from reelforge.shorts.pipeline import run_short
t_import = time.perf_counter() - t0
data, out, resolution = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
cfg = demo_config()
cfg.output.resolution = resolution
result = asyncio.run(run_short(demo_request(out), cfg, data_dir=data))
print(json.dumps({"import_s": t_import, "timings": result.timings, "narration_s": result.narration_s,
                  "duration_s": result.duration_s, "width": result.width, "height": result.height,
                  "words": result.words, "timing_source": result.timing_source}))
"""


BARE = r"""
import json, sys
from reelforge.media import ffmpeg_exe
from reelforge.render.encode import x264_args
from reelforge.render.timeline import OutputSpec
from reelforge.media.framerate import rate_str
resolution, duration, out, frames_of = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
spec = OutputSpec(aspect_ratio="9:16", resolution=resolution)
w, h = spec.size
frames = round(duration * spec.fps)
src = ["-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r={rate_str(spec.fps)}:d={duration:.3f}"]
if frames_of:  # the demo's own pictures, decoded from its output
    src = ["-i", frames_of]
print(json.dumps([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *src,
                  *x264_args(spec), "-r", rate_str(spec.fps), "-frames:v", str(frames), "-an", "-f", "mp4", out]))
"""


def _timed(
    argv: list[str], cpus: list[int] | None, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``argv`` pinned to ``cpus``; return it with its wall and CPU seconds (children included)."""

    def pin() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)

    start = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, capture_output=True, text=True, preexec_fn=pin, env=env, check=False)
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"{argv[:3]} failed with exit code {proc.returncode}")
    return proc, wall, cpu


def bare_encode(cores: int, resolution: int, duration: float, tmp: str, frames_of: str = "") -> tuple[float, float]:
    """Wall and CPU seconds of encoding ``testsrc2`` (or, with ``frames_of``, that video's own frames, decoded
    on the way) with the renderer's libx264 settings (same size, fps, length, preset, CRF and GOP) into an
    MP4, pinned to the same cores."""
    cpus = sorted(os.sched_getaffinity(0))[:cores] if hasattr(os, "sched_getaffinity") else None
    out = str(Path(tmp) / "bare.mp4")
    argv = json.loads(
        subprocess.run(
            [sys.executable, "-c", BARE, str(resolution), f"{duration:.3f}", out, frames_of],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    _, wall, cpu = _timed(argv, cpus, dict(os.environ))
    return wall, cpu


def run_once(cores: int, resolution: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-short-") as tmp:
        cpus = sorted(os.sched_getaffinity(0))[:cores] if hasattr(os, "sched_getaffinity") else None
        env = {**os.environ, "OMP_NUM_THREADS": str(cores)}
        argv = [sys.executable, "-c", CHILD, tmp, str(Path(tmp) / "demo.mp4"), str(resolution)]
        proc, wall, cpu = _timed(argv, cpus, env)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        data["wall_s"] = wall
        data["cpu_s"] = cpu
        data["load"] = os.getloadavg()[0]
        data["cpus"] = len(cpus) if cpus else os.cpu_count()
        data["bare_s"], data["bare_cpu_s"] = bare_encode(cores, resolution, data["duration_s"], tmp)
        demo = str(Path(tmp) / "demo.mp4")
        data["same_s"], data["same_cpu_s"] = bare_encode(cores, resolution, data["duration_s"], tmp, demo)
        return data


def table(data: dict) -> str:
    wall = data["wall_s"]
    t = data["timings"]
    stages = [("startup (interpreter + imports)", wall - sum(v for k, v in t.items() if "." not in k))]
    stages += [(k, v) for k, v in t.items() if "." not in k]
    lines = [
        f"reelforge demo, cold start: {data['width']}x{data['height']}, {data['duration_s']:.2f} s video, "
        f"narration {data['narration_s']:.2f} s ({data['words']} words, timings: {data['timing_source']}), "
        f"{data['cpus']} cores",
        "",
        f"| {'stage':34s} | {'seconds':>8s} | {'share':>6s} |",
        f"|{'-' * 36}|{'-' * 10}|{'-' * 8}|",
    ]
    for name, secs in stages:
        lines.append(f"| {name:34s} | {secs:8.2f} | {secs / wall:6.1%} |")
    sub = {k: v for k, v in t.items() if k.startswith("render.") and k != "render.total_s" and isinstance(v, float)}
    for k, v in sub.items():
        lines.append(f"| {'  ' + k:34s} | {v:8.2f} | {v / wall:6.1%} |")
    if "render.finish_s" not in t and "render" in t:  # an older tree: thumbnail, output loudness check, sidecar
        rest = t["render"] - sum(sub.values())
        lines.append(f"| {'  render.finish_s':34s} | {rest:8.2f} | {rest / wall:6.1%} |")
    lines.append(f"| {'total (end to end)':34s} | {wall:8.2f} | {1:6.1%} |")
    bare, same = data["bare_s"], data["same_s"]
    lines.append(f"| {'bare encode of testsrc2':34s} | {bare:8.2f} | {'':>6s} |")
    lines.append(f"| {'bare encode of the same frames':34s} | {same:8.2f} | {'':>6s} |")
    ratio = wall / data["narration_s"]
    cpu_ratio = data["cpu_s"] / data["cpus"] / data["narration_s"]
    enc, enc_same = wall / bare, wall / same
    lines += [
        "",
        f"end to end / bare encode of the same frames = {enc_same:.2f}x  "
        f"(target <= 1.40x: {'met' if enc_same <= 1.4 else 'NOT met'}); "
        f"CPU {data['cpu_s']:.1f} s / {data['same_cpu_s']:.1f} s = {data['cpu_s'] / data['same_cpu_s']:.2f}x",
        f"end to end / bare encode of testsrc2 = {enc:.2f}x; "
        f"CPU {data['cpu_s']:.1f} s / {data['bare_cpu_s']:.1f} s = {data['cpu_s'] / data['bare_cpu_s']:.2f}x",
        f"render stage alone / bare encode = {t.get('render', 0.0) / bare:.2f}x; "
        f"before the render (startup, narration, visuals, ...) {wall - t.get('render', 0.0):.2f} s",
        f"total / narration = {ratio:.2f}x  (target <= 1.00x: {'met' if ratio <= 1.0 else 'NOT met'})",
        f"CPU time (demo process + ffmpeg) = {data['cpu_s']:.1f} s; / {data['cpus']} cores / narration = "
        f"{cpu_ratio:.2f}x (the wall ratio an otherwise idle machine could reach with full parallelism)",
        f"load average while running: {data['load']:.1f}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--resolution", type=int, default=1080, help="short side in pixels")
    parser.add_argument("--runs", type=int, default=1, help="report the median run")
    parser.add_argument("--quick", action="store_true", help="one run (the default already is)")
    args = parser.parse_args()
    runs = sorted(
        (run_once(args.cores, args.resolution) for _ in range(1 if args.quick else args.runs)),
        key=lambda d: d["wall_s"] / d["same_s"],
    )
    print(table(runs[len(runs) // 2]))
    if len(runs) > 1:
        print("\nevery run (sorted; the table shows the median):")
        print("| end to end | bare encode of the same frames | ratio | CPU ratio |")
        print("|---|---|---|---|")
        for d in runs:
            print(
                f"| {d['wall_s']:.2f} s | {d['same_s']:.2f} s | {d['wall_s'] / d['same_s']:.2f}x "
                f"| {d['cpu_s'] / d['same_cpu_s']:.2f}x |"
            )


if __name__ == "__main__":
    main()
