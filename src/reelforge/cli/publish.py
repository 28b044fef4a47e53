"""`reelforge publish login youtube|tiktok` and `reelforge publish ASSET_ID|FILE --to youtube|tiktok`."""

from __future__ import annotations

import sys
import webbrowser
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer

from ..errors import AuthError, InvalidRequest, ReelforgeError
from ..publish import Published, get_publisher, publish, publisher_names
from .common import emit_json, fail, load_config, run_task, state

Opt = typer.Option


def _announcer(no_browser: bool) -> Any:
    def announce(url: str) -> None:
        opened = False
        if not no_browser:
            try:
                opened = webbrowser.open(url, new=1)
            except webbrowser.Error:
                opened = False
        verb = "If the browser did not open, visit" if opened else "Open this URL in a browser to sign in"
        sys.stderr.write(f"{verb}:\n\n  {url}\n\nWaiting for the sign-in to finish...\n")
        sys.stderr.flush()

    return announce


def _login(platform: str | None, no_browser: bool, json_output: bool) -> None:
    if platform is None:
        fail(InvalidRequest({"platform": f"name the platform: {' | '.join(publisher_names())}"}), json_output)
    config = load_config()
    try:
        publisher = get_publisher(config, platform)
    except ReelforgeError as exc:
        fail(exc, json_output)

    async def work(on_progress: Any, cancel: Any) -> str:
        return await publisher.login(_announcer(no_browser))

    who = run_task(work, json_output=json_output, label=f"sign in to {platform}")
    if json_output:
        emit_json({"platform": platform, "signed_in": True, "token_file": str(publisher.store.token_path(platform))})
    else:
        sys.stdout.write(f"{who}; token stored in {publisher.store.token_path(platform)} (mode 0600)\n")


def _human(p: Published) -> None:
    w = sys.stdout.write
    w(f"{p.platform}: {p.video_id}  {p.status}\n")
    if p.url:
        w(f"  url: {p.url}\n")
    if p.privacy:
        w(f"  privacy: {p.privacy}\n")
    if p.publish_at:
        w(f"  goes public at: {p.publish_at.isoformat()}\n")
    for warning in p.warnings:
        w(f"  warning: {warning}\n")


def check_signed_in(config: Any, platform: str, json_output: bool) -> None:
    """Exit 2 now (before a long render) when ``platform`` is unknown or not signed in."""
    try:
        publisher = get_publisher(config, platform)
    except ReelforgeError as exc:
        fail(exc, json_output)
    if not publisher.signed_in():
        fail(AuthError(f"not signed in to {platform}: run `reelforge publish login {platform}` first"), json_output)


def publish_after(config: Any, result: Any, platform: str, json_output: bool, show: Callable[[Any], None]) -> None:
    """Publish a finished short (``result.path``, its sidecar and thumbnail) and print both results."""
    if not json_output:
        show(result)

    async def work(on_progress: Any, cancel: Any) -> Published:
        return await publish(config, result.path, {"to": platform}, on_progress, cancel)

    published = run_task(work, json_output=json_output, label=f"publish to {platform}")
    if json_output:
        emit_json({**result.model_dump(mode="json"), "published": published.model_dump(mode="json")})
    else:
        _human(published)


def _schedule(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest({"schedule": f"use an ISO time like 2026-12-24T18:00:00Z, got {value!r}"}) from None


def register(app: typer.Typer) -> None:
    @app.command(name="publish")
    def publish_cmd(
        args: Annotated[list[str], typer.Argument(metavar="ASSET_ID|FILE  or  login youtube|tiktok")],
        to: Annotated[str | None, Opt("--to", help="youtube | tiktok")] = None,
        privacy: Annotated[
            str | None, Opt("--privacy", help="private|unlisted|public, or TikTok's SELF_ONLY etc.")
        ] = None,
        schedule: Annotated[str | None, Opt("--schedule", help="ISO time to go public (YouTube).")] = None,
        title: Annotated[str | None, Opt("--title", help="Title (default: the short's own).")] = None,
        no_browser: Annotated[bool, Opt("--no-browser", help="login: print the consent URL only.")] = False,
        json_output: Annotated[bool, Opt("--json", help="One JSON object on stdout.")] = False,
    ) -> None:
        """Upload an asset or a file to YouTube or TikTok; `publish login PLATFORM` signs in first."""
        state["json"] = json_output
        if args[0] == "login":
            _login(args[1] if len(args) > 1 else None, no_browser, json_output)
            return
        if len(args) != 1:
            fail(InvalidRequest({"source": "give one asset id or file"}), json_output)
        if to is None:
            fail(InvalidRequest({"to": f"choose where to publish: --to {' | '.join(publisher_names())}"}), json_output)
        config = load_config()
        try:
            target = {"to": to, "privacy": privacy, "publish_at": _schedule(schedule), "title": title}
        except ReelforgeError as exc:
            fail(exc, json_output)

        async def work(on_progress: Any, cancel: Any) -> Published:
            return await publish(config, args[0], target, on_progress, cancel)

        result = run_task(work, json_output=json_output, label=f"publish to {to}")
        if json_output:
            emit_json(result)
        else:
            _human(result)


__all__ = ["check_signed_in", "publish_after", "register"]
