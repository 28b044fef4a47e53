"""The OpenAI-compatible video API, driven by the official ``openai`` client against a real server on 127.0.0.1.

The server is uvicorn in a thread serving the app ``reelforge serve`` runs (``create_app``), with a worker in
this process running the jobs on the ``procedural`` backend, as ``reelforge serve`` does. The video downloaded
through ``download_content`` is probed, not trusted.
"""

from __future__ import annotations

import base64
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytest.importorskip("fastapi")
openai = pytest.importorskip("openai")

from fastapi import FastAPI  # noqa: E402

from reelforge.config import Config, parse_config  # noqa: E402
from reelforge.jobs import config as _jobs_config  # noqa: E402, F401  (registers the jobs: block)
from reelforge.media import probe  # noqa: E402
from reelforge.server.openai_compat import openai_router  # noqa: E402
from tests.jobs.conftest import db_url, pg_url  # noqa: E402, F401  (SQLite and PostgreSQL)
from tests.jobs.helpers import Sleepy  # noqa: E402

TOKEN = "test-token-for-the-openai-surface"
# the client marks the Videos API deprecated on OpenAI's own service; this surface keeps it
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


class Broken(Sleepy):
    """Fails every run the way a provider's failed task does."""

    name = "broken"

    async def run(self, plan: Any, ctx: Any) -> Any:
        from reelforge.errors import GenerationFailed

        raise GenerationFailed("the model fell over", stage="generate")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _config(tmp: Path, **extra: Any) -> Config:
    data = {
        "data_dir": str(tmp / "data"),
        "default_backend": "procedural",
        "cache": False,
        "server": {"api_tokens": [TOKEN], "max_upload_mb": 1},
        "backends": {"procedural": {"preset": "ultrafast"}},
        "jobs": {"lease_s": 5, "poll_interval_s": 0.1, "progress_interval_s": 0.1},
        **extra,
    }
    return parse_config(yaml.safe_dump(data))


