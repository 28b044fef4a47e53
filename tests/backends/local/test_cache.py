"""A loaded pipeline is reused by the next request and evicted least-recently-used when memory is needed."""

from __future__ import annotations

from pathlib import Path

from reelforge.backends.base import RunContext
from reelforge.backends.local.cache import CacheEntry, PipelineCache
from reelforge.backends.local.executor import InProcessExecutor
from reelforge.types import VideoRequest

from .conftest import last_info, make_backend


async def _run(model: Path, executor: InProcessExecutor, out: Path) -> dict[str, object]:
    backend = make_backend(model, executor, num_inference_steps=1)
    plan = backend.validate(VideoRequest(prompt="a dog", resolution="32x32", num_frames=9, seed=3))
    await backend.run(plan, RunContext(out_path=out))
    return last_info(backend)


async def test_second_request_reuses_the_loaded_pipeline(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    executor = InProcessExecutor(PipelineCache(max_models=2))
    first = await _run(tiny_models["ltx"], executor, tmp_path / "1.mp4")
    second = await _run(tiny_models["ltx"], executor, tmp_path / "2.mp4")
    assert first["cached"] is False and second["cached"] is True
    assert executor.cache.misses == 1 and executor.cache.hits == 1 and len(executor.cache) == 1


async def test_a_second_model_evicts_the_first_when_only_one_fits(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    executor = InProcessExecutor(PipelineCache(max_models=1))
    await _run(tiny_models["ltx"], executor, tmp_path / "1.mp4")
    [ltx_key] = executor.cache.loaded_keys()
    await _run(tiny_models["cogvideox"], executor, tmp_path / "2.mp4")
    assert executor.cache.evicted == [ltx_key]
    assert [k[0] for k in executor.cache.loaded_keys()] == [str(tiny_models["cogvideox"].resolve())]
    again = await _run(tiny_models["ltx"], executor, tmp_path / "3.mp4")  # loaded again after eviction
    assert again["cached"] is False


async def test_memory_limit_evicts_least_recently_used(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    ltx, cog = tiny_models["ltx"], tiny_models["cogvideox"]
    ltx_bytes, cog_bytes = (sum(p.stat().st_size for p in m.rglob("*.safetensors")) for m in (ltx, cog))
    limit = max(ltx_bytes, cog_bytes) + min(ltx_bytes, cog_bytes) // 2  # one model fits, never both
    executor = InProcessExecutor(PipelineCache(max_models=5, limit_bytes=limit))
    await _run(ltx, executor, tmp_path / "1.mp4")
    await _run(cog, executor, tmp_path / "2.mp4")
    assert len(executor.cache) == 1 and len(executor.cache.evicted) == 1
    assert executor.cache.evicted[0][0] == str(ltx.resolve())
    assert executor.cache.held("cpu") <= limit


def _entry(name: str, nbytes: int, pool: str = "cuda:0") -> CacheEntry:
    return CacheEntry(key=(name, "cls", pool), pipe=object(), footprint={pool: nbytes}, device="cpu")


def test_lru_order_follows_use() -> None:
    cache = PipelineCache(max_models=3, limit_bytes=100)
    for name in ("a", "b", "c"):
        cache.make_room({"cuda:0": 30})
        cache.put(_entry(name, 30))
    assert cache.get(("a", "cls", "cuda:0")) is not None  # a is now the most recently used
    dropped = cache.make_room({"cuda:0": 50})  # 10 free; b then c (the oldest) must go
    assert dropped == [("b", "cls", "cuda:0"), ("c", "cls", "cuda:0")]
    assert cache.loaded_keys() == [("a", "cls", "cuda:0")] and cache.held("cuda:0") == 30


def test_room_without_a_limit_is_what_the_pool_reports_free() -> None:
    free = {"cuda:0": 50}
    cache = PipelineCache(max_models=4, free_bytes=lambda pool: free.get(pool))
    cache.put(_entry("a", 40))
    freed: list[str] = []

    def evict(entry: CacheEntry) -> None:
        freed.append(entry.key[0])
        free["cuda:0"] += 40

    cache._on_evict = evict
    assert cache.make_room({"cuda:0": 30}) == []  # 50 free: fits
    assert cache.make_room({"cuda:0": 80}) == [("a", "cls", "cuda:0")] and freed == ["a"]
    assert cache.make_room({"other": 10**12}) == []  # nothing left to evict: the load will say if it fails
