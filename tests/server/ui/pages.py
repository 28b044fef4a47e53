"""What the browser tests do on a page: fill the video form, wait for a job's bar, play the result, run axe."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

DOCS_IMG = Path(__file__).resolve().parents[3] / "docs" / "img"
WAIT_MS = 90_000


def shot(page: Page, out: Path, name: str) -> Path:
    """A full-page screenshot under the test's output folder; with RF_UI_DOCS=1 the docs' copies are refreshed."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    docs = {"job-desktop": "ui-desktop.png", "job-phone": "ui-phone.png"}
    if os.environ.get("RF_UI_DOCS") == "1" and name in docs:
        shutil.copyfile(path, DOCS_IMG / docs[name])
    return path


def axe_problems(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page as it stands (none expected)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found: list[str] = []
    for violation in results.response["violations"]:
        if violation.get("impact") in ("serious", "critical"):
            targets = [str(node.get("target")) for node in violation.get("nodes", [])][:5]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def submit_video(page: Page, base: str, prompt: str, duration: str = "2") -> str:
    """Fill and submit the video form with the procedural backend; returns the job id the page moved to."""
    page.goto(f"{base}/#/create")
    page.get_by_label("Prompt").fill(prompt)
    page.get_by_label("Backend").select_option("procedural")
    page.get_by_label("Duration (s)", exact=True).fill(duration)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/#/jobs/job_*", timeout=WAIT_MS)
    return page.url.rsplit("/", 1)[-1]


def watch_to_done(page: Page) -> None:
    """The job page's bar reaches 100 % and the status says succeeded, with no reload in between."""
    page.evaluate("window.__sameDocument = true")
    expect(page.locator(".card .pct").first).to_have_text("100 %", timeout=WAIT_MS)
    expect(page.locator(".card .badge").first).to_contain_text("succeeded", timeout=WAIT_MS)
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"


def play(page: Page) -> dict[str, Any]:
    """The result plays: readyState reaches 2, time advances, and a seek lands (the file answers Range)."""
    video = page.get_by_label("Result video")
    expect(video).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function("document.querySelector('video').readyState >= 2", timeout=WAIT_MS)
    page.evaluate("(() => { const v = document.querySelector('video'); v.muted = true; return v.play(); })()")
    page.wait_for_function("document.querySelector('video').currentTime > 0.2", timeout=WAIT_MS)
    page.evaluate(
        "new Promise(r => { const v = document.querySelector('video'); v.pause();"
        " v.addEventListener('seeked', r, {once: true}); v.currentTime = 0.5; })"
    )
    state: dict[str, Any] = page.evaluate(
        "(() => { const v = document.querySelector('video'); return {ready: v.readyState, time: v.currentTime,"
        " duration: v.duration, seekable: v.seekable.length ? v.seekable.end(0) : 0}; })()"
    )
    return state


__all__ = ["WAIT_MS", "axe_problems", "play", "shot", "submit_video", "watch_to_done"]
