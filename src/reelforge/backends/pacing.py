"""When to poll a hosted job next: adaptive intervals instead of a fixed clock.

A fixed interval spends most polls on jobs that cannot be done yet (a 90 s task polled every 5 s costs 18
requests, each counted against the provider's rate limit and this process's CPU). ``PollPacer`` picks each
wait from what is known, in this order:

1. the provider's reported progress: the remaining time is estimated from the time spent so far, and half
   of it is waited (never less than ``poll_interval_s``, never longer than half the time spent so far);
2. the provider's queue position: one interval per job ahead, plus one;
3. how long this model's earlier jobs took (``TaskTimes``, this process; else the ledger's recent runs):
   the first poll comes at the earliest usual finish, then every ``poll_interval_s``;
4. nothing known: every ``poll_interval_s`` while the job is young, then a tenth of its age (a job that has
   run 10 minutes is polled once a minute), so a long job is not polled hundreds of times.

Every wait lies between ``poll_interval_s`` and ``max_poll_interval_s``; ``adaptive_polling: false``
brings back the fixed interval. The cost of a wait past the finish is bounded by the ceiling; polls saved
are requests the provider does not rate-limit and CPU this process does not spend (``bench_hosted.py``).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Plan, RunContext

QUANTILE = 0.2  # "the earliest usual finish": this quantile of the recent finishes
WINDOW = 32  # recent finishes kept per model
AGE_FRACTION = 0.1  # with nothing known, an old job is polled every tenth of its age
UNSEEN = 0.9  # a job done at its first poll counts as this fraction of that time (so faster jobs are learned)
MIN_PROGRESS = 0.05  # below this, a reported fraction says too little about the remaining time


@dataclass
class TaskTimes:
    """How long each model's jobs took from submit to done, as seen by this process (one per backend)."""

    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def expected(self, key: str) -> float | None:
        """The earliest usual finish of ``key``'s jobs in seconds after submit, or None before any finished."""
        seen = self._seen.get(key)
        if not seen:
            return None
        ordered = sorted(seen)
        return ordered[int(QUANTILE * (len(ordered) - 1))]

    def observe(self, key: str, not_done_at: float | None, done_at: float, step: float) -> None:
        """A job of ``key`` was seen running at ``not_done_at`` (if ever) and done at ``done_at`` seconds
        after its submit, polling every ``step`` seconds at least."""
        seen_running = not_done_at is not None and not_done_at < done_at
        # done at the first look: it may have finished well before; a late look does not make a job slower
        finish = min(done_at, not_done_at + step) if seen_running else UNSEEN * done_at  # type: ignore[operator]
        self._seen.setdefault(key, deque(maxlen=WINDOW)).append(finish)


class PollPacer:
    """The waits between one job's polls (see the module docstring)."""

    def __init__(
        self,
        base_s: float,
        ceiling_s: float,
        *,
        expected_s: float | None = None,
        adaptive: bool = True,
        clock: float | None = None,
        times: TaskTimes | None = None,
        key: str = "",
    ) -> None:
        self.base = base_s
        self.ceiling = max(base_s, ceiling_s)
        self.expected = expected_s if adaptive else None
        self.adaptive = adaptive
        self.started = time.monotonic() if clock is None else clock
        self.not_done_at: float | None = None  # seconds after start when the job was last seen unfinished
        self._times, self._key = times, key

    def submitted(self) -> None:
        """The provider has the job now: its time counts from here."""
        self.started = time.monotonic()

    def learn(self) -> None:
        """The job is done now: remember how long it took for the next job of its kind."""
        if self._times is not None:
            self._times.observe(self._key, self.not_done_at, self.age(), self.base)

    def age(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.started

    def first(self) -> float:
        """The wait before the first poll of a job just submitted (none without an expectation)."""
        if self.expected is None:
            return 0.0
        return min(self.ceiling, max(0.0, self.expected - self.age()))

    def next(self, progress: float | None, queue_position: int | None, now: float | None = None) -> float:
        """The wait after a poll that found the job unfinished."""
        age = self.age(now)
        self.not_done_at = age
        if not self.adaptive:
            return self.base
        return min(self.ceiling, max(self.base, self._wanted(age, progress, queue_position)))

    def _wanted(self, age: float, progress: float | None, queue_position: int | None) -> float:
        if progress is not None and MIN_PROGRESS <= progress < 1:
            remaining = age * (1 - progress) / progress
            return min(remaining / 2, age / 2)
        if queue_position is not None and queue_position > 0:
            return self.base * (queue_position + 1)
        if self.expected is not None:
            early = self.expected - age
            if early > 0:
                return early
            if age < 2 * self.expected:
                return self.base
        return AGE_FRACTION * age


def pace_key(plan: Plan) -> str:
    """Jobs expected to take about as long as each other: the same model, operation, size and length."""
    return f"{plan.model}|{plan.operation}|{plan.width}x{plan.height}|{plan.duration_s:g}"


def pacer_for(times: TaskTimes, config: Any, plan: Plan, ctx: RunContext) -> PollPacer:
    """A pacer for one job of a hosted backend: ``config``'s poll settings and the backend's ``times``, else
    ``ctx.typical_s`` (the ledger's recent runs) until this process has seen one finish. A resumed job is
    polled at once and teaches nothing (its submit time is unknown)."""
    resumed = ctx.resume is not None
    key = pace_key(plan)
    return PollPacer(
        config.poll_interval_s,
        config.max_poll_interval_s,
        expected_s=None if resumed else times.expected(key) or ctx.typical_s,
        adaptive=config.adaptive_polling,
        times=None if resumed else times,
        key=key,
    )


__all__ = [
    "AGE_FRACTION",
    "MIN_PROGRESS",
    "QUANTILE",
    "UNSEEN",
    "WINDOW",
    "PollPacer",
    "TaskTimes",
    "pace_key",
    "pacer_for",
]
