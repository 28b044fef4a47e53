"""`reelforge short` and `reelforge demo`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from .common import emit_json, fail, load_config, run_task

Opt = typer.Option


def _human(result: Any) -> None:
    w = sys.stdout.write
    w(
        f"{result.path}\n  {result.width}x{result.height} @ {result.fps:g} fps, {result.duration_s:.2f}s "
        f"(narration {result.narration_s:.2f}s, {result.tts}, word timings: {result.timing_source})\n"
    )
    w(f"  title: {result.metadata.title}\n")
    for s in result.scenes:
        extra = f"  [fallback: {s.fallback_reason}]" if s.fallback_reason else ""
        w(f"  scene {s.index + 1} {s.start_s:6.2f}-{s.end_s:6.2f}s  {s.source:9s} {s.detail}{extra}\n")
    if result.resumed:
        w(f"  resumed from checkpoints: {', '.join(result.resumed)}\n")
    w(f"  cost: ${result.cost_usd:.4f}\n")
    for warning in result.warnings:
        w(f"  warning: {warning}\n")


def _run(request: Any, shorts_override: Any, json_output: bool, label: str, upload: str | None = None) -> None:
    from ..shorts.api import amake_short
    from ..shorts.config import ShortsConfig

    config = load_config()
    if upload:  # refuse before rendering when the platform is unknown or not signed in
        from .publish import check_signed_in

        check_signed_in(config, upload, json_output)
    shorts = shorts_override(config.section(ShortsConfig)) if shorts_override else None

    async def work(on_progress: Any, cancel: Any) -> Any:
        return await amake_short(request, config=config, shorts=shorts, on_progress=on_progress, cancel=cancel)

    result = run_task(work, json_output=json_output, label=label)
    if upload:  # the short is on disk; a failed upload leaves it there and `reelforge publish` resumes it
        from .publish import publish_after

        publish_after(config, result, upload, json_output, _human)
    elif json_output:
        emit_json(result)
    else:
        _human(result)


def _plan(request: Any, plan_out: Path, json_output: bool) -> None:
    """``--plan-only``: plan the short, write the storyboard to ``plan_out`` and stop."""
    from ..shorts.api import aplan_short
    from ..shorts.storyboard import write_storyboard

    config = load_config()

    async def work(on_progress: Any, cancel: Any) -> Any:
        return await aplan_short(request, config=config, on_progress=on_progress, cancel=cancel)

    board = run_task(work, json_output=json_output, label="plan")
    write_storyboard(board, plan_out)
    if json_output:
        emit_json({"plan": str(plan_out), "storyboard": board.model_dump(mode="json", exclude_none=True)})
        return
    sys.stdout.write(f"{plan_out}\n")
    for i, scene in enumerate(board.scenes):
        v = scene.visual
        shown = f"{v.source} {v.detail}".strip() if v else "(to choose)"
        sys.stdout.write(f"  scene {i + 1}: {scene.text[:50]!r}  {shown}\n")
    for warning in board.warnings:
        sys.stdout.write(f"  warning: {warning}\n")
    sys.stdout.write(f"  edit it, then: reelforge short --plan {plan_out} -o short.mp4\n")


def _request(plan: Path | None, fields: dict[str, Any]) -> Any:
    """The request from the options, or from the storyboard in ``plan`` with the options given winning."""
    from ..errors import InvalidRequest
    from ..shorts.request import ShortRequest

    if plan is None:
        return ShortRequest(**{**fields, "language": fields.get("language") or "en"})
    from ..shorts.storyboard import request_from_storyboard

    if fields.get("topic") or fields.get("script"):
        raise InvalidRequest({"plan": "--plan renders a storyboard: leave out --topic and --script"})
    return request_from_storyboard(plan, **fields)


def _plan_path(out: Path) -> Path:
    """Where ``--plan-only`` writes: ``-o`` when it names a YAML file, ``plan.yaml`` when ``-o`` was not given."""
    from ..errors import InvalidRequest

    if out.suffix.lower() in (".yaml", ".yml"):
        return out
    if out != Path("short.mp4"):
        raise InvalidRequest({"out": "--plan-only writes YAML: give -o plan.yaml"})
    return Path("plan.yaml")


def register(app: typer.Typer) -> None:
    _register_short(app)
    _register_demo(app)


def _register_short(app: typer.Typer) -> None:
    @app.command()
    def short(
        topic: Annotated[str | None, Opt("--topic", help="What the short is about (needs an LLM).")] = None,
        script: Annotated[Path | None, Opt("--script", help="Script file: text, or scenes in YAML/JSON.")] = None,
        aspect: Annotated[str | None, Opt("--aspect", help="9:16, 16:9 or 1:1")] = None,
        language: Annotated[str | None, Opt("--language", help="Language of the script, e.g. en, de.")] = None,
        voice: Annotated[str | None, Opt("--voice", help="Voice name, or a Piper .onnx file.")] = None,
        tts: Annotated[str | None, Opt("--tts", help="piper | espeak | edge | openai | elevenlabs")] = None,
        voiceover: Annotated[Path | None, Opt("--voiceover", help="Your own recording instead of TTS.")] = None,
        llm: Annotated[str | None, Opt("--llm", help="none | ollama | openai")] = None,
        visuals: Annotated[str | None, Opt("--visuals", help="library | pexels | pixabay | generate")] = None,
        music: Annotated[str | None, Opt("--music", help="A mood (calm, happy...), a file, or none.")] = None,
        captions: Annotated[str | None, Opt("--captions", help="karaoke | word | sentence | none")] = None,
        caption_style: Annotated[str | None, Opt("--caption-style", help="Caption style preset.")] = None,
        target_duration: Annotated[float | None, Opt("--target-duration", help="Seconds.")] = None,
        upload: Annotated[str | None, Opt("--upload", help="youtube | tiktok: publish the short when done.")] = None,
        out: Annotated[Path, Opt("-o", "--out", help="Output MP4 (the storyboard with --plan-only).")] = Path(
            "short.mp4"
        ),
        plan_only: Annotated[
            bool, Opt("--plan-only", help="Write the storyboard (YAML scene plan) to -o and stop.")
        ] = False,
        plan: Annotated[Path | None, Opt("--plan", help="Render a storyboard written by --plan-only.")] = None,
        json_output: Annotated[bool, Opt("--json")] = False,
    ) -> None:
        """Make a finished short from a topic or a script, or plan it first (--plan-only) and render the plan."""
        from ..errors import InvalidRequest

        try:
            out = _plan_path(out) if plan_only else out
            request = _request(
                plan,
                dict(
                    topic=topic,
                    script=script,
                    aspect_ratio=aspect,
                    language=language,
                    voice=voice,
                    tts=tts,
                    voiceover=voiceover,
                    llm=llm,
                    visuals=visuals,
                    music=music,
                    captions=captions,
                    caption_style=caption_style,
                    target_duration_s=target_duration,
                    output=None if plan_only else out,
                ),
            )
        except (ValidationError, InvalidRequest) as exc:
            fail(exc, json_output)
        if plan_only:
            _plan(request, out, json_output)
            return
        _run(request, None, json_output, "short", upload)


def _register_demo(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, Opt("-o", "--out", help="Output MP4.")] = Path("out/demo.mp4"),
        json_output: Annotated[bool, Opt("--json")] = False,
    ) -> None:
        """Render the bundled example short offline, end to end."""
        from ..shorts.demo import demo_config, demo_request

        _run(demo_request(out), demo_config, json_output, "demo")


__all__ = ["register"]
