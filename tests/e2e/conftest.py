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
# Every Content Security Policy violation any page of the current test reported: the pages
# run under the console's policy (never bypassed) and a test that provokes one fails.
CSP_VIOLATIONS: list[str] = []
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : ""));
});
"""

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
        new_context = browser.new_context

        def watched_context(**options):
            assert not options.get("bypass_csp"), "the browser tests run under the console's CSP"
            context = new_context(**options)
            watch_csp(context)
            return context

        browser.new_context = watched_context
        yield browser
        browser.close()


def watch_csp(context) -> None:
    """Record every CSP violation of the context's pages: the browser's own report of each
    (the securitypolicyviolation event) and what it writes to the console."""
    context.expose_binding("__cspViolation", lambda source, text: CSP_VIOLATIONS.append(text))
    context.add_init_script(CSP_WATCH)

    def console(message) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(message.text)

    context.on("console", console)


@pytest.fixture(autouse=True)
def _no_csp_violation():
    """Fail any browser test during which a page broke the Content Security Policy."""
    CSP_VIOLATIONS.clear()
    yield
    found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    assert not found, f"Content Security Policy violations: {found}"


@pytest.fixture
def demo_world(transactional_db) -> None:
    call_command("seed_demo", stdout=open(os.devnull, "w"))


@pytest.fixture
def new_page(browser, live_server, demo_world):
    """Open a fresh browser context; call it as new_page() or new_page("bob")."""
    contexts = []

    def open_page(username: str | None = None):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1400, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if username:
            login(page, username)
        return page

    yield open_page
    for context in contexts:
        context.close()
    # Work a request started after its response must end before the database is flushed.
    wait_for_background_tasks(timeout=30)


def account_of(username: str) -> str:
    """The account name a user logs in with: its tenant's, or its own name for an operator."""
    from console.models import User

    user = User.objects.select_related("tenant").get(username=username)
    return user.tenant.name if user.tenant else user.username


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form."""
    page.goto("/login/")
    page.get_by_label("Account name").fill(account_of(username))
    page.get_by_label("IAM user name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log In").click()
    page.wait_for_url(lambda url: "/login/" not in url)
