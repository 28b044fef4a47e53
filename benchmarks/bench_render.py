"""Render one 60 s 1080x1920 short three ways and print a table.

(a) reelforge's renderer, (b) the same timeline in MoviePy 2 (per-frame compositing in Python, what
most short-video tools do today), (c) one hand-written ffmpeg command (the floor). Then (a) again on
a 10-minute version of the timeline, to show memory does not grow with length.

Timeline: 3 clips (1920x1080@30, 1280x720@60, 720x1280@25), 3 stills with Ken Burns, 0.5 s
crossfades, karaoke captions, music ducked under narration, loudness normalised to -14 LUFS.
All variants use libx264 veryfast CRF 21, yuv420p, AAC.

    python benchmarks/bench_render.py            # full figures (takes a while: MoviePy is slow)
    python benchmarks/bench_render.py --quick    # 12 s at 540x960, a minute or two
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve()
_TEXT = "the quick brown fox jumps over the lazy dog while seven bright rivers carry paper boats down to a quiet sea"
WORDS = _TEXT.split(" ")


def ffmpeg() -> str:
    from reelforge.media import ffmpeg_exe

    return ffmpeg_exe()


def make_inputs(d: Path, total_s: float) -> dict[str, str]:
    ff = ffmpeg()
    d.mkdir(parents=True, exist_ok=True)
    clip_s = 14
    jobs = {
        "clip1.mp4": ["-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={clip_s}"],
        "clip2.mp4": ["-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=60:d={clip_s}"],
        "clip3.mp4": [
            "-f",
            "lavfi",
            "-i",
            f"smptehdbars=s=720x1280:r=25:d={clip_s}",
            "-vf",
            "drawbox=x='mod(t*200,600)':y=300:w=120:h=120:c=red:t=fill",
        ],
        "still1.jpg": ["-f", "lavfi", "-i", "mandelbrot=s=3000x2000", "-frames:v", "1"],
        "still2.jpg": ["-f", "lavfi", "-i", "testsrc2=s=2400x3200", "-frames:v", "1"],
        "still3.png": ["-f", "lavfi", "-i", "gradients=s=2048x2048:n=5:seed=3", "-frames:v", "1"],
        "narration.wav": [
            "-f",
            "lavfi",
            "-i",
            f"sine=f=180:d={total_s},tremolo=f=4:d=0.7,volume='if(lt(mod(t,5),4),0.5,0)':eval=frame",
            "-ar",
            "24000",
        ],
        "music.mp3": [
            "-f",
            "lavfi",
            "-i",
            "aevalsrc='0.2*sin(2*PI*220*t)+0.2*sin(2*PI*277*t)+0.15*sin(2*PI*330*t)':d=20:s=44100",
            "-ac",
            "2",
        ],
    }
    out = {}
    for name, args in jobs.items():
        path = d / name
        if not path.exists():
            enc = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"] if name.endswith(".mp4") else []
            subprocess.run([ff, "-hide_banner", "-loglevel", "error", "-y", *args, *enc, str(path)], check=True)
        out[name.split(".")[0]] = str(path)
    return out


def words(total_s: float) -> list[dict]:
    out, t, i = [], 0.3, 0
    while t < total_s - 0.5:
        text = WORDS[i % len(WORDS)] + ("." if i % 9 == 8 else "")
        out.append({"text": text, "start_s": round(t, 3), "end_s": round(t + 0.3, 3)})
        t += 0.38 + (0.4 if i % 9 == 8 else 0)
        i += 1
    return out


def spec(inputs: dict[str, str], total_s: float, size: tuple[int, int], repeat: int = 1) -> dict:
    order = ["clip1", "still1", "clip2", "still2", "clip3", "still3"]
    per = total_s / (len(order) * repeat)
    scenes = []
    for r in range(repeat):
        for k, name in enumerate(order):
            vis = (
                {"kind": "clip", "path": inputs[name]}
                if name.startswith("clip")
                else {"kind": "image", "path": inputs[name], "kenburns": ["in", "right", "out"][k // 2]}
            )
            sc = {"duration_s": per, "visual": vis}
            if r or k:
                sc["transition"] = {"kind": "fade", "duration_s": 0.5}
            scenes.append(sc)
    return {
        "output": {"width": size[0], "height": size[1], "fps": 30, "quality": "standard"},
        "scenes": scenes,
        "narration": inputs["narration"],
        "music": {"path": inputs["music"], "volume_db": -12, "duck": True},
        "captions": {"words": words(total_s), "mode": "karaoke", "style": "bold"},
    }


def measure(argv: list[str]) -> tuple[float, float]:
    """Run ``argv``; return (wall seconds, peak RSS in MB of the whole process tree)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv)
    peak = 0
    ps = psutil.Process(proc.pid)
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                procs = [ps, *ps.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    code = proc.wait()
    done.set()
    th.join()
    if code:
        raise SystemExit(f"{argv[:3]} failed with exit code {code}")
    return time.perf_counter() - t0, peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="12 s at 540x960 (long run: 72 s)")
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--skip-long", action="store_true")
    ap.add_argument("--workdir", default=None, help="inputs, outputs and results.json (reused across runs)")
    ap.add_argument("--runs", default="a,c,a-long,b", help="which runs, comma-separated (a, b, c, a-long)")
    ap.add_argument("--worker", choices=["reelforge", "moviepy", "ffmpeg"], help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        from bench_workers import run_worker  # the three implementations

        run_worker(args.worker, json.loads(Path(args.spec).read_text()), Path(args.out))
        return
    total = 12.0 if args.quick else 60.0
    size = (540, 960) if args.quick else (1080, 1920)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-render-"))
    inputs = make_inputs(work / "inputs", total)
    results_path = work / "results.json"
    saved = json.loads(results_path.read_text()) if results_path.exists() else {}
    mode = "quick" if args.quick else "full"
    rows = saved.setdefault(mode, {})
    wanted = [r for r in args.runs.split(",") if r]
    if args.skip_long:
        wanted = [r for r in wanted if r != "a-long"]
    if args.skip_moviepy:
        wanted = [r for r in wanted if r != "b"]
    table = {
        "a": ("reelforge", 1),
        "c": ("ffmpeg", 1),
        "a-long": ("reelforge", 6 if args.quick else 10),
        "b": ("moviepy", 1),
    }
    for tag in wanted:
        worker, repeat = table[tag]
        sp = spec(inputs, total * repeat, size, repeat)
        sp_path = work / f"spec-{tag}.json"
        sp_path.write_text(json.dumps(sp))
        out = work / f"out-{tag}-{mode}.mp4"
        argv = [sys.executable, str(HERE), "--worker", worker, "--spec", str(sp_path), "--out", str(out)]
        wall, rss = measure(argv)
        from reelforge.media import probe

        p = probe(out)
        rows[tag] = [tag, worker, total * repeat, f"{p.width}x{p.height}", p.duration_s, wall, rss]
        print(f"  {tag}: {worker} {wall:.1f} s, peak RSS {rss:.0f} MB", flush=True)
        latest = json.loads(results_path.read_text()) if results_path.exists() else {}
        latest.setdefault(mode, {})[tag] = rows[tag]  # other invocations may share the file
        results_path.write_text(json.dumps(latest, indent=1))
        rows = latest[mode]
    order = ["a", "b", "c", "a-long"]
    rows = json.loads(results_path.read_text()).get(mode, {}) if results_path.exists() else rows
    rows = [tuple(rows[t]) for t in order if t in rows]
    print_table(rows, args.quick)


def print_table(rows: list[tuple], quick: bool) -> None:
    print(f"\nrender benchmark ({'quick' if quick else 'full'}; {psutil.cpu_count()} CPUs)")
    print(f"{'run':<7} {'impl':<10} {'timeline':>9} {'size':>10} {'out dur':>8} {'wall s':>8} {'peak RSS MB':>12}")
    for tag, impl, tl, size, dur, wall, rss in rows:
        print(f"{tag:<7} {impl:<10} {tl:>8.0f}s {size:>10} {dur:>8.2f} {wall:>8.1f} {rss:>12.0f}")
    by = {r[0]: r for r in rows}
    if "a" not in by:
        return
    a = by["a"]
    print()
    if "b" in by:
        r = a[5] / by["b"][5]
        print(f"(a)/(b) time  = {r:.3f}   target <= 0.1   {'OK' if r <= 0.1 else 'MISS'}")
    if "c" in by:
        r = a[5] / by["c"][5]
        print(f"(a)/(c) time  = {r:.3f}   target <= 1.15  {'OK' if r <= 1.15 else 'MISS'}")
    print(f"(a) peak RSS  = {a[6]:.0f} MB  target < 1024  {'OK' if a[6] < 1024 else 'MISS'}")
    if "a-long" in by:
        r = by["a-long"][6] / a[6]
        print(f"long/60s RSS  = {r:.2f}   target <= 1.25  {'OK' if r <= 1.25 else 'MISS'}")


if __name__ == "__main__":
    main()
