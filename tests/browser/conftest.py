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


@pytest.fixture
def _audit_guard_lifted_for_flush(request):
    """Transactional tests end with a flush the append-only audit guard would refuse."""
    from ketamine_care.testing import audit_guard

    yield
    audit_guard.lift()
    request.node._audit_guard_lifted = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # every fixture finalizer, including the flush, has run now
    # After the last test the test database is already gone: nothing to restore.
    if getattr(item, "_audit_guard_lifted", False) and nextitem is not None:
        from ketamine_care.testing import audit_guard

        blocker = item.session.config.stash[_blocker_key()]
        with blocker.unblock():
            audit_guard.restore()


def _blocker_key():
    from pytest_django.plugin import blocking_manager_key

    return blocking_manager_key


@pytest.fixture
def page(browser, live_server, _audit_guard_lifted_for_flush):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