class Server:
    """uvicorn serving one app on 127.0.0.1 in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Config]]:
    from reelforge.jobs import Worker
    from reelforge.server.app import create_app

    config = _config(tmp_path_factory.mktemp("openai"))
    with Worker(config, concurrency=2) as worker:
        app = create_app(config, background=False, embedded_worker=worker.executor_id)
        with Server(app) as server:
            yield server.url, config


@pytest.fixture
def client(stack: tuple[str, Config]) -> Iterator[Any]:
    with openai.OpenAI(base_url=f"{stack[0]}/openai/v1", api_key=TOKEN, max_retries=0) as c:
        yield c


def test_create_and_poll_then_download_a_probed_mp4(client: Any, tmp_path: Path) -> None:
    video = client.videos.create_and_poll(
        prompt="a paper boat on a rainy street", model="procedural", seconds="2", size="320x180", poll_interval_ms=100
    )
    assert video.object == "video" and video.status == "completed", video.error
    assert video.progress == 100 and video.model.startswith("procedural")
    assert video.completed_at is not None and video.completed_at >= video.created_at
    content = client.videos.download_content(video.id)
    out = tmp_path / "got.mp4"
    content.write_to_file(out)
    info = probe(out)
    assert (info.width, info.height) == (320, 180)
    assert abs(info.duration_s - 2.0) < 0.2
    assert video.size == "320x180" and float(video.seconds) == pytest.approx(info.duration_s, abs=0.01)

    thumb = client.videos.download_content(video.id, variant="thumbnail").read()
    assert thumb[:3] == b"\xff\xd8\xff"  # a JPEG

    again = client.videos.retrieve(video.id)
    assert again.id == video.id and again.status == "completed"

    deleted = client.videos.delete(video.id)
    assert deleted.deleted and deleted.object == "video.deleted" and deleted.id == video.id
    with pytest.raises(openai.NotFoundError) as err:
        client.videos.retrieve(video.id)
    assert err.value.body["code"] == "video_not_found"


def test_a_queued_video_reports_the_planned_size_and_seconds(stack: tuple[str, Config]) -> None:
    url, _ = stack
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"prompt": "a lighthouse at dusk", "model": "procedural", "size": "256x144", "seconds": "1"}
    created = httpx.post(f"{url}/openai/v1/videos", json=body, headers=headers, timeout=30).json()
    assert created["object"] == "video" and created["status"] in ("queued", "in_progress", "completed")
    assert created["size"] == "256x144" and created["seconds"] == "1" and created["model"] == "procedural"
    assert created["prompt"] == "a lighthouse at dusk" and isinstance(created["created_at"], int)


def test_list_pages_in_both_orders(client: Any) -> None:
    make = client.videos.create
    ids = [make(prompt=f"list {i}", model="procedural", seconds="1", size="128x72").id for i in range(3)]
    newest = client.videos.list(limit=2)
    assert newest.data[0].id == ids[-1] and newest.has_more is True
    assert newest.last_id == newest.data[-1].id
    seen = [v.id for v in client.videos.list(limit=2)]  # auto-paging follows last_id through every page
    assert seen[:3] == ids[::-1]
    oldest_first = [v.id for v in client.videos.list(order="asc", limit=1)]
    assert [i for i in oldest_first if i in ids] == ids
    for video_id in ids:
        client.videos.poll(video_id, poll_interval_ms=100)


def test_input_reference_upload_makes_an_image_to_video(client: Any, stack: tuple[str, Config], tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (96, 64), (200, 40, 40)).save(buf, format="PNG")
    video = client.videos.create_and_poll(
        prompt="slow push in",
        model="procedural",
        seconds="1",
        size="192x128",
        input_reference=("still.txt", buf.getvalue(), "text/plain"),
        poll_interval_ms=100,
    )  # fmt: skip  (typed by its bytes, not its name or content type)
    assert video.status == "completed", video.error
    out = tmp_path / "i2v.mp4"
    client.videos.download_content(video.id).write_to_file(out)
    assert (probe(out).width, probe(out).height) == (192, 128)
    kept = Path(stack[1].data_dir) / "uploads" / "openai"
    assert [p.suffix for p in kept.iterdir()] == [".png"]
    client.videos.delete(video.id)
    assert list(kept.iterdir()) == []  # the reference goes with the video


def test_a_data_url_reference_is_taken_and_a_fake_image_refused(stack: tuple[str, Config]) -> None:
    url, _ = stack
    headers = {"Authorization": f"Bearer {TOKEN}"}
    fake = base64.b64encode(b"this is text, not a picture").decode()
    body = {"prompt": "x", "model": "procedural", "input_reference": {"image_url": f"data:image/png;base64,{fake}"}}
    answer = httpx.post(f"{url}/openai/v1/videos", json=body, headers=headers, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "input_reference"
    inside = {"prompt": "x", "model": "procedural", "input_reference": {"image_url": "https://127.0.0.1:9/x.png"}}
    refused = httpx.post(f"{url}/openai/v1/videos", json=inside, headers=headers, timeout=30)
    assert refused.status_code == 400, refused.text  # the server's SSRF guard: a loopback address is never fetched
    assert refused.json()["error"]["param"] == "input_reference" and "loopback" in refused.json()["error"]["message"]
    files = {"input_reference": ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (2 << 20), "image/png")}
    too_big = httpx.post(f"{url}/openai/v1/videos", data={"prompt": "x"}, files=files, headers=headers, timeout=30)
    assert too_big.status_code == 413 and too_big.json()["error"]["type"] == "invalid_request_error"
    crowded = httpx.post(
        f"{url}/openai/v1/videos", data={f"f{i}": "x" for i in range(40)}, headers=headers, timeout=30
    )  # more form fields than the surface takes: the client's mistake, never a server error
    assert crowded.status_code == 400 and "error" in crowded.json()


def test_failures_come_back_as_openai_errors(client: Any, stack: tuple[str, Config]) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.videos.create(prompt="a boat", model="no-such-backend")
    assert err.value.status_code == 400
    assert err.value.body["param"] == "model" and "no-such-backend" in err.value.body["message"]
    assert set(err.value.body) >= {"message", "type", "param", "code"}

    with pytest.raises(openai.BadRequestError) as err:
        client.videos.create(prompt="a boat", model="procedural", seconds="soon", size="big")
    problems = err.value.body["message"]
    assert "seconds" in problems and "size" in problems  # every problem at once

    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("job_missing")
    with pytest.raises(openai.BadRequestError):
        client.videos.download_content("job_missing", variant="spritesheet")

    url, _ = stack
    bad = openai.OpenAI(base_url=f"{url}/openai/v1", api_key="wrong", max_retries=0)
    with bad, pytest.raises(openai.AuthenticationError) as auth:
        bad.videos.list()
    assert auth.value.body["code"] == "invalid_api_key"
    assert TOKEN not in auth.value.response.text


def test_a_failed_generation_reads_as_a_failed_video_with_its_reason(client: Any) -> None:
    from reelforge.backends.registry import register_backend

    register_backend("broken", Broken)
    video = client.videos.create_and_poll(prompt="doomed", model="broken", seconds="1", poll_interval_ms=100)
    assert video.status == "failed" and video.completed_at is not None
    assert video.error.code == "generation_failed" and "fell over" in video.error.message
    with pytest.raises(openai.ConflictError) as err:
        client.videos.download_content(video.id)
    assert err.value.body["code"] == "video_not_ready"


def test_content_of_an_unfinished_video_is_refused_and_delete_cancels_it(stack: tuple[str, Config]) -> None:
    url, _ = stack
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"prompt": "a long one", "model": "procedural", "seconds": "30", "size": "640x360"}
    created = httpx.post(f"{url}/openai/v1/videos", json=body, headers=headers, timeout=30).json()
    content = httpx.get(f"{url}/openai/v1/videos/{created['id']}/content", headers=headers, timeout=30)
    assert content.status_code == 409 and content.json()["error"]["code"] == "video_not_ready"
    deleted = httpx.delete(f"{url}/openai/v1/videos/{created['id']}", headers=headers, timeout=60)
    assert deleted.status_code == 200 and deleted.json() == {
        "id": created["id"],
        "object": "video.deleted",
        "deleted": True,
    }
    gone = httpx.get(f"{url}/openai/v1/videos/{created['id']}", headers=headers, timeout=30)
    assert gone.status_code == 404


def test_the_router_stands_alone_with_its_own_token_check(tmp_path: Path) -> None:
    """Mounted in any FastAPI app: auth from ``server.api_tokens``, OpenAI's error shape, the route in OpenAPI."""
    from fastapi.testclient import TestClient

    from reelforge.jobs import JobService

    config = _config(tmp_path)
    with JobService(config) as service:
        app = FastAPI()
        app.include_router(openai_router(config, service))
        with TestClient(app) as http:
            refused = http.get("/openai/v1/videos", headers={"Authorization": "Bearer nope"})
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
            headers = {"Authorization": f"Bearer {TOKEN}"}
            assert http.get("/openai/v1/videos", headers=headers).json() == {
                "object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False,
            }  # fmt: skip
            bad = http.get("/openai/v1/videos?limit=0&order=sideways", headers=headers).json()["error"]
            assert bad["type"] == "invalid_request_error" and bad["param"] == "order"
            created = http.post("/openai/v1/videos", json={"prompt": "a boat", "model": "procedural"}, headers=headers)
            assert created.status_code == 200 and created.json()["status"] == "queued"  # no worker here: it waits
            assert created.json()["size"] and created.json()["seconds"]  # the planned size and seconds
            as_text = http.post(
                "/openai/v1/videos", content=b"prompt=x", headers={**headers, "Content-Type": "text/plain"}
            )
            assert as_text.status_code == 415 and as_text.json()["error"]["code"] == "unsupported_media_type"
            paths = http.get("/openapi.json").json()["paths"]
            assert {"/openai/v1/videos", "/openai/v1/videos/{video_id}/content"} <= set(paths)


