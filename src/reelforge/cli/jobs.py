"""`reelforge jobs ...`: the job service from the shell (submit, batches, list, show, cancel, resume, logs, prune)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..errors import InvalidRequest, ReelforgeError
from ..jobs import config as _jobs_config  # noqa: F401  (registers the jobs: block for every command)
from .common import emit_json, fail, load_config, state

Opt = typer.Option
jobs_app = typer.Typer(name="jobs", no_args_is_help=True, help="Durable jobs: submit, follow, cancel, resume.")
_EXIT = {"succeeded": 0, "failed": 1, "cancelled": 130}
T = TypeVar("T")


def _service() -> Any:
    from ..jobs import JobService

    config = load_config()
    try:
        return JobService(config)
    except ReelforgeError as exc:
        fail(exc)


def _ask(json_output: bool, call: Callable[[Any], T]) -> T:
    """``call(service)`` on a job service opened for this command and closed after; an error ends the command."""
    service = _service()
    try:
        return call(service)
    except ReelforgeError as exc:
        fail(exc, json_output)
    finally:
        service.close()


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``45s`` or a plain number of days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhms]?)\s*", text)
    if not match:
        raise InvalidRequest({"--older-than": f"{text!r} is not an age such as 30d, 12h, 90m or 45s"})
    value, unit = float(match.group(1)), match.group(2) or "d"
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[unit]: value})


def _line(job: Any) -> str:
    stage = f" {job.stage}" if job.stage else ""
    err = f"  {job.error.type}: {job.error.message}" if job.error else ""
    return f"{job.id}  {job.kind:5s} {job.status.value:9s} {job.progress * 100:5.1f}%{stage}{err}"


def _show(job: Any) -> None:
    w = sys.stdout.write
    w(f"{job.id}  {job.kind}  {job.status.value}  (queue {job.queue}, runs {job.runs})\n")
    w(f"  progress {job.progress * 100:.1f}%  stage {job.stage or '-'}  {job.message or ''}\n")
    w(f"  created {job.created_at:%Y-%m-%d %H:%M:%S}Z")
    w(f"  started {job.started_at:%H:%M:%S}Z" if job.started_at else "")
    w(f"  finished {job.finished_at:%H:%M:%S}Z\n" if job.finished_at else "\n")
    if job.error:
        retry = "retryable" if job.error.retryable else "not retryable"
        w(f"  error in {job.error.stage or '-'}: {job.error.type}: {job.error.message} ({retry})\n")
    for a in job.attempts:
        w(f"  attempt {a.backend}/{a.model or '-'} provider job {a.provider_job_id or '-'} {a.outcome or 'in flight'}")
        w(f" billable={a.billable}\n")
    if job.result:
        w(f"  result {job.result.get('path')}  assets {', '.join(job.assets) or '-'}  cost ${job.cost_usd:.4f}\n")


def _submit_batch(batch: Path, json_output: bool) -> None:
    result = _ask(json_output, lambda service: service.submit_batch_file(batch))
    if json_output:
        emit_json(result)
    else:
        sys.stdout.write(f"{result.id}: {result.accepted} of {result.total} lines queued\n")
        for bad in result.rejected:
            problems = "; ".join(f"{k}: {v}" for k, v in bad.problems.items())
            sys.stderr.write(f"line {bad.line}: {problems}\n")
    if result.total and not result.accepted:
        raise typer.Exit(2)


def _video_request(kw: dict[str, Any]) -> dict[str, Any]:
    names = {"op": "operation", "negative": "negative_prompt", "duration": "duration_s", "aspect": "aspect_ratio"}
    names.update({"max_cost": "max_cost_usd", "last_frame": "last_frame"})
    keys = ("prompt", "image", "last_frame", "video", "audio", "op", "backend", "model", "duration", "fps")
    keys += ("aspect", "resolution", "seed", "negative", "max_cost")
    return {names.get(k, k): (str(kw[k]) if isinstance(kw[k], Path) else kw[k]) for k in keys if kw[k] is not None}


def _short_request(kw: dict[str, Any]) -> dict[str, Any]:
    names = {"aspect": "aspect_ratio", "target_duration": "target_duration_s", "out": "output"}
    keys = ("topic", "script", "aspect", "language", "voice", "tts", "voiceover", "llm", "visuals", "music")
    keys += ("captions", "caption_style", "target_duration", "upload", "out")
    return {names.get(k, k): (str(kw[k]) if isinstance(kw[k], Path) else kw[k]) for k in keys if kw[k] is not None}


@jobs_app.command()
def submit(
    prompt: Annotated[str | None, typer.Argument(help="What the video shows (kind video).")] = None,
    kind: Annotated[str, Opt("--kind", help="video | short")] = "video",
    batch: Annotated[Path | None, Opt("--batch", help="JSON Lines file: one video or short request per line.")] = None,
    image: Annotated[Path | None, Opt("--image")] = None,
    last_frame: Annotated[Path | None, Opt("--last-frame")] = None,
    video: Annotated[Path | None, Opt("--video")] = None,
    audio: Annotated[Path | None, Opt("--audio")] = None,
    op: Annotated[str | None, Opt("--op")] = None,
    backend: Annotated[str | None, Opt("--backend")] = None,
    model: Annotated[str | None, Opt("--model")] = None,
    duration: Annotated[float | None, Opt("--duration")] = None,
    fps: Annotated[float | None, Opt("--fps")] = None,
    aspect: Annotated[str | None, Opt("--aspect")] = None,
    resolution: Annotated[str | None, Opt("--resolution")] = None,
    seed: Annotated[int | None, Opt("--seed")] = None,
    negative: Annotated[str | None, Opt("--negative")] = None,
    max_cost: Annotated[float | None, Opt("--max-cost")] = None,
    topic: Annotated[str | None, Opt("--topic", help="kind short: what the short is about.")] = None,
    script: Annotated[Path | None, Opt("--script", help="kind short: script file.")] = None,
    language: Annotated[str | None, Opt("--language")] = None,
    voice: Annotated[str | None, Opt("--voice")] = None,
    tts: Annotated[str | None, Opt("--tts")] = None,
    voiceover: Annotated[Path | None, Opt("--voiceover")] = None,
    llm: Annotated[str | None, Opt("--llm")] = None,
    visuals: Annotated[str | None, Opt("--visuals")] = None,
    music: Annotated[str | None, Opt("--music")] = None,
    captions: Annotated[str | None, Opt("--captions")] = None,
    caption_style: Annotated[str | None, Opt("--caption-style")] = None,
    target_duration: Annotated[float | None, Opt("--target-duration")] = None,
    upload: Annotated[str | None, Opt("--upload", help="kind short: youtube")] = None,
    out: Annotated[Path | None, Opt("-o", "--out", help="kind short: output MP4.")] = None,
    json_output: Annotated[bool, Opt("--json")] = False,
) -> None:
    """Queue a job (the flags of `generate`, or of `short` with --kind short), or a whole --batch file."""
    state["json"] = json_output
    if batch is not None:
        _submit_batch(batch, json_output)
        return
    kw = dict(locals())
    request = _video_request(kw) if kind == "video" else _short_request(kw)
    job = _ask(json_output, lambda service: service.submit(kind, request))
    emit_json(job) if json_output else sys.stdout.write(f"{job.id} queued on {job.queue}\n")


@jobs_app.command("list")
def list_jobs(
    status: Annotated[str | None, Opt("--status")] = None,
    kind: Annotated[str | None, Opt("--kind")] = None,
    batch: Annotated[str | None, Opt("--batch")] = None,
    limit: Annotated[int, Opt("--limit")] = 50,
    json_output: Annotated[bool, Opt("--json")] = False,
) -> None:
    """Jobs, newest first."""
    state["json"] = json_output
    jobs = _ask(json_output, lambda service: service.list(status=status, kind=kind, batch=batch, limit=limit))
    if json_output:
        emit_json({"jobs": jobs})
        return
    for job in jobs:
        sys.stdout.write(_line(job) + "\n")


@jobs_app.command()
def show(job_id: str, json_output: Annotated[bool, Opt("--json")] = False) -> None:
    """One job: status, progress, stage, error, attempts, result."""
    state["json"] = json_output
    job = _ask(json_output, lambda service: service.get(job_id))
    emit_json(job) if json_output else _show(job)


@jobs_app.command("batch")
def show_batch(batch_id: str, json_output: Annotated[bool, Opt("--json")] = False) -> None:
    """A batch: lines queued and refused, jobs by status."""
    state["json"] = json_output
    batch = _ask(json_output, lambda service: service.batch(batch_id))
    if json_output:
        emit_json(batch)
        return
    counts = ", ".join(f"{n} {s}" for s, n in sorted(batch.counts.items())) or "none left"
    sys.stdout.write(f"{batch.id}: {batch.accepted} of {batch.total} lines queued; jobs: {counts}\n")
    for bad in batch.rejected:
        sys.stdout.write(f"  line {bad.line}: {'; '.join(f'{k}: {v}' for k, v in bad.problems.items())}\n")


@jobs_app.command()
def cancel(job_id: str, json_output: Annotated[bool, Opt("--json")] = False) -> None:
    """Cancel a job from any process (harmless twice; a finished job is left as it is)."""
    state["json"] = json_output
    outcome = _ask(json_output, lambda service: service.cancel(job_id))
    emit_json(outcome) if json_output else sys.stdout.write(outcome.message + "\n")


@jobs_app.command()
def resume(job_id: str, json_output: Annotated[bool, Opt("--json")] = False) -> None:
    """Queue a failed or cancelled job again, from its last checkpoint."""
    state["json"] = json_output
    job = _ask(json_output, lambda service: service.resume(job_id))
    emit_json(job) if json_output else sys.stdout.write(f"{job.id} queued again on {job.queue}\n")


@jobs_app.command()
def logs(
    job_id: str,
    follow: Annotated[bool, Opt("--follow", "-f", help="Keep printing until the job ends.")] = False,
    json_output: Annotated[bool, Opt("--json", help="One JSON object per line.")] = False,
) -> None:
    """Stage and progress lines of a job; with --follow, exits 0/1/130 as the job succeeds, fails or is cancelled."""
    import json

    state["json"] = json_output
    service = _service()
    try:
        events = service.follow(job_id) if follow else iter(service.events(job_id))
        for e in events:
            if json_output:
                sys.stdout.write(json.dumps(e.model_dump(mode="json")) + "\n")
            else:
                text = e.message or ""
                if e.stage and not text.startswith(e.stage):
                    text = f"{e.stage}: {text}"
                sys.stdout.write(f"{e.at:%H:%M:%S} {e.status.value:9s} {e.progress * 100:5.1f}%  {text}\n")
            sys.stdout.flush()
        status = service.get(job_id).status.value
    except ReelforgeError as exc:
        fail(exc, json_output)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        service.close()
    if follow:
        raise typer.Exit(_EXIT.get(status, 0))


@jobs_app.command()
def prune(
    older_than: Annotated[str | None, Opt("--older-than", help="30d, 12h ... (default jobs.retention_days)")] = None,
    json_output: Annotated[bool, Opt("--json")] = False,
) -> None:
    """Delete finished jobs older than the given age."""
    state["json"] = json_output
    try:
        age = parse_age(older_than) if older_than else None
    except ReelforgeError as exc:
        fail(exc, json_output)
    removed = _ask(json_output, lambda service: service.prune(age))
    emit_json({"removed": removed}) if json_output else sys.stdout.write(f"{removed} finished jobs removed\n")


@jobs_app.command("run-embedded")
def run_embedded(
    queues: Annotated[str, Opt("--queues", help="Comma-separated: default,gpu")] = "default,gpu",
    concurrency: Annotated[int | None, Opt("--concurrency")] = None,
) -> None:
    """Work through the queued jobs in this process and exit when none is queued or running."""
    from .worker import run_worker

    run_worker(queues, concurrency, None, until_idle=True)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app)


__all__ = ["jobs_app", "parse_age", "register"]
