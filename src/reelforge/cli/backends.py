"""`reelforge backends`: every backend with operations, limits, price rule, configured or not and why."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..backends.describe import describe_backends
from .common import emit_json, load_config


def register(app: typer.Typer) -> None:
    @app.command()
    def backends(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
        """List every backend: operations, limits, price rule, configured or not and why not."""
        rows = describe_backends(load_config())
        if json_output:
            emit_json({"backends": rows})
            return
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="reelforge backends", show_lines=True)
        for col in ("backend", "ready", "operations", "models (durations s / sizes)", "price"):
            table.add_column(col, overflow="fold")
        for row in rows:
            ready = "yes" if row["configured"] else f"no: {row['why_not']}"
            models = "\n".join(f"{m['name']} ({m['durations_s']} / {m['resolutions']})" for m in row["models"])
            prices = "\n".join(f"{m['price_rule']}" for m in row["models"][:1])
            table.add_row(  # text from backends is escaped: "pip install 'reelforge[google]'" is not markup
                f"{escape(row['name'])}\n[dim]{escape(row.get('description') or '')}[/dim]",
                escape(ready),
                escape(", ".join(row["operations"])),
                escape(models),
                escape(prices),
            )
        Console(file=sys.stdout, width=160).print(table)


__all__ = ["describe_backends", "register"]
