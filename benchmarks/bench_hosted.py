"""Concurrent hosted generations through the engine against a fake WaveSpeed with a fixed task latency.

    python benchmarks/bench_hosted.py            # 500 jobs, 1 s task latency, 0.2 s poll interval
    python benchmarks/bench_hosted.py --quick    # 50 jobs
    python benchmarks/bench_hosted.py --direct   # the backend's run() alone, without engine/ledger/library
    python benchmarks/bench_hosted.py --profile  # also print where the client process spends its time

All generations run in this one process (one event loop, one shared HTTP client) through
``reelforge.api.agenerate`` with a Config whose data_dir is a temp folder, so every attempt goes
through budget checks, the usage ledger and the asset library. The fake provider runs in a child
process (as a remote provider would), serving a real 64x64 MP4 for each job. Printed: wall time as a
ratio to the fake's task latency (target < 3), peak RSS of this process (target < 300 MB), polls per job,
and the CPU seconds of this process and of the fake over the timed part (the warm-up job excluded).
With ``--profile`` the profile counts CPU time of the event-loop thread (not time spent preempted).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.fakes.wavespeed_server import KEY  # noqa: E402

from reelforge.api import agenerate  # noqa: E402
from reelforge.backends import RunContext, create_backend  # noqa: E402
from reelforge.config import Config  # noqa: E402
from reelforge.generation import shared_engine  # noqa: E402
from reelforge.types import VideoRequest  # noqa: E402


def start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.wavespeed_server", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/_stats", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    return proc, url


def stats(url: str) -> dict[str, Any]:
    return json.loads(urllib.request.urlopen(f"{url}/_stats", timeout=5).read())


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def file_create_us(folder: Path, n: int = 200) -> float:
    """CPU microseconds to create and write one small file in ``folder`` (each job creates three: the
    download, the thumbnail, the sidecar). On some ext4 disks this varies 20x from folder to folder."""
    t0 = time.process_time()
    for i in range(n):
        (folder / f"create-probe-{i}.bin").write_bytes(b"x" * 1024)
    cost = (time.process_time() - t0) / n * 1e6
    for i in range(n):
        (folder / f"create-probe-{i}.bin").unlink()
    return cost


def empty_data_dir(folder: Path) -> Path:
    """``folder`` with every file in it deleted and its sub-folders kept.

    The benchmark runs in a long-lived data folder, as a real library does: on some ext4 disks creating
    files in a folder made moments ago costs ten times more CPU than in one that has been in use.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() or path.is_symlink():
            path.unlink()
    return folder


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timed:
    """Wall time, this process's CPU and the fake's CPU over the timed part only (warm-up excluded)."""

    def __init__(self, url: str, profiler: cProfile.Profile | None) -> None:
        self.url = url
        self.profiler = profiler
        self.wall = self.cpu = self.loop_cpu = self.fake_cpu = 0.0

    async def run(self, coros: list[Any]) -> list[Any]:
        fake0 = (await asyncio.to_thread(stats, self.url))["cpu_s"]
        cpu0, loop0, t0 = cpu_s(), time.thread_time(), time.perf_counter()
        if self.profiler:
            self.profiler.enable()
        results = await asyncio.gather(*coros, return_exceptions=True)
        if self.profiler:
            self.profiler.disable()
        self.wall, self.cpu = time.perf_counter() - t0, cpu_s() - cpu0
        self.loop_cpu = time.thread_time() - loop0  # this runs in the event loop's thread
        self.fake_cpu = (await asyncio.to_thread(stats, self.url))["cpu_s"] - fake0
        return results


async def through_engine(n: int, cfg: Config, timed: Timed) -> list[Any]:
    await agenerate(VideoRequest(prompt="warm-up", resolution="480p"), config=cfg)  # imports, DB schema, client
    results = await timed.run(
        [agenerate(VideoRequest(prompt=f"job {i}", resolution="480p"), config=cfg) for i in range(n)]
    )
    await shared_engine(cfg).aclose()
    return results


