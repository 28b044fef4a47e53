"""Seconds per video and peak memory of the diffusers backend against the plain diffusers call.

For each model and memory mode the pipeline is loaded and placed once (``pipe.to`` or
``enable_*_offload``: the documented calls), then calls alternate on that same pipeline object: the
plain diffusers call (``pipe(...)`` with a seeded generator) and reelforge's executor (cache lookup,
worker thread, per-step callback, cancellation checks). Same seed, size, frames and steps.
``overhead`` is median(ours) / median(plain) - 1 (target < 3 %), ``best-run`` the same with the fastest
run of each side (less disturbed by other processes); H.264 encoding (which the plain call does not do) is
timed on its own, and so is the first call (loading and placing the model).

    python benchmarks/bench_diffusers.py                 # --tiny on CPU when there is no CUDA
    python benchmarks/bench_diffusers.py --full-arch wan2.1-1.3b --modes none,model_offload,group_offload,auto
    python benchmarks/bench_diffusers.py --model /path/to/a/diffusers/model --size 832x480 --frames 81

``--full-arch wan2.1-1.3b`` builds Wan2.1-T2V-1.3B's published architecture (UMT5-XXL encoder, 30-layer
1.3B transformer, Wan VAE) with random weights (no download): speed and memory do not depend on the
weight values. ``--layers N`` shrinks both to N layers for a quick smoke run of that path.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tiny test models live under tests/

import numpy as np
import torch
from tests.backends.local.tiny import save_tiny, tiny_tokenizer

from reelforge.backends.base import RunContext
from reelforge.backends.diffusers import DiffusersBackend
from reelforge.backends.local.cache import PipelineCache
from reelforge.backends.local.encode import encode_frames
from reelforge.backends.local.executor import InProcessExecutor
from reelforge.backends.local.loader import import_diffusers, release
from reelforge.backends.local.pipecall import build_kwargs
from reelforge.types import CancelToken, VideoRequest

MB = 1024**2


class PeakMemory:
    """Peak CUDA allocation, or peak process RSS sampled every 2 ms on CPU, above the level at start."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> PeakMemory:
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self._base = torch.cuda.memory_allocated()
        else:
            self._base = self._rss()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss() - self._base)
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated()  # weights resident on the GPU count too
        else:
            self._stop.set()
            self._thread.join()


