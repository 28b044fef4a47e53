"""``Library``: the asset store and the usage ledger over one database under ``data_dir``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from .assets import AssetStore
from .db import acquire_engine, release_engine
from .ledger import UsageLedger
from .writer import BatchWriter


class Library:
    """Opens (and migrates) the database; ``assets`` and ``ledger`` share its engine.

    ``database_url`` defaults to ``sqlite:///{data_dir}/reelforge.db``; ``postgresql://`` URLs use psycopg 3.
    """

    def __init__(self, data_dir: Path | str, database_url: str | None = None) -> None:
        self.data_dir = Path(data_dir).expanduser()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        url = database_url or "sqlite:///{data_dir}/reelforge.db"
        self.database_url = url.replace("{data_dir}", str(self.data_dir))
        self._engine: Engine | None = acquire_engine(self.database_url)
        writer = BatchWriter(self._engine)  # rows and ledger writes of concurrent runs share transactions
        self.assets = AssetStore(self._engine, self.data_dir, writer)
        self.ledger = UsageLedger(self._engine, writer)

    @classmethod
    def from_config(cls, config: Any) -> Library:
        """Build from a ``reelforge.config.Config`` (its ``data_dir`` and ``database_url``)."""
        return cls(Path(config.data_dir), getattr(config, "database_url", None))

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the library is closed")
        return self._engine

    def close(self) -> None:
        """Release the database engine (shared engines are disposed with their last user)."""
        if self._engine is not None:
            release_engine(self._engine)
            self._engine = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "Library",
]
