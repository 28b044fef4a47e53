"""Adaptive polling: each wait from progress, queue position, earlier jobs' durations, or the job's age."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelforge.backends import create_backend
from reelforge.backends.pacing import AGE_FRACTION, UNSEEN, PollPacer, TaskTimes
from reelforge.types import VideoRequest
from tests.fakes.kit import run_backend
from tests.fakes.server import FakeServer
from tests.fakes.wavespeed_server import KEY, FakeWavespeed

BASE, CEILING = 1.0, 30.0


def pacer(expected: float | None = None, adaptive: bool = True) -> PollPacer:
    return PollPacer(BASE, CEILING, expected_s=expected, adaptive=adaptive, clock=0.0)


def test_with_nothing_known_a_young_job_is_polled_every_interval_and_an_old_one_by_its_age() -> None:
    p = pacer()
    assert p.first() == 0.0
    assert p.next(None, None, now=2.0) == BASE
    assert p.next(None, None, now=100.0) == pytest.approx(AGE_FRACTION * 100)
    assert p.next(None, None, now=10_000.0) == CEILING
    assert p.not_done_at == 10_000.0


def test_reported_progress_waits_half_the_remaining_time() -> None:
    p = pacer()
    assert p.next(0.5, None, now=20.0) == pytest.approx(10.0)  # 20 s more expected: wait 10
    assert p.next(0.9, None, now=36.0) == pytest.approx(2.0)  # 4 s more expected: wait 2
    assert p.next(0.01, None, now=5.0) == BASE  # too early to tell: the interval
    assert p.next(0.1, None, now=2.0) == BASE  # never longer than half the age, never under the interval


def test_queue_position_waits_one_interval_per_job_ahead() -> None:
    p = pacer()
    assert p.next(None, 3, now=1.0) == pytest.approx(4 * BASE)
    assert p.next(None, 500, now=1.0) == CEILING
    assert p.next(None, 0, now=1.0) == BASE


def test_an_expected_duration_moves_the_first_poll_to_just_before_the_finish() -> None:
    p = PollPacer(BASE, CEILING, expected_s=12.0)
    assert 11.5 < p.first() <= 12.0
    p = pacer(expected=12.0)
    assert p.next(None, None, now=5.0) == pytest.approx(7.0)  # still early: wait until the usual finish
    assert p.next(None, None, now=13.0) == BASE  # due now: the interval
    assert p.next(None, None, now=100.0) == pytest.approx(10.0)  # far past it: by age again
    long = pacer(expected=1000.0)
    assert long.next(None, None, now=1.0) == CEILING  # never longer than the ceiling


def test_adaptive_polling_off_is_a_fixed_interval() -> None:
    p = pacer(expected=50.0, adaptive=False)
    assert p.first() == 0.0
    assert p.next(0.5, 4, now=300.0) == BASE


def test_task_times_keep_the_early_quantile_of_recent_finishes() -> None:
    times = TaskTimes()
    assert times.expected("m") is None
    for done in (10.0, 12.0, 11.0, 30.0, 9.0):
        times.observe("m", done - 1.0, done, step=0.5)  # running one second before it was seen done
    assert times.expected("m") == pytest.approx(8.5)  # the early end, not the mean pulled up by the 30 s one
    times.observe("late-look", 5.0, 60.0, step=1.0)  # a poll that came late: finished by 6 s at most
    assert times.expected("late-look") == pytest.approx(6.0)
    times.observe("first-look", None, 10.0, step=1.0)  # done at the first look: somewhat earlier than 10 s
    assert times.expected("first-look") == pytest.approx(UNSEEN * 10.0)
    assert times.expected("other") is None


@pytest.fixture
def fake() -> Iterator[tuple[FakeWavespeed, FakeServer]]:
    provider = FakeWavespeed(latency_s=0.5)
    with FakeServer(provider.app) as server:
        yield provider, server


async def polls_of_three_runs(server: FakeServer, tmp_path: Path, **over: Any) -> list[int]:
    cfg = {"api_key": KEY, "base_url": server.url, "poll_interval_s": 0.02, "timeout_s": 20, **over}
    backend = create_backend("wavespeed", cfg)  # one instance, as the engine keeps it: it learns
    counts = []
    for i in range(3):
        before = len(server.seen("GET", "/api/v3/predictions"))
        await run_backend(backend, VideoRequest(prompt=f"boat {i}", duration_s=5), tmp_path / str(i), sleep=None)
        counts.append(len(server.seen("GET", "/api/v3/predictions")) - before)
    return counts


async def test_later_jobs_of_a_model_are_polled_when_they_are_due(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    first, *later = await polls_of_three_runs(server, tmp_path)
    assert first >= 6  # nothing known: every 20 ms for half a second
    assert all(n <= 3 for n in later) and max(later) < first  # the first poll comes at the usual finish


async def test_without_adaptive_polling_every_job_polls_every_interval(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    counts = await polls_of_three_runs(server, tmp_path, adaptive_polling=False)
    assert all(n >= 6 for n in counts)