def test_paging_and_deleting_queued_videos_on_each_database(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    """No worker: the videos stay queued; pages in both orders, and a queued video is cancelled and deleted."""
    from fastapi.testclient import TestClient

    from reelforge.jobs import JobService

    config = _config(tmp_path, database_url=db_url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with JobService(config) as service:
        app = FastAPI()
        app.include_router(openai_router(config, service))
        with TestClient(app) as http:
            body = {"model": "procedural", "seconds": "1", "size": "64x64"}
            ids = [http.post("/openai/v1/videos", json={**body, "prompt": f"v{i}"}, headers=headers).json()["id"]
                   for i in range(5)]  # fmt: skip
            service.submit("short", {"topic": "not a video"})  # other kinds stay off this surface

            def walk(order: str) -> list[str]:
                seen: list[str] = []
                after = ""
                while True:
                    page = http.get(f"/openai/v1/videos?limit=2&order={order}{after}", headers=headers).json()
                    seen += [v["id"] for v in page["data"]]
                    if not page["has_more"]:
                        return seen
                    after = f"&after={page['last_id']}"

            assert walk("asc") == ids and walk("desc") == ids[::-1]
            gone = http.delete(f"/openai/v1/videos/{ids[2]}", headers=headers)
            assert gone.status_code == 200 and gone.json()["deleted"] is True
            assert http.get(f"/openai/v1/videos/{ids[2]}", headers=headers).status_code == 404
            assert walk("asc") == ids[:2] + ids[3:]
            unknown_cursor = http.get(f"/openai/v1/videos?after={ids[2]}", headers=headers)
            assert unknown_cursor.status_code == 404


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"seconds": "inf"}, "seconds"),
        ({"seconds": "1e308"}, "seconds"),
        ({"seconds": True}, "seconds"),
        ({"fps": "inf"}, "fps"),
        ({"size": "0x0"}, "size"),
        ({"size": "99999x99999"}, "size"),
        ({"seed": "abc"}, "seed"),
        ({"input_reference": [1]}, "input_reference"),
        ({"input_reference": {"file_id": "file_1"}}, "input_reference"),
        ({"input_reference": {"image_url": "data:image/png;base64,%%%"}}, "input_reference"),
        ({"quality": "high"}, "quality"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_bad_fields_are_400_naming_the_param(body: dict[str, Any], param: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from reelforge.jobs import JobService

    config = _config(tmp_path, server={})
    with JobService(config) as service:
        app = FastAPI()
        app.include_router(openai_router(config, service))
        with TestClient(app) as http:
            answer = http.post("/openai/v1/videos", json={"prompt": "x", "model": "procedural", **body})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["param"] == param and error["message"].startswith(f"{param}: ")
