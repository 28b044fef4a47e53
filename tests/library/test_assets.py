"""Asset store: add/get/list/remove, sidecars, thumbnails, and all-or-nothing adds under injected failures."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from reelforge.errors import GenerationFailed, InvalidRequest
from reelforge.library import Asset, Library
from reelforge.media import probe
from reelforge.types import Cost

KW = dict(kind="video", backend="procedural", model="m1", seed=7, provider_job_id=None, cache_key=None, warnings=[])


def library_files(lib: Library) -> list[str]:
    return sorted(p.name for p in (lib.data_dir / "assets").iterdir())


def staging_files(lib: Library) -> list[str]:
    return sorted(p.name for p in (lib.data_dir / "tmp").iterdir())


async def add(lib: Library, src: Path, **over: object) -> Asset:
    kw = {**KW, "request": {"prompt": "a boat"}, "cost": Cost(estimated_usd=0.2, actual_usd=0.25, billable=True)}
    kw.update(over)
    return await lib.assets.add(src, **kw)  # type: ignore[arg-type]


async def test_add_moves_file_and_writes_sidecar_thumbnail_row(library: Library, staged, sample_video: Path) -> None:
    src = staged()
    asset = await add(library, src, warnings=["fps snapped to 10"], extra={"note": "x"})
    assert not src.exists()
    assert asset.path == library.data_dir / "assets" / f"{asset.id}.mp4"
    assert asset.path.read_bytes() == sample_video.read_bytes()
    assert asset.checksum == hashlib.sha256(sample_video.read_bytes()).hexdigest()
    assert asset.size_bytes == sample_video.stat().st_size
    info = probe(asset.path)
    assert (asset.width, asset.height, asset.fps, asset.num_frames) == (96, 54, 10.0, 10)
    assert asset.duration_s == pytest.approx(info.duration_s)
    assert asset.cost_usd == 0.25 and asset.billable
    assert asset.created_at.tzinfo is not None
    sidecar = json.loads(asset.sidecar_path.read_text())
    assert sidecar["id"] == asset.id and sidecar["checksum"] == asset.checksum
    assert sidecar["request"] == {"prompt": "a boat"} and sidecar["warnings"] == ["fps snapped to 10"]
    assert asset.thumbnail_path is not None
    with Image.open(asset.thumbnail_path) as im:
        assert im.format == "JPEG" and max(im.size) <= 320 and im.size == (96, 54)
    assert await library.assets.get(asset.id) == asset
    assert staging_files(library) == []


async def test_thumbnail_is_at_most_320_on_long_side(library: Library, tmp_path: Path) -> None:
    import subprocess

    from reelforge.media import ffmpeg_exe

    src = library.assets.staging_path()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=360x640:r=5:d=0.4",
                    "-pix_fmt", "yuv420p", str(src)], check=True)  # fmt: skip
    asset = await add(library, src)
    assert (asset.width, asset.height) == (360, 640)
    with Image.open(asset.thumbnail_path) as im:  # type: ignore[arg-type]
        assert im.size[1] == 320 and abs(im.size[0] - 180) <= 2


async def test_list_newest_first_with_cursor_and_kind(library: Library, staged) -> None:
    ids = [(await add(library, staged(), kind="video" if i % 2 else "short")).id for i in range(5)]
    assert ids == sorted(ids)  # ids sort by creation time
    page1 = await library.assets.list(limit=2)
    page2 = await library.assets.list(limit=2, cursor=page1[-1].id)
    page3 = await library.assets.list(limit=2, cursor=page2[-1].id)
    assert [a.id for a in page1 + page2 + page3] == ids[::-1]
    assert [a.id for a in await library.assets.list(kind="short")] == [ids[4], ids[2], ids[0]]
    with pytest.raises(InvalidRequest) as err:
        await library.assets.list(limit=0)
    assert "limit" in err.value.problems


async def test_remove_deletes_everything(library: Library, staged) -> None:
    keep = await add(library, staged())
    gone = await add(library, staged())
    await library.assets.remove(gone.id)
    assert library_files(library) == sorted(f"{keep.id}{ext}" for ext in (".jpg", ".json", ".mp4"))
    with pytest.raises(InvalidRequest) as err:
        await library.assets.get(gone.id)
    assert "asset_id" in err.value.problems
    with pytest.raises(InvalidRequest):
        await library.assets.remove(gone.id)


async def test_add_rejects_what_is_not_media(library: Library) -> None:
    src = library.assets.staging_path()
    src.write_bytes(b"not a video at all")
    with pytest.raises(InvalidRequest):
        await add(library, src)
    assert library_files(library) == [] and staging_files(library) == []


async def test_db_insert_failure_leaves_nothing(library: Library, staged, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(conn: object, asset: Asset) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(library.assets, "_insert_row", boom)
    with pytest.raises(RuntimeError):
        await add(library, staged())
    assert library_files(library) == [] and staging_files(library) == []
    assert await library.assets.list() == []


async def test_sidecar_failure_leaves_no_row(library: Library, staged, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(asset: Asset, text: str, spare: object = None) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(library.assets, "_write_sidecar", boom)
    with pytest.raises(OSError):
        await add(library, staged())
    assert library_files(library) == [] and staging_files(library) == []
    assert await library.assets.list() == []


async def test_thumbnail_failure_leaves_nothing(library: Library, staged, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(container: object, info: object) -> bytes:
        raise GenerationFailed("decoder crashed", stage="library")

    monkeypatch.setattr("reelforge.library.thumbnail._jpeg", boom)
    with pytest.raises(GenerationFailed):
        await add(library, staged())
    assert library_files(library) == [] and staging_files(library) == []


async def test_failure_gives_back_a_file_from_outside_staging(library: Library, sample_video: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    own = tmp_path / "mine.mp4"
    own.write_bytes(sample_video.read_bytes())
    monkeypatch.setattr(library.assets, "_insert_row", lambda conn, asset: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        await add(library, own)
    assert own.read_bytes() == sample_video.read_bytes()
    assert library_files(library) == []


async def test_rows_and_ledger_writes_share_one_writer(library: Library, staged) -> None:
    assert library.assets._writer is library.ledger._writer  # one batched transaction stream per database
    attempt = await library.ledger.start_attempt(backend="procedural", model="m", operation="text-to-video",
                                                 estimated_usd=0.0, request={})  # fmt: skip
    asset = await add(library, staged())
    await library.ledger.finish_attempt(attempt, outcome="succeeded", billable=False, asset_id=asset.id)
    assert (await library.assets.get(asset.id)).checksum == asset.checksum
    assert (await library.ledger.get(attempt)).asset_id == asset.id


async def test_thumbnail_of_a_rotated_clip_is_upright(library: Library, sample_video: Path) -> None:
    import subprocess

    from reelforge.media import ffmpeg_exe

    src = library.assets.staging_path()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-display_rotation", "90", "-i", str(sample_video), "-c", "copy",
                    "-y", str(src)], check=True)  # fmt: skip
    asset = await add(library, src)  # probed and thumbnailed in one pass over the file
    assert (asset.width, asset.height) == (54, 96)  # stored 96x54, displayed portrait
    with Image.open(asset.thumbnail_path) as thumb:
        assert thumb.height > thumb.width


async def test_a_video_asset_needs_a_video_stream(library: Library, tmp_path: Path) -> None:
    import subprocess

    from reelforge.media import ffmpeg_exe

    src = library.assets.staging_path(".m4a")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac", "-y", str(src)],
                   check=True)  # fmt: skip
    with pytest.raises(GenerationFailed, match="no video stream"):
        await add(library, src)
    assert library_files(library) == [] and staging_files(library) == []
