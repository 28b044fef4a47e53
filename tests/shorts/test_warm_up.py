"""Loading a slow thing (the visuals ranker's model) in a thread beside the narration."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

import pytest

from reelforge.errors import Cancelled
from reelforge.shorts.checkpoints import RunFolder
from reelforge.shorts.config import VisualsConfig
from reelforge.shorts.stages import warm_ranker
from reelforge.shorts.state import StageContext
from reelforge.types import CancelToken


def _ctx(tmp_path: Path) -> StageContext:
    return StageContext(
        run=RunFolder(tmp_path / "run"),
        data_dir=tmp_path,
        llm=None,
        tts=None,
        generate=None,
        render=None,  # type: ignore[arg-type]
        cancel=CancelToken(),
    )


async def test_warm_up_runs_beside_the_caller_and_is_awaited(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    nice: list[int] = []

    def load(name: str) -> None:
        started.set()
        if sys.platform == "linux":
            nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        release.wait(10)
        done.append(name)

    ctx.warm_up(load, "model")
    assert not done  # the caller goes on while it loads
    release.set()
    await ctx.warmed()
    assert started.is_set() and done == ["model"]
    if sys.platform == "linux":  # it takes only the CPU the stages leave
        assert nice and nice[0] > os.getpriority(os.PRIO_PROCESS, 0)


async def test_a_failed_warm_up_is_left_to_the_stage_that_needs_it(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)

    def broken() -> None:
        raise OSError("no model here")

    ctx.warm_up(broken)
    await ctx.warmed()  # does not raise: the visuals stage meets (and reports) the same failure itself
    await ctx.warmed()  # nothing left to wait for


def test_warm_ranker_skips_generated_visuals() -> None:
    warm_ranker(VisualsConfig(source="generate"))  # no ranker: returns at once, nothing imported


async def test_a_cancelled_run_does_not_wait_for_the_warm_up(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    release = threading.Event()
    ctx.warm_up(lambda: release.wait(10))
    ctx.begin("visuals", 0.1)
    ctx.cancel.cancel()
    try:
        with pytest.raises(Cancelled) as caught:
            await asyncio.wait_for(ctx.cancellable(ctx.warmed()), 5)
        assert caught.value.stage == "visuals"
    finally:
        release.set()
