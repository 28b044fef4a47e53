"""Price rules as dated data (prices.toml): per second by resolution tier, per video, or per credit.

A rule lives under ``[<backend>."<model>"]`` or ``[<backend>."*"]`` (any model) with ``unit`` one of:

- ``per_second``: ``usd_per_second`` (a number, or a table keyed by resolution tier)
- ``per_video``: ``usd_per_video`` (a number, or a table keyed by tier or by duration like ``"6s"``)
- ``per_credit``: ``credits_per_second`` or ``credits_per_video`` (number or table) x ``usd_per_credit``
- ``free``: local compute

Every rule carries ``date`` and ``source``. An optional ``audio_multiplier`` applies when
``extra.generate_audio`` is true.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Plan


@functools.cache
def load_prices(path: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    if path:
        return tomllib.loads(Path(path).read_text())
    text = resources.files("reelforge.backends").joinpath("prices.toml").read_text()
    return tomllib.loads(text)


def find_rule(backend: str, model: str) -> dict[str, Any] | None:
    table = load_prices().get(backend, {})
    return table.get(model) or table.get("*")


def _pick(value: Any, plan: Plan) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        for key in (plan.resolution, f"{plan.duration_s:g}s", f"{round(plan.duration_s)}s", "*"):
            if key in value:
                return float(value[key])
        return float(max(value.values()))  # unknown tier: assume the dearest, never under-estimate
    raise ValueError(f"bad price value {value!r}")


def estimate(backend: str, plan: Plan) -> float | None:
    """USD for ``plan`` by its rule; None when no rule prices this backend and model (cost unknown)."""
    rule = find_rule(backend, plan.model)
    if rule is None:
        return None
    unit = rule.get("unit", "free")
    seconds = plan.duration_s
    if unit == "free":
        cost = 0.0
    elif unit == "per_second":
        cost = _pick(rule["usd_per_second"], plan) * seconds
    elif unit == "per_video":
        cost = _pick(rule["usd_per_video"], plan)
    elif unit == "per_credit":
        per_credit = float(rule.get("usd_per_credit", 0.01))
        if "credits_per_second" in rule:
            cost = _pick(rule["credits_per_second"], plan) * seconds * per_credit
        else:
            cost = _pick(rule["credits_per_video"], plan) * per_credit
    else:
        raise ValueError(f"unknown price unit {unit!r} for {backend}/{plan.model}")
    if plan.extra.get("generate_audio") and "audio_multiplier" in rule:
        cost *= float(rule["audio_multiplier"])
    return round(cost, 4)


def describe_rule(backend: str, model: str) -> str:
    rule = find_rule(backend, model)
    if rule is None:
        return "unknown (no price rule): the cost cannot be estimated"
    unit = rule.get("unit", "free")
    if unit == "free":
        return "free (local compute)"
    parts = []
    for key in ("usd_per_second", "usd_per_video", "credits_per_second", "credits_per_video"):
        if key in rule:
            value = rule[key]
            shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
            parts.append(f"{key.replace('_', ' ')}: {shown}")
    if unit == "per_credit":
        parts.append(f"at ${rule.get('usd_per_credit', 0.01)}/credit")
    if "audio_multiplier" in rule:
        parts.append(f"x{rule['audio_multiplier']:g} with audio")
    dated = f" (as of {rule['date']})" if "date" in rule else ""
    return "; ".join(parts) + dated


__all__ = ["describe_rule", "estimate", "find_rule", "load_prices"]