def build_wan_full(folder: Path, layers: int | None, device: str) -> Path:
    """Wan2.1-T2V-1.3B's published architecture with random weights, saved as a diffusers model folder."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    build_on = device if device.startswith("cuda") else "cpu"
    with torch.device(build_on):
        torch.manual_seed(0)
        t5 = UMT5EncoderModel(
            UMT5Config(
                vocab_size=256384,
                d_model=4096,
                d_kv=64,
                d_ff=10240,
                num_layers=layers or 24,
                num_heads=64,
                relative_attention_num_buckets=32,
                relative_attention_max_distance=128,
                feed_forward_proj="gated-gelu",
                dense_act_fn="gelu_new",
                is_gated_act=True,
                layer_norm_epsilon=1e-6,
                tie_word_embeddings=False,
            )
        ).to(torch.bfloat16)
        transformer = WanTransformer3DModel(
            patch_size=(1, 2, 2),
            num_attention_heads=12,
            attention_head_dim=128,
            in_channels=16,
            out_channels=16,
            text_dim=4096,
            freq_dim=256,
            ffn_dim=8960,
            num_layers=layers or 30,
            cross_attn_norm=True,
            qk_norm="rms_norm_across_heads",
            eps=1e-6,
            rope_max_seq_len=1024,
        ).to(torch.bfloat16)
        vae = AutoencoderKLWan(
            base_dim=96, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2, temperal_downsample=[False, True, True]
        )
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
    pipe = WanPipeline(
        tokenizer=tiny_tokenizer(), text_encoder=t5, vae=vae, transformer=transformer, scheduler=scheduler
    )
    pipe.to("cpu").save_pretrained(folder)
    del pipe, t5, transformer, vae
    release(device)
    return folder


def run_plain(pipe: Any, job: Any, device: str) -> Any:
    """The documented diffusers call: ``pipe(...)`` with a seeded generator, nothing else."""
    call, _ = build_kwargs(pipe, job.call, import_diffusers())  # the same arguments our executor passes
    generator = torch.Generator(device=str(getattr(pipe, "_execution_device", device))).manual_seed(job.seed)
    return pipe(**call, generator=generator, output_type="np").frames[0]


async def bench_one(model: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    """Alternate plain and reelforge calls on the same loaded, placed pipeline; medians of each."""
    device = args.device
    cfg = {"model": model, "device": device, "memory": mode, "num_inference_steps": args.steps, "dtype": args.dtype}
    if args.vae_tiling is not None:
        cfg["vae_tiling"] = args.vae_tiling
    executor = InProcessExecutor(PipelineCache(max_models=1))
    backend = DiffusersBackend(cfg, executor=executor)
    rule = backend.model_spec(model).frame_rule
    frames = rule.snap(args.frames) if rule is not None else args.frames  # e.g. CogVideoX: its one clip length
    request = VideoRequest(prompt="a paper boat on a rainy street", resolution=args.size, seed=0, num_frames=frames)
    plan = backend.validate(request)
    job, _ = await backend.make_job(plan, RunContext(out_path=Path(args.tmp) / "x.mp4"))
    events: list[Any] = []
    t = time.perf_counter()
    out = await executor.generate(job, on_event=events.append, cancel=CancelToken())  # loads, places, warms up
    first_s = time.perf_counter() - t
    info = out.info
    [entry] = [executor.cache.get(k) for k in executor.cache.loaded_keys()]
    assert entry is not None
    pipe = entry.variants.get(job.run_class, entry.pipe)  # the very pipeline our executor calls
    await asyncio.to_thread(run_plain, pipe, job, info["device"])  # warm-up of the plain path
    ours_t, plain_t, ours_peak, plain_peak = [], [], 0, 0
    for _ in range(args.repeats):
        with PeakMemory(device) as mem:
            t = time.perf_counter()
            await asyncio.to_thread(run_plain, pipe, job, info["device"])
            plain_t.append(time.perf_counter() - t)
        plain_peak = max(plain_peak, mem.peak)
        with PeakMemory(device) as mem:
            t = time.perf_counter()
            out = await executor.generate(job, on_event=events.append, cancel=CancelToken())
            ours_t.append(time.perf_counter() - t)
        ours_peak = max(ours_peak, mem.peak)
    t = time.perf_counter()
    await encode_frames(out.frames, plan.fps, Path(args.tmp) / "bench.mp4")
    encode_s = time.perf_counter() - t
    del pipe, entry, out
    executor.cache.clear()
    release(info["device"])
    ours, plain = statistics.median(ours_t), statistics.median(plain_t)
    name = Path(model).name if Path(model).exists() else model
    size = f"{plan.width}x{plan.height}x{plan.num_frames}"
    return {
        "model": name,
        "mode": mode,
        "picked": info["memory"],
        "size": size,
        "first": first_s,
        "plain": plain,
        "ours": ours,
        "overhead": ours / plain - 1,
        "overhead_min": min(ours_t) / min(plain_t) - 1,  # best runs: least disturbed by other processes
        "encode": encode_s,
        "plain_peak": plain_peak,
        "ours_peak": ours_peak,
    }


class _NoopPipe:
    """A pipeline-shaped object that does no work: ``steps`` callbacks, then one tiny frame array."""

    _execution_device = "cpu"

    def __call__(
        self,
        prompt: str = "",
        height: int = 16,
        width: int = 16,
        num_frames: int = 1,
        num_inference_steps: int = 50,
        generator: Any = None,
        output_type: str = "np",
        callback_on_step_end: Any = None,
    ) -> Any:
        latents = torch.zeros(1, 4, 2, 2)
        for i in range(num_inference_steps):
            if callback_on_step_end is not None:
                callback_on_step_end(self, i, i, {"latents": latents})
        return type("Out", (), {"frames": np.zeros((1, num_frames, height, width, 3), np.float32)})()


async def fixed_overhead(steps: int = 50, reps: int = 200) -> tuple[float, float]:
    """Median milliseconds per call of the plain call and of our executor around a pipeline that does nothing."""
    from reelforge.backends.local.cache import CacheEntry
    from reelforge.backends.local.executor import GenerationJob
    from reelforge.backends.local.families import WAN
    from reelforge.backends.local.source import ModelSource

    source = ModelSource(name="noop", pipeline_class="_NoopPipe", folder=Path("/noop"))
    call = {"prompt": "x", "height": 16, "width": 16, "num_frames": 1, "num_inference_steps": steps}
    job = GenerationJob(
        source=source,
        family=WAN,
        run_class="_NoopPipe",
        call=call,
        seed=0,
        device="cpu",
        dtype="float32",
        memory="none",
    )
    executor = InProcessExecutor(PipelineCache())
    key = (source.load_target, source.pipeline_class, "cpu", "float32", "none")
    executor.cache.put(
        CacheEntry(
            key=key,
            pipe=_NoopPipe(),
            footprint={},
            device="cpu",
            info={"device": "cpu", "dtype": "float32", "memory": "none"},
        )
    )
    pipe = _NoopPipe()
    plain_t, ours_t = [], []
    for _ in range(reps):
        t = time.perf_counter()
        await asyncio.to_thread(run_plain, pipe, job, "cpu")
        plain_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        await executor.generate(job, on_event=lambda e: None, cancel=CancelToken())
        ours_t.append(time.perf_counter() - t)
    return statistics.median(plain_t) * 1000, statistics.median(ours_t) * 1000


def print_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    where = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else f"CPU ({os.cpu_count()} cores)"
    unit = "peak GPU MB" if args.device.startswith("cuda") else "peak RSS MB"
    print(
        f"diffusers backend vs plain diffusers: {where}, torch {torch.__version__}, "
        f"{args.steps} steps, median of {args.repeats}"
    )
    head = (
        f"{'model':<22} {'mode':<14} {'picked':<14} {'WxHxF':<13} {'load+1st s':>10} {'plain s':>8} {'ours s':>8} "
        f"{'overhead':>9} {'best-run':>9} {'encode s':>9} {unit + ' plain':>19} {unit + ' ours':>18}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['model'][:22]:<22} {r['mode']:<14} {r['picked']:<14} {r['size']:<13} {r['first']:>10.2f} "
            f"{r['plain']:>8.3f} "
            f"{r['ours']:>8.3f} {r['overhead']:>+8.1%} {r['overhead_min']:>+8.1%} {r['encode']:>9.3f} "
            f"{r['plain_peak'] / MB:>19.0f} "
            f"{r['ours_peak'] / MB:>18.0f}"
        )


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiny", action="store_true", help="tiny random models (default without CUDA)")
    p.add_argument("--full-arch", choices=["wan2.1-1.3b"], help="a published architecture with random weights")
    p.add_argument("--model", action="append", help="a diffusers model id or folder (repeatable)")
    p.add_argument("--layers", type=int, help="with --full-arch: this many layers (a smoke run)")
    p.add_argument(
        "--modes",
        default=None,
        help="comma-separated: none,model_offload,sequential_offload,"
        "group_offload,auto (default: none on CPU, all on CUDA)",
    )
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dtype", default="auto", choices=["auto", "bfloat16", "float16", "float32"])
    p.add_argument("--size", default=None, help="WxH (default: 64x64 tiny, 832x480 otherwise)")
    p.add_argument("--frames", type=int, default=None, help="frames (default: 17 tiny, 81 otherwise)")
    p.add_argument("--steps", type=int, default=None, help="denoising steps (default: 4 tiny, 10 otherwise)")
    p.add_argument("--repeats", type=int, default=None, help="timed runs per side (default: 5 tiny, 2 otherwise)")
    p.add_argument("--vae-tiling", type=lambda s: s.lower() in ("1", "true", "on"), default=None)
    p.add_argument("--quick", action="store_true", help="one tiny model, one repeat (CI)")
    args = p.parse_args()
    tiny = args.tiny or args.quick or not (args.full_arch or args.model)
    args.size = args.size or ("64x64" if tiny else "832x480")
    args.frames = args.frames or (17 if tiny else 81)
    args.steps = args.steps or (4 if tiny else 10)
    args.repeats = args.repeats or (1 if args.quick else 5 if tiny else 2)
    cuda = args.device.startswith("cuda")
    modes = args.modes or ("none,model_offload,sequential_offload,group_offload,auto" if cuda else "none")
    with tempfile.TemporaryDirectory() as tmp:
        args.tmp = tmp
        models = list(args.model or [])
        if args.full_arch:
            models.append(str(build_wan_full(Path(tmp) / "wan2.1-1.3b-random", args.layers, args.device)))
        if tiny and not models:
            families = ["ltx"] if args.quick else ["wan", "ltx", "cogvideox"]
            models = [str(save_tiny(f, Path(tmp) / f"tiny-{f}")) for f in families]
        rows = []
        for model in models:
            for mode in modes.split(","):
                rows.append(await bench_one(model, mode.strip(), args))
                print(
                    f"  {rows[-1]['model']} {mode}: ours {rows[-1]['ours']:.3f}s plain {rows[-1]['plain']:.3f}s",
                    file=sys.stderr,
                )
        print_table(rows, args)
        plain_ms, ours_ms = await fixed_overhead()
        print(
            f"fixed cost per video around a no-op 50-step pipeline: plain {plain_ms:.2f} ms, "
            f"reelforge {ours_ms:.2f} ms (+{ours_ms - plain_ms:.2f} ms per video)"
        )


if __name__ == "__main__":
    asyncio.run(main())
