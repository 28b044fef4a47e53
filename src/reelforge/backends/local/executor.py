"""Run a generation in this process: load (or reuse) the pipeline, call it in a worker thread with
progress and cancellation between steps, return the frames. The event loop is never blocked.

``InProcessExecutor`` implements the ``Executor`` Protocol of ``job.py`` (the seam for a future
multi-GPU executor).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import Cancelled, GenerationFailed, ReelforgeError
from ...types import CancelToken
from .cache import CacheEntry, PipelineCache, shared_cache
from .job import EventCallback, Executor, GenerationEvent, GenerationJob, GenerationOutput
from .loader import (
    Placement,
    component_bytes,
    free_device_bytes,
    import_diffusers,
    import_torch,
    load_pipeline,
    pick_device,
    pick_dtype,
    pick_memory,
    place,
    release,
    set_vae_options,
)
from .pipecall import build_kwargs, derive_pipeline
from .source import ModelSource

__all__ = ["EventCallback", "Executor", "GenerationEvent", "GenerationJob", "GenerationOutput", "InProcessExecutor"]


class _Interrupted(Exception):
    pass


class InProcessExecutor:
    """Runs pipelines in this process, one generation at a time, in a worker thread."""

    def __init__(self, cache: PipelineCache | None = None) -> None:
        self.cache = cache if cache is not None else shared_cache()
        self._last_latents: weakref.ref[Any] | None = None

    def last_latents_alive(self) -> bool:
        """Whether the latents of the last run are still in memory (False once a run ended or was cancelled)."""
        return self._last_latents is not None and self._last_latents() is not None

    async def generate(self, job: GenerationJob, *, on_event: EventCallback, cancel: CancelToken) -> GenerationOutput:
        loop = asyncio.get_running_loop()
        stop = threading.Event()

        def emit(event: GenerationEvent) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed: nobody listens any more
                loop.call_soon_threadsafe(on_event, event)

        try:
            return await asyncio.to_thread(self._generate, job, emit, cancel, stop)
        except asyncio.CancelledError:
            stop.set()  # the thread stops at its next step
            raise

    async def aclose(self) -> None:
        return None

    # -- in the worker thread ---------------------------------------------------------------
    def _generate(
        self, job: GenerationJob, emit: EventCallback, cancel: CancelToken, stop: threading.Event
    ) -> GenerationOutput:
        def stopped() -> bool:
            return cancel.cancelled or stop.is_set()

        lock = self.cache.run_lock  # shared by every executor on this cache: one generation at a time
        while not lock.acquire(timeout=0.1):
            if stopped():
                raise Cancelled("cancelled while waiting for the model", stage="load")
        try:
            entry, loaded, notes = self._pipeline(job, emit)
            if stopped():
                raise Cancelled("cancelled after loading", stage="load")
            return self._call(job, entry, loaded, notes, emit, stopped)
        finally:
            lock.release()

    def _pipeline(self, job: GenerationJob, emit: EventCallback) -> tuple[CacheEntry, bool, list[str]]:
        device = pick_device(job.device)
        dtype = pick_dtype(job.dtype, device)
        key = (job.source.load_target, job.source.pipeline_class, device, dtype, job.memory)
        entry = self.cache.get(key)
        if entry is not None:
            return entry, False, list(entry.info.get("notes", []))
        notes = [
            n
            for n in (
                f"device auto → {device}" if job.device == "auto" else None,
                f"dtype auto → {dtype}" if job.dtype == "auto" else None,
            )
            if n
        ]
        on_disk = _disk_bytes(job.source)
        self.cache.make_room({"cpu": on_disk})
        emit(GenerationEvent("load", message=f"loading {job.source.name} ({dtype}) for {device}"))
        started = time.perf_counter()
        pipe = load_pipeline(job.source, job.family, dtype, cache_dir=job.cache_dir, allow_download=job.allow_download)
        sizes = component_bytes(pipe)
        total = sum(sizes.values())
        if device.startswith("cuda"):
            self.cache.make_room({device: min(total, max(sizes.values(), default=0) + job.headroom_bytes)})
        free = free_device_bytes(device)
        budget = min(x for x in (free, job.gpu_budget_bytes) if x is not None) if free is not None else None
        memory, note = pick_memory(job.memory, device, sizes, budget, job.headroom_bytes)
        placement = Placement(device, dtype, memory, [*notes, *([note] if note else [])])
        try:
            place(pipe, placement)
        except Exception as exc:
            del pipe
            release(device)
            raise _failure(exc, job, "loading") from None
        on_device = total if placement.memory == "none" else 0
        footprint = {device: on_device} if device != "cpu" else {"cpu": total}
        if device != "cpu" and placement.memory != "none":
            footprint["cpu"] = total
        info = {
            "device": device,
            "dtype": dtype,
            "memory": placement.memory,
            "model_bytes": total,
            "load_s": round(time.perf_counter() - started, 3),
            "notes": placement.notes,
        }
        entry = CacheEntry(key=key, pipe=pipe, footprint=footprint, device=device, info=info)
        self.cache.put(entry)
        return entry, True, list(placement.notes)

    def _call(
        self,
        job: GenerationJob,
        entry: CacheEntry,
        loaded: bool,
        notes: list[str],
        emit: EventCallback,
        stopped: Callable[[], bool],
    ) -> GenerationOutput:
        torch = import_torch()
        pipe = derive_pipeline(entry, job.run_class, import_diffusers())
        device, memory = entry.info["device"], entry.info["memory"]
        tiling = _vae_tiling(job, device, memory)
        set_vae_options(pipe, tiling, job.vae_slicing)
        kwargs, ignored = build_kwargs(pipe, job.call, import_diffusers(), job.user_keys)
        notes = [*notes, *ignored]
        steps = int(kwargs.get("num_inference_steps", job.family.steps))
        gen_device = str(getattr(pipe, "_execution_device", device))
        generator = torch.Generator(device=gen_device).manual_seed(job.seed)
        done = [0]

        def on_step(p: Any, i: int, _t: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            total = getattr(p, "_num_timesteps", None) or steps
            done[0] = i + 1
            if "latents" in tensors:
                self._last_latents = weakref.ref(tensors["latents"])
            emit(GenerationEvent("denoise", i + 1, int(total), f"step {i + 1} of {total}"))
            if i + 1 == total:
                emit(GenerationEvent("decode", i + 1, int(total), "decoding frames"))
            if stopped():
                raise _Interrupted
            return tensors

        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats(torch.device(device))
        started = time.perf_counter()
        interrupted = False
        try:  # the pipeline's own __call__ runs under torch.no_grad
            out = pipe(**kwargs, generator=generator, output_type="np", callback_on_step_end=on_step)
        except _Interrupted:
            interrupted = True
        except Exception as exc:
            _free(pipe, device, memory)
            raise _failure(exc, job) from None
        if interrupted:  # outside the except block: the traceback (and the latents it holds) is gone
            _free(pipe, device, memory)
            raise Cancelled(f"cancelled at denoising step {done[0]} of {steps}", stage="generate")
        frames = out.frames[0] if hasattr(out, "frames") else out[0]
        del out
        info = {
            **{k: v for k, v in entry.info.items() if k != "notes"},
            **{"cached": not loaded, "steps": steps, "denoise_s": round(time.perf_counter() - started, 3)},
            **{"seed": job.seed, "vae_tiling": tiling, "pipeline": type(pipe).__name__},
        }
        if device.startswith("cuda"):
            info["peak_memory_bytes"] = int(torch.cuda.max_memory_allocated(torch.device(device)))
        return GenerationOutput(frames=np.asarray(frames), info=info, notes=notes)


def _vae_tiling(job: GenerationJob, device: str, memory: str) -> bool:
    """As configured; by default on when offloading or for large videos on CUDA."""
    if job.vae_tiling is not None:
        return job.vae_tiling
    n_pixels = job.call.get("width", 0) * job.call.get("height", 0) * job.call.get("num_frames", 1)
    return device.startswith("cuda") and (memory != "none" or n_pixels >= 832 * 480 * 49)


def _free(pipe: Any, device: str, memory: str) -> None:
    if memory in ("model_offload", "sequential_offload") and hasattr(pipe, "maybe_free_model_hooks"):
        with contextlib.suppress(Exception):
            pipe.maybe_free_model_hooks()
    release(device)


def _failure(exc: Exception, job: GenerationJob, doing: str = "running") -> Exception:
    torch = import_torch()
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return GenerationFailed(
            f"out of GPU memory {doing} {job.source.name}: set backends.diffusers.memory to model_offload or "
            "group_offload, turn on vae_tiling, or ask for fewer frames or a lower resolution",
            stage="generate",
        )
    if isinstance(exc, ReelforgeError):
        return exc
    return GenerationFailed(
        f"{doing} {job.source.name} failed: {type(exc).__name__}: {str(exc)[:300]}",
        stage="load" if doing == "loading" else "generate",
    )


def _disk_bytes(source: ModelSource) -> int:
    if source.folder is None:
        return 0
    return sum(p.stat().st_size for p in source.folder.rglob("*") if p.suffix in (".safetensors", ".bin", ".pt"))
