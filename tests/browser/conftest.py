"""Playwright driving Debian's Chromium against a live server, on a phone-sized screen."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 640}
# `make screenshots` refreshes the README's pictures; ordinary runs keep them out of the tree.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("DOORSTEP_SCREENSHOTS") else Path(tempfile.gettempdir()) / "doorstep-screenshots")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def _require_browser():
    required = os.environ.get("DOORSTEP_REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}
    try:
        import playwright  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The phones live where the server's clock is set (Asia/Shanghai by default): times the page writes
        # itself (a kept knock's 13:05) agree with the server's on the same screen and in the screenshots.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                             env={**os.environ, "TZ": os.environ.get("DOORSTEP_TIMEZONE",
                                                                                     "Asia/Shanghai")})
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    target = tmp_path / "live.db"
    shutil.copyfile(sqlite_template, target)
    app = make_app(f"sqlite:///{target}")
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def phone(browser):
    """A new phone-sized, touch-screen browser context in Chinese."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def answer_next_dialog(page, accept: bool, asked: list[str]) -> None:
    """Answer the page's next confirm() (Playwright would dismiss it unseen), noting what it asked."""
    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def qr_codes_on(browser, base_url: str, path: str, username: str = "secretary", shot: str | None = None) -> set[str]:
    """Open a printable sheet as an A4-wide desktop page and decode every QR code on it with zxing-cpp."""
    import io

    import zxingcpp
    from PIL import Image

    from tests.conftest import PASSWORD

    context = browser.new_context(viewport={"width": 1000, "height": 1400}, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base_url, username, PASSWORD)
    page.goto(f"{base_url}{path}")
    png = page.screenshot(full_page=True)
    if shot:
        screenshot(page, shot)
    context.close()
    return {result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}
