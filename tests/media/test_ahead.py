"""Files made ahead on a file thread: taken one by one, the rest deleted, also while still being made."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reelforge.media.ahead import FilesAhead


async def test_made_taken_and_the_rest_discarded(tmp_path: Path) -> None:
    ahead = FilesAhead([tmp_path / "sub" / "a", tmp_path / "sub" / "b"])
    await ahead.ready()
    taken = ahead.take()
    assert taken is not None and taken.exists() and taken.stat().st_size == 0
    ahead.discard()
    assert [p.name for p in (tmp_path / "sub").iterdir()] == [taken.name]  # the taker's file stays
    assert ahead.take() is None


async def test_discarded_before_they_exist(tmp_path: Path) -> None:
    FilesAhead([tmp_path / "x"]).discard()
    await asyncio.sleep(0.1)
    assert list(tmp_path.iterdir()) == []


async def test_a_folder_that_cannot_be_made_gives_nothing_to_take(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    ahead = FilesAhead([tmp_path / "file" / "inside"])  # a file where the folder should be
    await ahead.ready()
    assert ahead.take() is None
    ahead.discard()
