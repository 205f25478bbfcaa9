"""The browser enforces the console's Content Security Policy, and the pages need no exception."""

from tests.e2e.conftest import CSP_VIOLATIONS, login


def test_inline_code_is_blocked_and_htmx_injects_no_style(browser, live_server, demo_world):
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        messages = []
        page.on("console", lambda message: messages.append(message.text))
        login(page, "bob")
        page.goto("/ims/")
        # htmx runs (it would have added its indicator <style> without the htmx-config meta).
        assert page.evaluate("typeof window.htmx") == "object"
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
        assert "style" not in page.evaluate("htmx.config.attributesToSettle")
        assert page.evaluate("document.querySelectorAll('style').length") == 0
        # An injected inline script does not run, and the browser reports it, which is what
        # the other browser tests watch for.
        ran = page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.head.appendChild(s);"
            " return window.inlineRan === true; }"
        )
        assert ran is False
        page.wait_for_timeout(100)
        assert any("Content Security Policy" in m for m in messages), messages
        # The watch every browser test runs under saw it too; this one was provoked.
        assert any("script-src" in v for v in CSP_VIOLATIONS), CSP_VIOLATIONS
        CSP_VIOLATIONS.clear()
    finally:
        context.close()
