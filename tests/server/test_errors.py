"""Every error of the one tree reaches the client as the envelope with its status; an unexpected failure is a
500 that says nothing about its cause."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from reelforge.errors import (
    AuthError,
    BackendUnavailable,
    BudgetExceeded,
    Cancelled,
    ContentRejected,
    InvalidRequest,
    ProviderError,
    RateLimited,
    ReelforgeError,
    Timeout,
)
from reelforge.server.errors import Conflict, NotFound, TooLarge, install_error_handlers

CASES: list[tuple[ReelforgeError | Exception, int, str]] = [
    (InvalidRequest({"duration_s": "too long", "fps": "too fast"}), 422, "InvalidRequest"),
    (ContentRejected("the prompt was refused", stage="input"), 422, "ContentRejected"),
    (BudgetExceeded("over the daily budget", limit="daily_usd", estimate_usd=3.0), 402, "BudgetExceeded"),
    (RateLimited("slow down", retry_after=2.5), 429, "RateLimited"),
    (BackendUnavailable("runway is cooling down"), 503, "BackendUnavailable"),
    (ProviderError("upstream 502", retryable=True, status=502), 503, "ProviderError"),
    (AuthError("the provider refused the key"), 503, "AuthError"),
    (Timeout("the provider took too long"), 503, "Timeout"),
    (Cancelled("cancelled"), 409, "Cancelled"),
    (NotFound({"job_id": "no job"}), 404, "NotFound"),
    (Conflict({"job_id": "running"}), 409, "Conflict"),
    (TooLarge({"file": "too big"}), 413, "TooLarge"),
    (RuntimeError("secret internals: /srv/db password=hunter2"), 500, "InternalError"),
]


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{index}")
    async def boom(index: int) -> None:
        raise CASES[index][0]

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.parametrize("index", range(len(CASES)))
async def test_each_error_has_its_status_and_the_envelope(client: httpx.AsyncClient, index: int) -> None:
    exc, status, type_ = CASES[index]
    async with client:
        r = await client.get(f"/raise/{index}")
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"error"} and body["error"]["type"] == type_
    assert set(body["error"]) == {"type", "message", "fields"}
    if isinstance(exc, InvalidRequest):
        assert body["error"]["fields"] == exc.problems
    if isinstance(exc, RateLimited):
        assert r.headers["retry-after"] == "3"
    if status == 500:
        assert "hunter2" not in r.text and "/srv" not in r.text
