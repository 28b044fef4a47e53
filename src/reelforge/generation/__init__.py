"""The generation engine: backend choice, validation, budget, cache, attempts, fallback, ledger, library.

Layer: above ``backends``, ``library`` and ``render``; below the studio, jobs, CLI and server, which all
generate through it (``open_engine`` / ``shared_engine``, or the public ``reelforge.generate``).
"""

from .engine import FALLBACK_ERRORS, Engine
from .records import request_record
from .session import default_config, open_engine, shared_engine

__all__ = ["FALLBACK_ERRORS", "Engine", "default_config", "open_engine", "request_record", "shared_engine"]
