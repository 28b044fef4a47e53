"""`reelforge usage` and `reelforge assets list/show/rm`: the usage ledger and the asset library."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar

import typer

from ..errors import InvalidRequest, ReelforgeError
from ..library import Asset, Library, UsageRow
from .common import emit_json, fail, load_config, state

T = TypeVar("T")


def with_library(json_output: bool, work: Callable[[Library], Awaitable[T]]) -> T:
    """Open the configured library, run ``work`` on it, close it; errors exit with their code."""
    state["json"] = json_output
    try:
        lib = Library.from_config(load_config())
        try:
            return asyncio.run(work(lib))
        finally:
            lib.close()
    except ReelforgeError as exc:
        fail(exc, json_output)


def parse_since(value: str | None) -> date | None:
    """``YYYY-MM-DD``, ``today`` or ``Nd`` (the last N days, today included)."""
    if value is None:
        return None
    today = datetime.now(UTC).date()
    if value == "today":
        return today
    if m := re.fullmatch(r"(\d+)d", value):
        return today - timedelta(days=max(0, int(m.group(1)) - 1))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest({"since": f"use YYYY-MM-DD, 'today' or Nd (e.g. 7d), got {value!r}"}) from None


def _console() -> Any:
    from rich.console import Console

    return Console(file=sys.stdout, width=max(160, Console().width))


def _usage_total(rows: list[UsageRow]) -> dict[str, Any]:
    keys = ("attempts", "succeeded", "failed", "cached", "billable")
    total: dict[str, Any] = {k: sum(getattr(r, k) for r in rows) for k in keys}
    total["cost_usd"] = round(sum(r.cost_usd for r in rows), 6)
    return total


def _print_usage(rows: list[UsageRow], since: date | None) -> None:
    from rich.table import Table

    title = f"usage since {since.isoformat()}" if since else "usage (all time)"
    table = Table(title=title)
    for col in ("day (UTC)", "backend", "attempts", "succeeded", "failed", "cached", "billable", "cost USD"):
        table.add_column(col, justify="left" if col in ("day (UTC)", "backend") else "right")
    for r in rows:
        table.add_row(r.day.isoformat(), r.backend, str(r.attempts), str(r.succeeded), str(r.failed), str(r.cached),
                      str(r.billable), f"{r.cost_usd:.4f}")  # fmt: skip
    t = _usage_total(rows)
    table.add_section()
    table.add_row("total", "", *(str(t[k]) for k in ("attempts", "succeeded", "failed", "cached", "billable")),
                  f"{t['cost_usd']:.4f}")  # fmt: skip
    _console().print(table)


def _asset_summary(a: Asset) -> dict[str, Any]:
    return {"id": a.id, "created_at": a.created_at.isoformat(timespec="seconds"), "kind": a.kind, "backend": a.backend,
            "model": a.model, "size": f"{a.width}x{a.height}", "duration_s": round(a.duration_s, 2), "fps": a.fps,
            "cost_usd": a.cost_usd, "path": str(a.path)}  # fmt: skip


def _print_assets(items: list[Asset], next_cursor: str | None) -> None:
    from rich.table import Table

    if not items:
        sys.stdout.write("no assets\n")
        return
    table = Table(title=f"{len(items)} asset(s), newest first")
    for col in ("id", "created (UTC)", "kind", "backend / model", "size", "seconds", "fps", "cost USD", "path"):
        table.add_column(col, overflow="fold", no_wrap=col in ("id", "created (UTC)", "size"))
    for a in items:
        s = _asset_summary(a)
        table.add_row(s["id"], s["created_at"].replace("+00:00", ""), a.kind, f"{a.backend} / {a.model or '-'}",
                      s["size"], f"{a.duration_s:.2f}", f"{a.fps:g}", f"{a.cost_usd:.4f}", s["path"])  # fmt: skip
    console = _console()
    console.print(table)
    if next_cursor:
        console.print(f"more: reelforge assets list --cursor {next_cursor}")


JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def usage(
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD, 'today' or Nd (last N days); UTC.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Spend and counts by backend and day (UTC), failed and cached attempts included."""

    async def work(lib: Library) -> list[UsageRow]:
        return await lib.ledger.totals(since=parse_since(since))

    rows = with_library(json_output, work)
    start = parse_since(since)
    if json_output:
        emit_json({"since": start.isoformat() if start else None, "rows": rows, "total": _usage_total(rows)})
    else:
        _print_usage(rows, start)


def list_assets(
    kind: Annotated[str | None, typer.Option(help="Only this kind (e.g. video, short).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-1000).")] = 50,
    cursor: Annotated[str | None, typer.Option(help="Continue after this asset id (from the last page).")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Stored assets, newest first."""

    async def work(lib: Library) -> list[Asset]:
        return await lib.assets.list(limit=limit, cursor=cursor, kind=kind)

    items = with_library(json_output, work)
    next_cursor = items[-1].id if len(items) == limit else None
    if json_output:
        emit_json({"assets": items, "next_cursor": next_cursor})
    else:
        _print_assets(items, next_cursor)


def show_asset(
    asset_id: Annotated[str, typer.Argument(metavar="ID")],
    json_output: JsonFlag = False,
) -> None:
    """Everything stored about one asset: file, probe figures, request, backend, cost, checksum."""

    async def work(lib: Library) -> Asset:
        return await lib.assets.get(asset_id)

    asset = with_library(json_output, work)
    if json_output:
        emit_json(asset)
        return
    for key, value in asset.model_dump(mode="json").items():
        sys.stdout.write(f"{key:16} {value}\n")


def remove_assets(
    asset_ids: Annotated[list[str], typer.Argument(metavar="ID...")],
    json_output: JsonFlag = False,
) -> None:
    """Delete assets: file, sidecar, thumbnail and database row."""

    async def work(lib: Library) -> list[str]:
        for asset_id in asset_ids:  # check all first: remove nothing when one id is wrong
            await lib.assets.get(asset_id)
        for asset_id in asset_ids:
            await lib.assets.remove(asset_id)
        return asset_ids

    removed = with_library(json_output, work)
    if json_output:
        emit_json({"removed": removed})
    else:
        for asset_id in removed:
            sys.stdout.write(f"removed {asset_id}\n")


def register(app: typer.Typer) -> None:
    app.command("usage")(usage)
    assets_app = typer.Typer(no_args_is_help=True, help="The asset library: list, show and remove stored outputs.")
    assets_app.command("list")(list_assets)
    assets_app.command("show")(show_asset)
    assets_app.command("rm")(remove_assets)
    app.add_typer(assets_app, name="assets")


__all__ = [
    "T",
    "list_assets",
    "parse_since",
    "register",
    "remove_assets",
    "show_asset",
    "usage",
    "with_library",
]
