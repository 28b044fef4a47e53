"""A scripted in-test backend: each run() pops the next outcome and counts what a provider would see."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import ClassVar

from reelforge.backends.base import Backend, Plan, ProviderJob, RunContext, RunOutput
from reelforge.types import ModelSpec


class Scripted(Backend):
    """Outcomes: "ok", an exception raised before submit, or ("after_submit", exception)."""

    kind = "hosted"
    description = "scripted test backend"
    clip: ClassVar[Path]
    price: ClassVar[float] = 0.0
    script: ClassVar[list[object]]
    calls: ClassVar[int]
    submits: ClassVar[int]
    resumed: ClassVar[list[str]]

    def models(self) -> list[ModelSpec]:
        return [ModelSpec(name="s1", operations=("text-to-video", "image-to-video"), any_size=True, max_duration_s=20)]

    def estimate_cost(self, plan: Plan) -> float:
        return self.price

    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        cls = type(self)
        cls.calls += 1
        outcome = cls.script.pop(0) if cls.script else "ok"
        job = ctx.resume
        if job is not None:
            cls.resumed.append(job.id)
        elif isinstance(outcome, BaseException):
            raise outcome  # refused before anything was created
        else:
            cls.submits += 1
            job = ProviderJob(backend=cls.name, id=f"{cls.name}-job-{cls.submits}")
            if ctx.on_submitted is not None:
                await ctx.on_submitted(job)
        if isinstance(outcome, tuple):
            raise outcome[1]
        shutil.copyfile(cls.clip, ctx.out_path)
        return RunOutput(provider_job=job, actual_usd=cls.price or None, billable=cls.price > 0)


def make_backend(name: str, clip: Path, script: list[object] | None = None, price: float = 0.0) -> type[Scripted]:
    return type(
        f"Scripted_{name}",
        (Scripted,),
        {
            "name": name,
            "clip": clip,
            "script": list(script or []),
            "price": price,
            "calls": 0,
            "submits": 0,
            "resumed": [],
        },
    )
