"""Shared browser fixtures: Debian's Chromium driven by Playwright, and a recording session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("GALLERY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("GALLERY_SCREENSHOTS", REPO / "test-output" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Session:
    """One browser context with everything the page did recorded."""

    def __init__(self, browser: Any, site: Path, **options: Any) -> None:
        self.site = site
        self.context = browser.new_context(**options)
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.alerts: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console_errors.append(f"{message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.alerts.append(dialog.message)
        dialog.dismiss()

    def open(self, rel: str = "index.html") -> Any:
        self.page.goto((self.site / rel).as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def load_all_images(self) -> list[dict[str, Any]]:
        """Scroll every image into view (they are lazy) and report what each one decoded."""
        page = self.page
        for handle in page.query_selector_all("main img"):
            handle.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('main img')).every(i => i.complete)"
        )
        result: list[dict[str, Any]] = page.eval_on_selector_all(
            "main img",
            "imgs => imgs.map(i => ({src: i.currentSrc, natural: i.naturalWidth, alt: i.alt}))",
        )
        page.evaluate("window.scrollTo(0, 0)")
        return result

    def outside_requests(self) -> list[str]:
        prefix = self.site.as_uri() + "/"
        return [url for url in self.requests if not url.startswith(prefix)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_factory(browser: Any) -> Iterator[Any]:
    made: list[Session] = []

    def make(site: Path, **options: Any) -> Session:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        session = Session(browser, site, **options)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()
