"""Browser tests: Playwright drives Debian's Chromium by executable path (never a downloaded
browser). Without Chromium they skip locally and fail under CI=true."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",  # needed as root in containers; harmless otherwise
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return candidate if os.path.exists(candidate) else shutil.which(candidate)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium not found: install Debian's chromium or set CHROMIUM_PATH"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# `_audit_guard_lifted_for_flush` lives in the root conftest.py (shared with other
# transactional tests).
@pytest.fixture
def page(browser, live_server, _audit_guard_lifted_for_flush):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    # The Content-Security-Policy allows no inline script or style: anything the browser
    # refused under it fails the test (Chromium reports each refusal on the console).
    refused = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url} ({message.location['url']}): {message.text}")

    page.on("console", on_console)
    yield page
    context.close()
    assert refused == [], refused
