"""Files made ahead for an expected add: used for the thumbnail and sidecar, never left behind."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from PIL import Image

from reelforge.library import Library
from reelforge.types import Cost


def staging_files(lib: Library) -> list[str]:
    return sorted(p.name for p in (lib.data_dir / "tmp").iterdir())


async def test_an_add_writes_its_thumbnail_and_sidecar_into_the_spare_files(library: Library, staged) -> None:
    spare = library.assets.spare_files()
    await spare.ready()
    made = staging_files(library)
    assert len([n for n in made if n.endswith(".spare")]) == 2
    asset = await library.assets.add(staged(), kind="video", request={}, backend="procedural", model=None, seed=1,
                                     cost=Cost(estimated_usd=0.0), provider_job_id=None, cache_key=None,
                                     warnings=[], spare=spare)  # fmt: skip
    spare.discard()
    assert staging_files(library) == []  # both spare files were renamed into the library
    assert json.loads(asset.sidecar_path.read_text())["id"] == asset.id
    with Image.open(asset.thumbnail_path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320


async def test_unused_spare_files_are_deleted_even_while_still_being_made(library: Library) -> None:
    spare = library.assets.spare_files()
    spare.discard()  # at once: they are deleted as soon as they exist
    await asyncio.sleep(0.1)
    assert staging_files(library) == []
    later = library.assets.spare_files()
    await later.ready()
    assert later.take() is not None and later.take() is not None and later.take() is None
    later.discard()


async def test_an_add_without_spare_files_makes_its_own(library: Library, staged, tmp_path: Path) -> None:
    asset = await library.assets.add(staged(), kind="video", request={}, backend="procedural", model=None, seed=1,
                                     cost=Cost(estimated_usd=0.0), provider_job_id=None, cache_key=None,
                                     warnings=[])  # fmt: skip
    assert asset.thumbnail_path.exists() and asset.sidecar_path.exists() and staging_files(library) == []
