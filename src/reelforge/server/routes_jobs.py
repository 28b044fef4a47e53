"""Routes of the job service: submit videos, shorts and batches, estimate, list, show, cancel, resume, follow."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse

from ..errors import BackendUnavailable, InvalidRequest
from ..jobs.models import Job, JobKind
from ..types import JobStatus, VideoRequest
from .errors import ERROR_RESPONSES, Conflict, NotFound
from .events import stream
from .models import BatchIn, BatchOut, BatchStatus, CancelOut, Estimate, ItemError, JobList, ShortIn, VideoIn
from .state import Services, Svc

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)


async def _submit(svc: Services, kind: str, request: dict[str, Any], body: VideoIn | ShortIn) -> Job:
    await svc.check_callback(body.callback_url)
    publish = [p.model_dump(mode="json", exclude_none=True) for p in body.publish] if body.publish else None
    job: Job = await asyncio.to_thread(svc.jobs.submit, kind, request, callback_url=body.callback_url, publish=publish)
    return job


@router.post("/videos", status_code=202, response_model=Job, tags=["jobs"], summary="Submit a generation job")
async def submit_video(body: VideoIn, svc: Svc) -> Job:
    request = await svc.inputs.video(body.request())
    return await _submit(svc, "video", request, body)


@router.post("/shorts", status_code=202, response_model=Job, tags=["jobs"], summary="Submit a short job")
async def submit_short(body: ShortIn, svc: Svc) -> Job:
    request = await svc.inputs.short(body.request())
    return await _submit(svc, "short", request, body)


@router.post("/estimate", response_model=Estimate, tags=["jobs"], summary="Validate and price a video request")
async def estimate(body: VideoIn, svc: Svc) -> Estimate:
    from ..api import aestimate

    data = await svc.inputs.video(body.request())
    try:
        request = VideoRequest.model_validate(data)
    except ValueError as exc:
        raise InvalidRequest({"request": str(exc)}) from None
    try:
        return Estimate.model_validate(await aestimate(request, config=svc.config))
    except BackendUnavailable as exc:  # a backend or model this server does not have: the request's fault
        if "cooling down" in exc.message:
            raise
        raise InvalidRequest({"backend": exc.message}) from None


async def _batch_item(svc: Services, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind == "video":
        return await svc.inputs.video(VideoIn.model_validate(data).request())
    return await svc.inputs.short(ShortIn.model_validate(data).request())


@router.post("/batches", status_code=202, response_model=BatchOut, tags=["jobs"], summary="Submit many jobs")
async def submit_batch(body: BatchIn, svc: Svc) -> BatchOut:
    lines: list[str] = []
    indexes: list[int] = []
    errors: list[ItemError] = []
    for index, item in enumerate(body.items):
        try:
            await svc.check_callback(item.callback_url)
            request = await _batch_item(svc, item.kind, item.request)
        except InvalidRequest as exc:
            errors.append(ItemError(index=index, fields=exc.problems))
            continue
        except ValueError as exc:  # the item's request does not fit its kind's model
            fields = {".".join(map(str, e["loc"])) or "request": e["msg"] for e in getattr(exc, "errors", list)()}
            errors.append(ItemError(index=index, fields=fields or {"request": str(exc)}))
            continue
        line = {"kind": item.kind, "request": request, "callback_url": item.callback_url}
        if item.publish:
            line["publish"] = [p.model_dump(mode="json", exclude_none=True) for p in item.publish]
        lines.append(json.dumps({k: v for k, v in line.items() if v is not None}))
        indexes.append(index)
    if not lines:
        raise InvalidRequest({f"items.{e.index}": "; ".join(f"{k}: {v}" for k, v in e.fields.items()) for e in errors})
    batch = await asyncio.to_thread(svc.jobs.submit_batch, lines, "api")
    errors += [ItemError(index=indexes[r.line - 1], fields=r.problems) for r in batch.rejected]
    return BatchOut(
        id=batch.id,
        created_at=batch.created_at,
        total=len(body.items),
        accepted=batch.accepted,
        job_ids=batch.job_ids,
        errors=sorted(errors, key=lambda e: e.index),
    )


@router.get("/batches/{batch_id}", response_model=BatchStatus, tags=["jobs"], summary="Batch progress")
async def get_batch(batch_id: str, svc: Svc) -> BatchStatus:
    try:
        batch = await asyncio.to_thread(svc.jobs.batch, batch_id)
    except InvalidRequest as exc:
        raise NotFound({"batch_id": f"no batch {batch_id!r}"}) from exc
    open_ = batch.counts.get("queued", 0) + batch.counts.get("running", 0)
    data = batch.model_dump(include={"id", "created_at", "total", "accepted", "job_ids", "counts"})
    return BatchStatus(**data, finished=open_ == 0)


@router.get("/jobs", response_model=JobList, tags=["jobs"], summary="List jobs, newest first")
async def list_jobs(
    svc: Svc,
    status: JobStatus | None = None,
    kind: JobKind | None = None,
    batch: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, description="next_cursor of the previous page")] = None,
) -> JobList:
    jobs = await asyncio.to_thread(
        svc.jobs.list,
        status=status.value if status else None,
        kind=kind,
        batch=batch,
        limit=limit,
        before=cursor,
    )
    return JobList(jobs=jobs, next_cursor=jobs[-1].id if len(jobs) == limit else None)


@router.get("/jobs/{job_id}", response_model=Job, tags=["jobs"], summary="One job")
async def get_job(job_id: str, svc: Svc) -> Job:
    job: Job = await svc.job(job_id)
    return job


@router.post("/jobs/{job_id}/cancel", response_model=CancelOut, tags=["jobs"], summary="Cancel (idempotent)")
async def cancel_job(job_id: str, svc: Svc) -> CancelOut:
    await svc.job(job_id)
    outcome = await asyncio.to_thread(svc.jobs.cancel, job_id)
    return CancelOut.model_validate(outcome.model_dump())


@router.post("/jobs/{job_id}/resume", status_code=202, response_model=Job, tags=["jobs"], summary="Resume a job")
async def resume_job(job_id: str, svc: Svc) -> Job:
    job: Job = await svc.job(job_id)
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise Conflict({"job_id": f"job {job_id} is {job.status.value}: only failed or cancelled jobs resume"})
    resumed: Job = await asyncio.to_thread(svc.jobs.resume, job_id)
    return resumed


@router.get(
    "/jobs/{job_id}/events",
    tags=["jobs"],
    summary="Progress as Server-Sent Events until the job ends",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "progress events, then the job"}},
)
async def job_events(
    job_id: str,
    request: Request,
    svc: Svc,
    last_event_id: Annotated[int | None, Header(ge=0, le=2**62)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**62, description="resume after this event id")] = None,
) -> EventSourceResponse:
    await svc.job(job_id)
    cursor = last_event_id if last_event_id is not None else (after or 0)
    assert svc.hub is not None
    return EventSourceResponse(stream(svc.hub, svc.jobs, job_id, cursor), ping=svc.settings.sse_ping_s)


__all__ = ["router"]
