"""`reelforge config check` and `reelforge config show` (secrets redacted)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
import yaml

from ..config import config_search_path, redact
from .common import emit_json, fail, load_config, state


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Validate or show the config.", no_args_is_help=True)
    app.add_typer(group, name="config")

    @group.command("check")
    def check(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Validate the config file (unknown keys and bad values name the key and line)."""
        from ..errors import ReelforgeError

        state["json"] = json_output
        try:
            path = config_search_path(state.get("config_path"))
        except ReelforgeError as exc:
            fail(exc)
        config = load_config()
        source = str(path) if path else "(no config file: defaults)"
        if json_output:
            emit_json({"ok": True, "source": source, "data_dir": str(config.data_dir)})
        else:
            sys.stdout.write(f"ok: {source}\n")

    @group.command("show")
    def show(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Print the effective config with every secret redacted."""
        state["json"] = json_output
        data = redact(load_config())
        if json_output:
            emit_json(data)
        else:
            sys.stdout.write(yaml.safe_dump(data, sort_keys=False))


__all__ = [
    "register",
]
