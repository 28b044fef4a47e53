"""Job service figures, printed as a table.

1,000 video jobs whose work waits 200 ms (as a hosted API does), run
  - embedded: one process on SQLite that submits and runs them,
  - on PostgreSQL with 1 and with 4 worker processes of the same concurrency,
and for each: jobs/s (first submit to last finish), time from submit to running (p50/p99, measured on a
separate trickle of jobs submitted one at a time onto idle workers), jobs lost or run twice (from the job
records and each worker's own count of runs), and a worker's peak RSS after 100 and after 1,000 jobs.

The work is the job service's alone (a handler that sleeps), not the engine's: the figure is the queue's cost.

    python benchmarks/bench_jobs.py                  # 1,000 jobs, PostgreSQL at 127.0.0.1:5432/test
    python benchmarks/bench_jobs.py --jobs 200       # quicker
    REELFORGE_BENCH_POSTGRES_URL=postgresql://... python benchmarks/bench_jobs.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from reelforge.config import Config, parse_config
from reelforge.jobs import JobService, Worker, wait_idle
from reelforge.jobs.store import new_row

PG_URL = os.environ.get("REELFORGE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WAIT_S = 0.2
CONCURRENCY = 10
_ran: list[str] = []


async def sleepy(job: Any, config: Any, reporter: Any, cancel: Any) -> dict[str, Any]:
    """The benchmark's job: wait 200 ms like a hosted API, count the run."""
    _ran.append(job.id)
    reporter(0.5, "work: waiting")
    await asyncio.sleep(WAIT_S)
    return {"result": {}, "assets": [], "cost_usd": 0.0}


def write_config(folder: Path, url: str) -> tuple[Config, Path]:
    data = {
        "data_dir": str(folder / "data"),
        "database_url": url,
        "jobs": {"concurrency": CONCURRENCY, "poll_interval_s": 0.1, "progress_interval_s": 0.5, "lease_s": 30},
    }
    path = folder / "reelforge.yaml"
    path.write_text(yaml.safe_dump(data))
    return parse_config(path.read_text()), path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def submit(service: JobService, n: int, tag: str) -> list[str]:
    rows = [new_row(f"job_{uuid.uuid4().hex}", "video", {"prompt": f"{tag} {i}"}, "default") for i in range(n)]
    for start in range(0, n, 500):
        service._enqueue(rows[start : start + 500])
    return [r["id"] for r in rows]


def finished_count(service: JobService) -> int:
    counts = service.store.counts()
    return sum(counts.get(s, 0) for s in ("succeeded", "failed", "cancelled"))


def measure(service: JobService, n: int, pids: list[int]) -> dict[str, Any]:
    """Submit ``n`` jobs at once onto running workers; time to the last finish, RSS at 100 and at the end."""
    base = finished_count(service)
    started = time.perf_counter()
    ids = submit(service, n, "load")
    rss_100 = float("nan")
    while (done := finished_count(service) - base) < n:
        if done >= min(100, n) and rss_100 != rss_100:
            rss_100 = max(peak_rss_mb(p) for p in pids)
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    jobs = [service.store.get(i, with_attempts=False) for i in ids]
    return {
        "jobs_s": n / elapsed,
        "lost": sum(j.status != "succeeded" for j in jobs),
        "rerun": sum(j.runs > 1 for j in jobs),
        "rss_100": rss_100,
        "rss_end": max(peak_rss_mb(p) for p in pids),
    }


def latency(service: JobService, n: int = 100) -> tuple[float, float]:
    """Submit->running for jobs submitted one at a time onto idle workers (p50, p99 in ms)."""
    ids = []
    for _ in range(n):
        ids += submit(service, 1, "trickle")
        time.sleep(0.03)
    wait_idle(service.store, threading.Event(), 0.05)
    waits = []
    for job_id in ids:
        job = service.store.get(job_id, with_attempts=False)
        assert job.started_at is not None
        waits.append((job.started_at - job.created_at).total_seconds() * 1000)
    q = statistics.quantiles(waits, n=100)
    return statistics.median(waits), q[98]


def run_embedded(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        config, _ = write_config(Path(tmp), f"sqlite:///{tmp}/data/reelforge.db")
        with JobService(config) as service, Worker(config, handlers={"video": sleepy}):
            row = measure(service, n, [os.getpid()])
            row["p50"], row["p99"] = latency(service)
        row["rerun"] = max(row["rerun"], len(_ran) - len(set(_ran)))
        return row


def run_postgres(n: int, workers: int) -> dict[str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_jobs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
            config, path = write_config(Path(tmp), url)
            with JobService(config) as service:
                counts = [Path(tmp) / f"ran-{i}.json" for i in range(workers)]
                for out in counts:
                    cmd = [sys.executable, __file__, "--worker", str(path), "--ran", str(out)]
                    procs.append(subprocess.Popen(cmd))
                time.sleep(4)  # workers start (DBOS launch) before the clock does
                row = measure(service, n, [p.pid for p in procs])
                row["p50"], row["p99"] = latency(service)
                for p in procs:
                    p.send_signal(signal.SIGTERM)
                    p.wait(timeout=60)
                ran = [i for out in counts for i in json.loads(out.read_text())]
                row["rerun"] = max(row["rerun"], len(ran) - len(set(ran)))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return row


def worker_main(config_path: str, ran_path: str) -> None:
    from reelforge.config import load_config

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = Worker(load_config(config_path), handlers={"video": sleepy}).start()
    try:
        worker.run_forever(stop)
    finally:
        worker.stop()
        Path(ran_path).write_text(json.dumps(_ran))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--ran", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, args.ran)
        return
    rows = [("embedded, SQLite, 1 process", run_embedded(args.jobs))]
    rows.append(("PostgreSQL, 1 worker", run_postgres(args.jobs, 1)))
    rows.append(("PostgreSQL, 4 workers", run_postgres(args.jobs, 4)))
    print(f"\n{args.jobs} jobs of {WAIT_S * 1000:.0f} ms, concurrency {CONCURRENCY} per worker, {os.cpu_count()} CPUs")
    print("| setup | jobs/s | submit->running p50 / p99 (ms) | lost | run twice ", end="")
    print(f"| peak RSS after 100 / {args.jobs} jobs (MB) |")
    print("|---|---|---|---|---|---|")
    for label, r in rows:
        print(
            f"| {label} | {r['jobs_s']:.1f} | {r['p50']:.0f} / {r['p99']:.0f} | {r['lost']} | {r['rerun']} "
            f"| {r['rss_100']:.0f} / {r['rss_end']:.0f} |"
        )
    print(f"\n4 workers / 1 worker: {rows[2][1]['jobs_s'] / rows[1][1]['jobs_s']:.2f}x")


if __name__ == "__main__":
    main()
