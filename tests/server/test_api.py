"""The REST API through httpx against the app: jobs followed over SSE to the end (and resumed with
Last-Event-ID), listing, cancel, resume, batches, estimates, errors in one envelope, assets with Range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import follow, job_json


async def test_a_video_job_streams_progress_to_the_end_and_resumes_after_an_event_id(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/v1/videos", json={"prompt": "a paper boat", "duration_s": 1})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "video" and job["request"]["prompt"] == "a paper boat"
    events = await follow(client, job["id"])
    progress = [e for e in events if e["event"] == "progress"]
    assert job_json(progress[0])["status"] == "queued"
    assert job_json(progress[-1])["status"] == "succeeded"
    assert any(job_json(e)["message"] == "sleepy: working" for e in progress)  # the backend's own progress
    ids = [int(e["id"]) for e in progress]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    final = events[-1]
    assert final["event"] == "job" and job_json(final)["status"] == "succeeded" and job_json(final)["assets"]
    again = await follow(client, job["id"], last=progress[1]["id"])  # a reconnect gets only what came after
    assert [e["id"] for e in again if e["event"] == "progress"] == [e["id"] for e in progress[2:]]
    assert again[-1]["event"] == "job"
    shown = (await client.get(f"/v1/jobs/{job['id']}")).json()
    assert shown["status"] == "succeeded" and shown["progress"] == 1.0 and shown["result"]["width"] == 64


async def test_list_filters_and_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    ids = [(await client.post("/v1/videos", json={"prompt": f"clip {n}"})).json()["id"] for n in range(3)]
    first = (await client.get("/v1/jobs", params={"limit": 2, "kind": "video"})).json()
    assert [j["id"] for j in first["jobs"]] == ids[::-1][:2] and first["next_cursor"] == ids[1]
    second = (await client.get("/v1/jobs", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert second["jobs"][0]["id"] == ids[0]
    bad = await client.get("/v1/jobs", params={"status": "sleeping", "limit": 0})
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"status", "limit"}


async def test_cancel_is_idempotent_and_resume_is_refused_while_running(client: httpx.AsyncClient) -> None:
    job = (await client.post("/v1/videos", json={"prompt": "long", "extra": {}})).json()
    first = (await client.post(f"/v1/jobs/{job['id']}/cancel")).json()
    assert first["action"] in ("cancelled", "cancelling")
    events = await follow(client, job["id"])
    assert job_json(events[-1])["status"] == "cancelled"
    again = await client.post(f"/v1/jobs/{job['id']}/cancel")
    assert again.status_code == 200 and again.json()["action"] == "noop"
    resumed = await client.post(f"/v1/jobs/{job['id']}/resume")
    assert resumed.status_code == 202 and resumed.json()["status"] == "queued"
    assert job_json((await follow(client, job["id"]))[-1])["status"] == "succeeded"
    refused = await client.post(f"/v1/jobs/{job['id']}/resume")
    assert refused.status_code == 409 and refused.json()["error"]["type"] == "Conflict"


async def test_errors_share_one_envelope(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/jobs/job_nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"type": "NotFound", "message": "job_id: no job 'job_nope'",
                                        "fields": {"job_id": "no job 'job_nope'"}}}  # fmt: skip
    for path in ("/v1/jobs/job_nope/events", "/v1/assets/nope", "/v1/batches/nope", "/v1/uploads/nope"):
        assert (await client.get(path)).status_code == 404, path
    broken = await client.post("/v1/videos", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["type"] == "InvalidRequest"
    invalid = await client.post("/v1/videos", json={"prompt": "x", "duration_s": -1, "colour": "red"})
    assert invalid.status_code == 422 and set(invalid.json()["error"]["fields"]) == {"duration_s", "colour"}
    secret = await client.post("/v1/videos", json={"prompt": "x", "extra": {"api_key": "sk-live-abc"}})
    assert secret.status_code == 422 and "sk-live-abc" not in secret.text
    unknown = await client.post("/v1/videos", json={"prompt": "x", "backend": "nosuch"})
    assert unknown.status_code == 422 and "backend" in unknown.json()["error"]["fields"]
    path = await client.post("/v1/videos", json={"prompt": "x", "image": "/etc/hostname"})
    assert path.status_code == 422 and "upload id" in path.json()["error"]["fields"]["image"]
    script = await client.post("/v1/shorts", json={"topic": "x", "script": "/etc/passwd"})
    assert script.status_code == 422
    nothing = await client.get("/v1/nothing-here")
    assert nothing.status_code == 404 and nothing.json()["error"]["type"] == "NotFound"
    webhook = await client.post("/v1/videos", json={"prompt": "x", "callback_url": "https://example.com/hook"})
    assert webhook.status_code == 422 and "webhook_secret" in webhook.json()["error"]["fields"]["callback_url"]


async def test_a_batch_queues_valid_items_and_names_each_bad_one(client: httpx.AsyncClient) -> None:
    items: list[dict[str, Any]] = [
        {"request": {"prompt": "one"}},
        {"request": {"prompt": "two", "duration_s": -3}},
        {"kind": "short", "request": {"topic": "volcanoes", "output": "/tmp/x.mp4"}},
        {"request": {"prompt": "three", "backend": "nosuch"}},
        {"request": {"prompt": "four"}},
    ]
    r = await client.post("/v1/batches", json={"items": items})
    assert r.status_code == 202, r.text
    batch = r.json()
    assert batch["total"] == 5 and batch["accepted"] == 2 and len(batch["job_ids"]) == 2
    assert {e["index"]: sorted(e["fields"]) for e in batch["errors"]} == {1: ["duration_s"], 2: ["output"],
                                                                        3: ["backend"]}  # fmt: skip
    for job_id in batch["job_ids"]:
        await follow(client, job_id)
    status = (await client.get(f"/v1/batches/{batch['id']}")).json()
    assert status["counts"] == {"succeeded": 2} and status["finished"] is True
    listed = (await client.get("/v1/jobs", params={"batch": batch["id"]})).json()["jobs"]
    assert sorted(j["id"] for j in listed) == sorted(batch["job_ids"])
    none = await client.post("/v1/batches", json={"items": [items[1]]})
    assert none.status_code == 422 and "items.0" in none.json()["error"]["fields"]


async def test_estimate_backends_usage_and_health(client: httpx.AsyncClient) -> None:
    est = await client.post("/v1/estimate", json={"prompt": "x", "backend": "procedural", "duration_s": 2})
    assert est.status_code == 200, est.text
    assert est.json()["backend"] == "procedural" and est.json()["estimated_usd"] == 0
    bad = await client.post("/v1/estimate", json={"prompt": "x", "backend": "procedural", "duration_s": 5000})
    assert bad.status_code == 422
    names = {b["name"]: b for b in (await client.get("/v1/backends")).json()["backends"]}
    assert names["procedural"]["configured"] is True and names["procedural"]["models"]
    assert names["runway"]["configured"] is False and "RUNWAY_API_KEY" in (names["runway"]["why_not"] or "")
    usage = (await client.get("/v1/usage", params={"since": "2020-01-01"})).json()
    assert {"rows", "total_cost_usd", "total_attempts"} <= set(usage)
    health = (await client.get("/healthz")).json()
    assert health["status"] == "ok" and health["database"] is True and health["workers"] >= 1


async def test_asset_files_are_served_with_range_and_deleted_with_their_row(client: httpx.AsyncClient) -> None:
    job = (await client.post("/v1/videos", json={"prompt": "asset"})).json()
    final = job_json((await follow(client, job["id"]))[-1])
    asset_id = final["assets"][0]
    meta = (await client.get(f"/v1/assets/{asset_id}")).json()
    assert meta["width"] == 64 and meta["file_url"] == f"/v1/assets/{asset_id}/file" and "path" not in meta
    assert asset_id in [a["id"] for a in (await client.get("/v1/assets")).json()["assets"]]
    whole = await client.get(meta["file_url"])
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert len(whole.content) == meta["size_bytes"] and whole.content[4:8] == b"ftyp"
    part = await client.get(meta["file_url"], headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == whole.content[4:12]
    assert part.headers["content-range"] == f"bytes 4-11/{meta['size_bytes']}"
    tail = await client.get(meta["file_url"], headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = await client.get(meta["file_url"], headers={"Range": f"bytes={meta['size_bytes'] + 5}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{meta['size_bytes']}"
    head = await client.head(meta["file_url"])
    assert head.status_code == 200 and int(head.headers["content-length"]) == meta["size_bytes"] and not head.content
    path = Path(final["result"]["path"])
    assert path.is_file()
    assert (await client.delete(f"/v1/assets/{asset_id}")).status_code == 204
    assert not path.exists()
    assert (await client.get(f"/v1/assets/{asset_id}")).status_code == 404
    assert (await client.delete(f"/v1/assets/{asset_id}")).status_code == 404


@pytest.mark.parametrize("field", ["image", "audio"])
async def test_an_input_of_the_wrong_kind_is_refused(client: httpx.AsyncClient, field: str, tiny_mp4: Path) -> None:
    up = (await client.post("/v1/uploads", content=tiny_mp4.read_bytes())).json()
    assert up["kind"] == "video"
    r = await client.post("/v1/videos", json={"prompt": "x", field: up["id"]})
    assert r.status_code == 422 and "not" in r.json()["error"]["fields"][field]


async def test_a_short_is_queued_from_its_fields_and_cancelled(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/shorts", json={"topic": "how volcanoes work", "aspect_ratio": "9:16", "music": "calm"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "short" and job["request"]["topic"] == "how volcanoes work"
    cancel = await client.post(f"/v1/jobs/{job['id']}/cancel")
    assert cancel.status_code == 200 and cancel.json()["action"] in ("cancelled", "cancelling")
    music = await client.post("/v1/shorts", json={"topic": "x", "music": "/srv/music/track.mp3"})
    assert music.status_code == 422 and "music" in music.json()["error"]["fields"]
