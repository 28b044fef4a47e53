"""Sign-in against a server with API tokens: the page asks for a token, refuses a wrong one, keeps the right one
for the tab's session only, and plays results through signed links (a video element sends no bearer header)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package (dev extra)")
pytest.importorskip("axe_playwright_python", reason="the browser tests need axe-playwright-python (dev extra)")

from playwright.sync_api import Page, expect

from tests.server.helpers import TOKEN

from .conftest import Served, serve
from .pages import axe_problems, play, shot, submit_video, watch_to_done

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_mp4: Path) -> Iterator[Served]:
    yield from serve(tmp_path_factory.mktemp("ui-auth"), tiny_mp4, api_tokens=[TOKEN])


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def sign_in(page: Page, token: str) -> None:
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_the_page_asks_for_a_token_and_keeps_it_for_the_session_only(server: Served, context: Any) -> None:
    page: Page = context.new_page()
    page.goto(f"{server.base}/#/jobs")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert axe_problems(page) == []
    shot(page, server.out, "signin-desktop")
    sign_in(page, "not-the-token")
    expect(page.get_by_text("That token was refused.")).to_be_visible()
    expect(page.get_by_label("API token")).to_have_attribute("aria-invalid", "true")
    sign_in(page, TOKEN)
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('reelforge.token')") == TOKEN
    assert page.evaluate("localStorage.length") == 0 and context.cookies() == []
    other = context.new_page()  # another tab: a new session, so the page asks again
    other.goto(f"{server.base}/#/create")
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('reelforge.token')") is None


def test_a_signed_in_user_makes_and_plays_a_video(server: Served, context: Any) -> None:
    page: Page = context.new_page()
    page.goto(f"{server.base}/#/create")
    sign_in(page, TOKEN)
    expect(page.get_by_role("heading", name="Create")).to_be_visible()
    job_id = submit_video(page, server.base, "a signed-in clip", "1")
    watch_to_done(page)
    assert play(page)["ready"] >= 2
    link = page.get_by_role("link", name="Download video").get_attribute("href")
    assert link and TOKEN not in link and job_id in link
    assert httpx.get(f"{server.base}{link}", headers={"Range": "bytes=0-9"}).status_code == 206
    tampered = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    assert httpx.get(f"{server.base}{tampered}").status_code == 401
    assert httpx.get(f"{server.base}/v1/ui/jobs/{job_id}/outputs").status_code == 401
