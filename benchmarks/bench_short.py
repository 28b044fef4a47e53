"""Benchmark: the whole offline demo short (`reelforge demo`), cold start included.

Runs the demo in a fresh process with an empty data folder (nothing cached, the Piper voice loaded from
disk), pinned to ``--cores`` CPU cores, and prints each stage's time as a fraction of the total and the
total as a ratio to the narration's length. Target: ratio <= 1.0 on 2 cores.

    python benchmarks/bench_short.py [--cores 2] [--resolution 1080] [--runs 1] [--quick]
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


def run_once(cores: int, resolution: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-short-") as tmp:
        cpus = sorted(os.sched_getaffinity(0))[:cores] if hasattr(os, "sched_getaffinity") else None

        def pin() -> None:
            if cpus:
                os.sched_setaffinity(0, cpus)

        env = {**os.environ, "OMP_NUM_THREADS": str(cores)}
        start = time.perf_counter()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, tmp, str(Path(tmp) / "demo.mp4"), str(resolution)],
            capture_output=True,
            text=True,
            preexec_fn=pin,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - start
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-3000:])
            raise SystemExit(f"demo failed with exit code {proc.returncode}")
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        data["wall_s"] = wall
        data["cpu_s"] = cpu
        data["load"] = os.getloadavg()[0]
        data["cpus"] = len(cpus) if cpus else os.cpu_count()
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
    for k, v in t.items():
        if k.startswith("render.") and isinstance(v, float):
            lines.append(f"| {'  ' + k:34s} | {v:8.2f} | {v / wall:6.1%} |")
    lines.append(f"| {'total':34s} | {wall:8.2f} | {1:6.1%} |")
    ratio = wall / data["narration_s"]
    cpu_ratio = data["cpu_s"] / data["cpus"] / data["narration_s"]
    lines += [
        "",
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
        key=lambda d: d["wall_s"],
    )
    print(table(runs[len(runs) // 2]))


if __name__ == "__main__":
    main()
