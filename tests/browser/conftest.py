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

# Every wait is for a condition (an element, a text, a URL); this is only how long a condition
# may take before the test fails. It is generous because a loaded machine (CI, a laptop
# running other work) can take seconds to answer an htmx request; a passing condition returns
# at once. Playwright's own default for `expect` is 5 s, too short under load.
WAIT_MS = int(os.environ.get("BROWSER_WAIT_MS", "60000"))


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
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# `_audit_guard_lifted_for_flush` lives in the root conftest.py (shared with other
# transactional tests).
@pytest.fixture
def page(browser, live_server, _audit_guard_lifted_for_flush):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    page = context.new_page()
    # The Content-Security-Policy allows no inline script or style: anything the browser
    # refused under it fails the test (Chromium reports each refusal on the console).
    refused = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url} ({message.location['url']}): {message.text}")

    page.on("console", on_console)
    # Requests the page still has in flight when the test ends (an htmx request fired by a
    # change event, say) must be answered before the test's database is flushed: the flush
    # would otherwise race the live server's write and deadlock on PostgreSQL.
    in_flight: set = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    yield page
    _wait_until_answered(page, in_flight)
    context.close()
    assert refused == [], refused


def _wait_until_answered(page, in_flight: set) -> None:
    page.evaluate("0")  # a round trip: every request the page started is reported by now
    waited = 0
    while in_flight:
        assert waited < WAIT_MS, f"never answered: {sorted(r.url for r in in_flight)}"
        page.wait_for_timeout(50)  # lets Playwright deliver the finished events
        waited += 50


@pytest.fixture
def sign_in(page):
    """Sign in through the form and wait until a signed-in page has loaded, so that the next
    navigation cannot overtake the login POST."""
    from playwright.sync_api import expect

    def sign_in(email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    return sign_in
