"""Asset library, content-addressed cache and usage ledger (SQLAlchemy: SQLite by default, PostgreSQL by URL)."""

from .assets import AssetStore
from .ids import new_id
from .ledger import UsageLedger
from .library import Library
from .models import OUTCOMES, Asset, Attempt, UsageRow
from .slot import Slot

__all__ = ["OUTCOMES", "Asset", "AssetStore", "Attempt", "Library", "Slot", "UsageLedger", "UsageRow", "new_id"]