async def direct(n: int, cfg: Config, out: Path, timed: Timed) -> list[Any]:
    from reelforge.backends.http import new_client

    backend = create_backend("wavespeed", cfg.backends["wavespeed"])
    client = new_client()
    plan = backend.validate(VideoRequest(prompt="job", resolution="480p"))
    await backend.run(plan, RunContext(out_path=out / "warm.mp4", http=client))
    results = await timed.run([backend.run(plan, RunContext(out_path=out / f"{i}.mp4", http=client)) for i in range(n)])
    await client.aclose()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--quick", action="store_true", help="50 jobs")
    ap.add_argument("--latency", type=float, default=1.0, help="fake task latency, seconds")
    ap.add_argument("--poll-interval", type=float, default=0.2)
    ap.add_argument("--direct", action="store_true", help="call the backend's run() without the engine")
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio", help="the client's event loop")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--workdir",
        help="folder for the temporary data_dir (default: inside the default data_dir, "
        "on the disk a real library lives on)",
    )
    ap.add_argument("--sort", default="tottime", help="profile sort key (tottime, cumulative)")
    ap.add_argument("--profile-out", help="also write the profile here (pstats format)")
    args = ap.parse_args()
    n = 50 if args.quick else args.jobs

    proc, url = start_fake(args.latency)
    try:
        data = empty_data_dir(Path(args.workdir or Config().data_dir) / "bench-hosted")
        try:
            create_us = file_create_us(data)
            cfg = Config.from_dict(
                {
                    "data_dir": str(data),
                    "default_backend": "wavespeed",
                    "cache": False,
                    "budget": {"per_request_usd": None, "daily_usd": None, "monthly_usd": None},
                    "backends": {
                        "wavespeed": {
                            "api_key": KEY,
                            "base_url": url,
                            "poll_interval_s": args.poll_interval,
                            "timeout_s": 300,
                            "model": "alibaba/wan-2.5/text-to-video",
                        }
                    },
                }
            )
            # CPU time of the event-loop thread, so time spent preempted on a loaded machine is not counted
            profiler = cProfile.Profile(time.thread_time) if args.profile else None
            timed = Timed(url, profiler)
            coro = direct(n, cfg, data, timed) if args.direct else through_engine(n, cfg, timed)
            if args.loop == "uvloop":
                import uvloop

                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    results = runner.run(coro)
            else:
                results = asyncio.run(coro)
            create_after_us = file_create_us(data)
        finally:
            empty_data_dir(data)
        seen = stats(url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    load, cores = os.getloadavg()[0], os.cpu_count()
    failures = [r for r in results if isinstance(r, BaseException)]
    polls = seen["polls"][1:]  # skip the warm-up job
    submits = seen["counts"].get("submit", 0) - 1
    rows = [
        ("path", "direct backend.run()" if args.direct else "engine (api.agenerate + ledger + library)"),
        ("client event loop", args.loop),
        ("jobs", f"{n} ({len(failures)} failed)"),
        ("submits seen by the fake", str(submits)),
        ("fake task latency", f"{args.latency:g} s"),
        ("poll interval", f"{args.poll_interval:g} s"),
        ("wall time", f"{timed.wall:.2f} s"),
        ("wall / latency", f"{timed.wall / args.latency:.2f}  (target < 3; machine load {load:.1f} on {cores} cores)"),
        ("peak RSS", f"{rss_mb():.0f} MB  (target < 300)"),
        ("client CPU (warm-up excluded)", f"{timed.cpu:.2f} s = {1000 * timed.cpu / n:.2f} ms per job"),
        ("  of which event-loop thread", f"{timed.loop_cpu:.2f} s = {1000 * timed.loop_cpu / n:.2f} ms per job"),
        ("data folder", f"{data} (kept between runs, emptied)"),
        ("file create in data_dir", f"{create_us:.0f} us CPU each before, {create_after_us:.0f} us after (3 per job)"),
        ("fake server CPU", f"{timed.fake_cpu:.2f} s = {1000 * timed.fake_cpu / n:.2f} ms per job"),
        (
            "polls per job",
            f"mean {sum(polls) / max(1, len(polls)):.2f}, min {min(polls, default=0)}, max {max(polls, default=0)}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'metric'.ljust(width)} | value")
    print(f"{'-' * width}-|-{'-' * 44}")
    for key, value in rows:
        print(f"{key.ljust(width)} | {value}")
    if failures:
        print("first failure:", repr(failures[0]))
    if profiler and args.profile_out:
        profiler.dump_stats(args.profile_out)
    if profiler:
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats(args.sort).print_stats(25)
        print(buf.getvalue())


if __name__ == "__main__":
    main()
