"""Seeds, progress per denoising step, cancellation between steps, and a free event loop while generating."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from reelforge.backends.base import RunContext
from reelforge.backends.local.executor import InProcessExecutor
from reelforge.errors import Cancelled
from reelforge.types import CancelToken, VideoRequest

from .conftest import last_info, make_backend


def _frames(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


async def _generate(tiny_models: dict[str, Path], executor: InProcessExecutor, out: Path, seed: int) -> np.ndarray:
    backend = make_backend(tiny_models["ltx"], executor)
    plan = backend.validate(VideoRequest(prompt="a bird over the sea", resolution="32x32", num_frames=9, seed=seed))
    await backend.run(plan, RunContext(out_path=out))
    return _frames(out)


async def test_same_seed_same_frames_other_seed_other_frames(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    a = await _generate(tiny_models, shared_executor, tmp_path / "a.mp4", seed=7)
    b = await _generate(tiny_models, shared_executor, tmp_path / "b.mp4", seed=7)
    c = await _generate(tiny_models, shared_executor, tmp_path / "c.mp4", seed=8)
    assert a.shape == (9, 32, 32, 3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


async def test_without_a_seed_one_is_drawn_and_reported(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    backend = make_backend(tiny_models["ltx"], shared_executor)
    plan = backend.validate(VideoRequest(prompt="a car", resolution="32x32", num_frames=9))
    assert plan.seed is None
    output = await backend.run(plan, RunContext(out_path=tmp_path / "x.mp4"))
    assert isinstance(output.seed, int)


async def test_progress_reports_each_step_in_order(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    backend = make_backend(tiny_models["ltx"], shared_executor, num_inference_steps=3)
    plan = backend.validate(VideoRequest(prompt="a cat", resolution="32x32", num_frames=9, seed=1))
    seen: list[tuple[float, str]] = []
    await backend.run(plan, RunContext(out_path=tmp_path / "p.mp4", on_progress=lambda f, m: seen.append((f, m))))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    steps = [m for _, m in seen if m.startswith("denoising")]
    assert steps == ["denoising: step 1 of 3", "denoising: step 2 of 3", "denoising: step 3 of 3"]
    messages = [m for _, m in seen]
    assert messages.index("decoding frames") > messages.index(steps[-1])
    assert any(m.startswith("encoding") for m in messages)


class CancelledInTheWorker(CancelToken):
    """Cancelled at the worker thread's ``checks``-th look (one after loading, then one per denoising step),
    so the run stops at a known step however late the event loop delivers progress."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.left = checks

    @property
    def cancelled(self) -> bool:
        if threading.current_thread() is not threading.main_thread() and not self._event.is_set():
            self.left -= 1
            if self.left <= 0:
                self.cancel()
        return self._event.is_set()


async def test_cancel_between_steps_frees_the_run_and_leaves_no_file(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    backend = make_backend(tiny_models["ltx"], shared_executor, num_inference_steps=4)
    plan = backend.validate(VideoRequest(prompt="a cat", resolution="32x32", num_frames=9, seed=1))
    cancel = CancelledInTheWorker(checks=3)  # after loading, step 1, step 2: cancelled at step 2
    seen: list[str] = []

    def on_progress(_f: float, message: str) -> None:
        seen.append(message)

    with pytest.raises(Cancelled) as err:
        await backend.run(plan, RunContext(out_path=tmp_path / "c.mp4", on_progress=on_progress, cancel=cancel))
    assert err.value.stage == "generate" and "step 2 of 4" in str(err.value)
    assert "step 3 of 4" not in " ".join(seen)  # it stopped between steps, before the third
    assert list(tmp_path.iterdir()) == []
    assert not shared_executor.last_latents_alive()  # the latents were released, not kept by a traceback
    await backend.run(plan, RunContext(out_path=tmp_path / "after.mp4"))  # the cached pipeline still works
    assert last_info(backend)["cached"] is True


async def test_cancelled_before_start_does_nothing(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    backend = make_backend(tiny_models["ltx"], shared_executor)
    plan = backend.validate(VideoRequest(prompt="a cat", resolution="32x32", num_frames=9, seed=1))
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        await backend.run(plan, RunContext(out_path=tmp_path / "c.mp4", cancel=cancel))
    assert list(tmp_path.iterdir()) == []


async def test_the_event_loop_keeps_running_while_generating(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    backend = make_backend(tiny_models["ltx"], shared_executor)
    plan = backend.validate(VideoRequest(prompt="a cat", resolution="32x32", num_frames=9, seed=1))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await backend.run(plan, RunContext(out_path=tmp_path / "t.mp4"))
    done.set()
    await task
    assert ticks >= 3
