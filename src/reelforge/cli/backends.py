"""`reelforge backends`: every backend with operations, limits, price rule, configured or not and why."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from ..backends.registry import backend_class, backend_names, create_backend
from ..errors import ReelforgeError
from .common import emit_json, load_config


def describe_backends(config: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in backend_names():
        row: dict[str, Any] = {"name": name}
        try:
            cls = backend_class(name)
            backend = create_backend(name, config.backend_config(name))
        except ReelforgeError as exc:
            row.update(kind=None, configured=False, why_not=exc.message, models=[], operations=[])
            rows.append(row)
            continue
        ok, why = backend.configured()
        models = []
        for spec in backend.models():
            durations = (
                ", ".join(f"{d:g}" for d in spec.durations)
                if spec.durations
                else f"{spec.min_duration_s:g}-{spec.max_duration_s:g}"
            )
            sizes = "any WxH" if spec.any_size else ", ".join(spec.resolutions) or "any"
            models.append(
                {
                    "name": spec.name,
                    "operations": list(spec.operations),
                    "durations_s": durations,
                    "resolutions": sizes,
                    "aspect_ratios": list(spec.aspect_ratios) or "any",
                    "fps": [f for f in spec.fps] or "any",
                    "last_frame": spec.last_frame,
                    "frame_rule": None
                    if spec.frame_rule is None
                    else f"{spec.frame_rule.multiple}k+{spec.frame_rule.offset}",
                    "prompt_max_chars": spec.prompt_max_chars,
                    "price_rule": backend.price_rule(spec.name),
                    "notes": spec.notes,
                }
            )
        row.update(
            kind=cls.kind,
            description=cls.description,
            configured=ok,
            why_not=why,
            default_model=backend.default_model if models else None,
            operations=sorted(backend.operations()),
            models=models,
        )
        rows.append(row)
    return rows


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
