"""Schemathesis drives every route of the OpenAPI schema with generated requests (a bounded number per route):
no request, however malformed, gets a server error, and every error of the /v1 routes is the envelope. URL
inputs resolve to a private address here and outbound requests fail the test, so nothing reaches the network."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from .helpers import TOKEN, server_config  # noqa: E402

EXAMPLES = 25
SKIP = ("/events",)  # a stream that follows a job until it ends: tested in test_api


async def _private(host: str, port: int) -> list[str]:
    return ["10.0.0.1"]


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"an outbound request was made: {request.url}")


def _check(case: Any, problems: list[str]) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
    response = case.call()
    where = f"{case.method} {case.formatted_path}"
    if response.status_code >= 500:
        problems.append(f"{where}: {response.status_code} {response.text[:300]}")
    elif response.status_code >= 400 and case.path.startswith("/v1"):
        body = response.json()
        if set(body) != {"error"} or not {"type", "message", "fields"} <= set(body["error"]):
            problems.append(f"{where}: not the error envelope: {body}")


def _run(tmp_path: Any, prefixes: tuple[str, ...]) -> tuple[int, list[str]]:
    from reelforge.server import create_app

    config, _ = server_config(tmp_path, server={"api_tokens": [TOKEN], "max_upload_mb": 0.5})
    app = create_app(config, background=False, resolve=_private, transport=httpx.MockTransport(_never))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith(SKIP) or not operation.path.startswith(prefixes):
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same requests every run: a failure reproduces
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            _check(case, problems)

        run()
    return operations, problems


def test_no_generated_request_gets_a_server_error(tmp_path: Any) -> None:
    operations, problems = _run(tmp_path, ("/v1/", "/healthz"))
    assert operations >= 18
    assert problems == [], "\n".join(problems[:20])


def test_the_openai_compatible_routes_give_no_server_error_either(tmp_path: Any) -> None:
    operations, problems = _run(tmp_path, ("/openai/",))
    if not operations:
        pytest.skip("the OpenAI-compatible surface is not mounted")
    assert problems == [], "\n".join(problems[:20])
