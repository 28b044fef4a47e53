"""Content-addressed cache lookups: hit, miss, and stale rows whose file is gone."""

from __future__ import annotations

from reelforge.library import Library
from reelforge.types import Cost


async def store(lib: Library, src, key: str | None):  # type: ignore[no-untyped-def]
    return await lib.assets.add(src, kind="video", request={"prompt": "p"}, backend="procedural", model=None,
                                seed=3, cost=Cost(), provider_job_id=None, cache_key=key, warnings=[])  # fmt: skip


async def test_hit_and_miss(library: Library, staged) -> None:
    asset = await store(library, staged(), "key-a")
    await store(library, staged(), None)
    hit = await library.assets.find_cached("key-a")
    assert hit == asset
    assert await library.assets.find_cached("key-b") is None


async def test_newest_intact_asset_wins(library: Library, staged) -> None:
    await store(library, staged(), "key-a")
    newer = await store(library, staged(), "key-a")
    assert (await library.assets.find_cached("key-a")) == newer


async def test_stale_row_is_dropped(library: Library, staged) -> None:
    asset = await store(library, staged(), "key-a")
    asset.path.unlink()
    assert await library.assets.find_cached("key-a") is None
    assert await library.assets.list() == []
    assert not asset.sidecar_path.exists() and not asset.thumbnail_path.exists()  # type: ignore[union-attr]


async def test_changed_file_is_stale_and_older_copy_serves(library: Library, staged) -> None:
    older = await store(library, staged(), "key-a")
    newer = await store(library, staged(), "key-a")
    newer.path.write_bytes(b"truncated")
    assert await library.assets.find_cached("key-a") == older
    assert [a.id for a in await library.assets.list()] == [older.id]
