"""The API documentation pages: Swagger UI from this server's own files, under the CSP."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(
    ("path", "title", "operation"),
    [
        ("/api/ims/docs", "IMS", "/v2/images"),
        ("/api/iam/docs", "IAM", "/v3/auth/tokens"),
    ],
)
def test_the_api_docs_render_offline_under_the_csp(new_page, path, title, operation):
    page = new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(title)
    expect(page.locator(".opblock-summary-path").filter(has_text=operation).first).to_be_visible()
    # Everything came from this server: nothing from a CDN, so it works without the internet.
    origin = page.url.split(path)[0]
    assert requested and all(url.startswith((origin, "data:")) for url in requested), requested
