"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from console.tasks import wait_for_background_tasks

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "console-demo"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI but was not found at {CHROMIUM}.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_world(transactional_db) -> None:
    call_command("seed_demo", stdout=open(os.devnull, "w"))


@pytest.fixture
def new_page(browser, live_server, demo_world):
    """Open a fresh browser context; call it as new_page() or new_page("bob")."""
    contexts = []
    # Every page runs under the console's Content Security Policy; anything it blocks
    # (an inline style htmx injected, an inline handler) fails the test.
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def open_page(username: str | None = None):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1400, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        if username:
            login(page, username)
        return page

    yield open_page
    for context in contexts:
        context.close()
    # Work a request started after its response must end before the database is flushed.
    wait_for_background_tasks(timeout=30)
    assert not violations, violations


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form."""
    page.goto("/login/")
    page.get_by_label("IAM user name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log In").click()
    page.wait_for_url(lambda url: "/login/" not in url)
