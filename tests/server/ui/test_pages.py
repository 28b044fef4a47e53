"""The web UI in Chromium against a real ``reelforge serve`` (no tokens): make a procedural video in the form and
watch it finish live, play it, cancel a long job from the list, field errors, batches, the library, at desktop
and phone sizes, with axe-core finding no serious or critical violation on any page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package (dev extra)")
pytest.importorskip("axe_playwright_python", reason="the browser tests need axe-playwright-python (dev extra)")

from playwright.sync_api import Page, expect

from tests.server.helpers import png_bytes

from .conftest import Served, serve
from .pages import WAIT_MS, axe_problems, play, shot, submit_video, watch_to_done

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_mp4: Path) -> Iterator[Served]:
    yield from serve(tmp_path_factory.mktemp("ui"), tiny_mp4)


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_a_video_made_in_the_form_finishes_live_and_plays(server: Served, page: Page) -> None:
    page.goto(f"{server.base}/#/create")
    expect(page.get_by_role("heading", name="Create")).to_be_visible()
    assert axe_problems(page) == []
    shot(page, server.out, "create-desktop")
    page.get_by_label("Backend").select_option("procedural")
    expect(page.get_by_text("free (local compute)")).to_be_visible()
    page.get_by_label("Prompt").fill("a lighthouse at dusk")
    page.get_by_label("Duration (s)", exact=True).fill("2")
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator(".estimate")).to_contain_text("$0.00")
    expect(page.locator(".estimate")).to_contain_text("2 s")
    job_id = submit_video(page, server.base, "a lighthouse at dusk")
    watch_to_done(page)
    state = play(page)
    assert state["ready"] >= 2 and state["duration"] > 1.5 and abs(state["time"] - 0.5) < 0.3, state
    link = re.compile(rf"^/ui/files/job/{job_id}/video\?exp=\d+&sig=[0-9a-f]{{64}}$")
    expect(page.get_by_role("link", name="Download video")).to_have_attribute("href", link)
    expect(page.get_by_role("listitem").filter(has_text="100 %").first).to_be_visible()  # the event log
    assert axe_problems(page) == []
    shot(page, server.out, "job-desktop")


def test_an_empty_prompt_shows_the_apis_error_next_to_the_field(server: Served, page: Page) -> None:
    page.goto(f"{server.base}/#/create")
    page.get_by_label("Backend").select_option("procedural")
    page.get_by_role("button", name="Generate").click()
    prompt = page.get_by_label("Prompt")
    expect(prompt).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{prompt.get_attribute('id')}-error")
    expect(error).to_contain_text("empty prompt")
    assert error.get_attribute("id") in (prompt.get_attribute("aria-describedby") or "")
    assert "#/create" in page.url  # nothing was submitted


def test_an_uploaded_image_makes_the_estimate_image_to_video(server: Served, page: Page, tmp_path: Path) -> None:
    (tmp_path / "frame.png").write_bytes(png_bytes((64, 36)))
    page.goto(f"{server.base}/#/create")
    page.get_by_label("Backend").select_option("procedural")
    page.get_by_label("Prompt").fill("slow zoom")
    page.get_by_label("Image (first frame)").set_input_files(str(tmp_path / "frame.png"))
    expect(page.get_by_text("Uploaded frame.png")).to_be_visible()
    page.get_by_label("Aspect").first.select_option("9:16")
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator(".estimate")).to_contain_text("image-to-video")
    page.get_by_label("Image (first frame)").set_input_files([])  # cleared: no image goes with the request
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator(".estimate")).to_contain_text("text-to-video")


def test_a_long_job_is_cancelled_from_the_list(server: Served, page: Page) -> None:
    job = httpx.post(f"{server.base}/v1/videos", json={"prompt": "slow", "backend": "sleepy"}).json()
    page.goto(f"{server.base}/#/jobs")
    row = page.locator(f'li[data-job="{job["id"]}"]')
    expect(row.locator(".stage")).to_have_text("sleepy", timeout=WAIT_MS)  # live over SSE
    expect(row).to_contain_text("working")
    assert axe_problems(page) == []
    shot(page, server.out, "jobs-desktop")
    row.get_by_role("button", name="Cancel").click()
    expect(row.locator(".badge")).to_have_text("■ cancelled", timeout=WAIT_MS)
    expect(row.get_by_role("button", name="Resume")).to_be_visible()
    assert httpx.get(f"{server.base}/v1/jobs/{job['id']}").json()["status"] == "cancelled"


def test_a_short_made_in_the_form_has_captions_and_metadata_to_copy(server: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    page = context.new_page()
    page.goto(f"{server.base}/#/create")
    form = page.get_by_role("form", name="Short")
    form.get_by_role("button", name="Make short").click()
    expect(form.get_by_label("Topic")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error").first).to_contain_text("give a topic")
    form.get_by_label("Script text").fill("Volcanoes are openings in the crust. Magma rises and erupts.")
    form.get_by_label("Voice engine").select_option("espeak")
    form.get_by_label("Visuals").select_option("generate")
    form.get_by_label("Captions", exact=True).select_option("sentence")
    form.get_by_label("Music mood").fill("none")
    form.get_by_label("Target duration (s)").fill("4")
    form.get_by_label("Resolution (px, short side)").fill("240")
    form.get_by_role("button", name="Make short").click()
    page.wait_for_url("**/#/jobs/job_*", timeout=WAIT_MS)
    watch_to_done(page)
    assert play(page)["ready"] >= 2
    for name in ("Captions (SRT)", "Captions (VTT)"):
        href = page.get_by_role("link", name=name).get_attribute("href")
        assert href and httpx.get(f"{server.base}{href}").text.startswith(("1\n", "WEBVTT")), name
    title = page.locator(".metadata dd .meta-text").first.inner_text()
    assert title.startswith("Volcanoes")
    page.get_by_role("button", name="Copy title").click()
    expect(page.get_by_role("button", name="Copy title")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == title
    assert axe_problems(page) == []
    shot(page, server.out, "short-desktop")
    context.close()


def test_a_failed_job_shows_its_reason_and_stage_and_resumes(server: Served, page: Page) -> None:
    job = httpx.post(f"{server.base}/v1/videos", json={"prompt": "", "backend": "procedural"}).json()
    page.goto(f"{server.base}/#/jobs?status=failed")
    row = page.locator(f'li[data-job="{job["id"]}"]')
    expect(row.locator(".failure")).to_contain_text("empty prompt", timeout=WAIT_MS)
    expect(row.locator(".badge")).to_have_text("✗ failed")
    expect(page.get_by_label("Status")).to_have_value("failed")
    row.get_by_role("button", name="Resume").click()
    expect(row.get_by_role("button", name="Resume")).to_have_count(0)  # it left the failed list or ran again
    with httpx.stream("GET", f"{server.base}/v1/jobs/{job['id']}/events", timeout=WAIT_MS / 1000) as stream:
        text = "".join(stream.iter_text())
    assert text.count('"status":"queued"') >= 2, text  # queued again by Resume


def test_a_batch_file_shows_refused_lines_and_progress(server: Served, page: Page, tmp_path: Path) -> None:
    lines = [
        '{"prompt": "batch one", "backend": "procedural", "duration_s": 1}',
        "not json",
        '{"prompt": "bad", "backend": "procedural", "duration_s": -1}',
    ]
    (tmp_path / "jobs.jsonl").write_text("\n".join(lines) + "\n")
    page.goto(f"{server.base}/#/batches")
    page.get_by_label("JSON Lines file").set_input_files(str(tmp_path / "jobs.jsonl"))
    page.get_by_role("button", name="Submit batch").click()
    expect(page.get_by_text("Accepted 1 of 3 lines.")).to_be_visible(timeout=WAIT_MS)
    table = page.get_by_role("region", name="Refused lines")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and lines 2 and 3
    expect(table).to_contain_text("duration_s")
    expect(page.get_by_text("finished")).to_be_visible(timeout=WAIT_MS)
    assert axe_problems(page) == []
    shot(page, server.out, "batches-desktop")


def test_the_library_shows_assets_thumbnails_and_spend(server: Served, page: Page) -> None:
    job_id = submit_video(page, server.base, "a library clip", "1")
    watch_to_done(page)
    asset = httpx.get(f"{server.base}/v1/jobs/{job_id}").json()["assets"][0]
    page.goto(f"{server.base}/#/library")
    card = page.get_by_role("listitem").filter(has_text=asset)
    thumb = card.get_by_role("img", name=f"Thumbnail of asset {asset}")
    expect(thumb).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    expect(page.get_by_role("img", name="Spend per day and backend", exact=False)).to_be_visible()
    expect(page.get_by_text("Today:")).to_contain_text("left of $50.00")
    assert axe_problems(page) == []
    shot(page, server.out, "library-desktop")
    card.get_by_role("button", name="Delete").click()
    card.get_by_role("button", name="Confirm delete").click()
    expect(page.get_by_text(f"Deleted asset {asset}.")).to_be_visible()
    assert httpx.get(f"{server.base}/v1/assets/{asset}").status_code == 404


def test_the_same_flow_on_a_phone(server: Served, phone: Page) -> None:
    submit_video(phone, server.base, "a phone-sized clip")
    watch_to_done(phone)
    assert play(phone)["ready"] >= 2
    for page_hash in ("#/create", "#/jobs", "#/library", "#/batches"):
        phone.goto(f"{server.base}/{page_hash}")
        phone.wait_for_selector("main h1")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{page_hash} is {width}px wide"
        assert axe_problems(phone) == []
    phone.goto(f"{server.base}/#/jobs")
    phone.get_by_role("link", name="video", exact=False).first.click()
    phone.wait_for_selector("video")
    shot(phone, server.out, "job-phone")


def test_the_keyboard_reaches_every_control_with_a_visible_focus(server: Served, page: Page) -> None:
    page.goto(f"{server.base}/#/create")
    page.wait_for_selector("textarea")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    seen: set[str] = set()
    for _ in range(80):  # forward through the page until the form's submit button
        page.keyboard.press("Tab")
        info = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.tagName, e.textContent.trim().slice(0, 20), s.outlineStyle, s.outlineWidth]; })()"
        )
        assert info[0] != "BODY", f"the focus left the page before Generate: {seen}"
        assert info[2] != "none" and info[3] != "0px", info
        seen.add(info[1] if info[0] in ("A", "BUTTON") else info[0])
        if info[1] == "Generate":
            break
    assert {"Jobs", "TEXTAREA", "SELECT", "INPUT", "Estimate", "Generate"} <= seen, seen
    page.get_by_label("Prompt").focus()
    page.keyboard.type("typed with the keyboard")
    page.get_by_label("Backend").select_option("procedural")
    page.get_by_role("button", name="Generate").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/#/jobs/job_*", timeout=WAIT_MS)
