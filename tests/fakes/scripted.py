"""Kept for importers outside ``tests/fakes`` and ``tests/backends``: the fake kit lives in ``kit.py``."""

from .kit import Fault, Sleeper, take, tiny_mp4, tiny_png

__all__ = ["Fault", "Sleeper", "take", "tiny_mp4", "tiny_png"]
