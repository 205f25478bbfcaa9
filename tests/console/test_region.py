"""Region switching: the current project follows the chosen region, within the tenant only."""

from __future__ import annotations

import pytest
from django.test.html import Element, parse_html
from django.urls import reverse

from console.middleware import REGION_SESSION_KEY, select_project
from tests.conftest import htmx
from tests.factories import ProjectFactory, RegionFactory, UserFactory

SWITCH_URL = reverse("console:region_switch")
CREDENTIALS_URL = reverse("console:credentials")
IMAGES_URL = reverse("ims:shared_images")


def elements(node, name):
    """Every element called `name` under `node`."""
    if not isinstance(node, Element):
        return []
    found = [node] if node.name == name else []
    for child in node.children:
        found += elements(child, name)
    return found


def region_select(response):
    """(options, selected) of the header's region select."""
    doc = parse_html(response.content.decode())
    (select,) = [s for s in elements(doc, "select") if ("id", "region-select") in s.attributes]
    options = [dict(o.attributes) for o in elements(select, "option")]
    selected = [o["value"] for o in options if "selected" in o]
    return [o["value"] for o in options], selected


def switch(client, region, next_url=CREDENTIALS_URL, **headers):
    return client.post(SWITCH_URL, {"region": region, "next": next_url}, headers=headers)


def test_default_region_is_selected_first(world, recipient_client):
    response = recipient_client.get(CREDENTIALS_URL)

    assert response.wsgi_request.project == world.recipient_de
    assert region_select(response) == (["eu-de", "eu-nl"], ["eu-de"])


def test_switch_changes_the_current_project(world, recipient_client):
    response = switch(recipient_client, "eu-nl")

    assert response.status_code == 302
    assert response.headers["Location"] == CREDENTIALS_URL
    page = recipient_client.get(CREDENTIALS_URL)
    assert page.wsgi_request.project == world.recipient_nl
    assert page.wsgi_request.region == world.nl
    assert region_select(page) == (["eu-de", "eu-nl"], ["eu-nl"])
    rows = elements(parse_html(page.content.decode()), "tr")
    marked = [
        dict(r.attributes)["data-region"] for r in rows if ("class", "current") in r.attributes
    ]
    assert marked == ["eu-nl"]
    assert page.context["current_project"] == world.recipient_nl


def test_choice_is_kept_in_the_session_across_pages(world, recipient_client):
    switch(recipient_client, "eu-nl")

    assert recipient_client.session[REGION_SESSION_KEY] == "eu-nl"
    for url in (IMAGES_URL, CREDENTIALS_URL, IMAGES_URL):
        response = recipient_client.get(url)
        assert response.wsgi_request.project == world.recipient_nl
        assert region_select(response)[1] == ["eu-nl"]

    switch(recipient_client, "eu-de")
    assert recipient_client.get(IMAGES_URL).wsgi_request.project == world.recipient_de


def test_choice_is_per_session(world, recipient_client, client):
    switch(recipient_client, "eu-nl")
    client.force_login(world.recipient_user)
    assert client.get(IMAGES_URL).wsgi_request.project == world.recipient_de


def test_switch_without_next_goes_to_the_images_console(world, recipient_client):
    response = recipient_client.post(SWITCH_URL, {"region": "eu-nl"})
    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES_URL


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.test/",
        "//evil.test/path",
        "http://evil.test/credentials/",
        "javascript:alert(1)",
        "https://testserver.evil.test/",
    ],
)
def test_unsafe_next_is_ignored(world, recipient_client, unsafe):
    response = switch(recipient_client, "eu-nl", next_url=unsafe)

    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES_URL
    assert recipient_client.session[REGION_SESSION_KEY] == "eu-nl"


def test_next_keeps_its_query_string(world, recipient_client):
    response = switch(recipient_client, "eu-nl", next_url="/ims/private/?page=2")
    assert response.headers["Location"] == "/ims/private/?page=2"


def test_region_without_a_project_of_the_tenant_is_404(world, recipient_client):
    switch(recipient_client, "eu-nl")
    elsewhere = RegionFactory(code="eu-fr", name="EU-France")
    ProjectFactory(tenant=world.sharer, region=elsewhere)

    response = switch(recipient_client, "eu-fr")

    assert response.status_code == 404
    assert recipient_client.session[REGION_SESSION_KEY] == "eu-nl"
    assert recipient_client.get(IMAGES_URL).wsgi_request.project == world.recipient_nl


@pytest.mark.parametrize("region", ["xx-99", "EU-DE", "eu de", "", "../eu-nl"])
def test_unknown_or_malformed_region_is_404(world, recipient_client, region):
    response = switch(recipient_client, region)

    assert response.status_code == 404
    assert REGION_SESSION_KEY not in recipient_client.session


def test_switch_by_get_is_refused(world, recipient_client):
    response = recipient_client.get(SWITCH_URL, {"region": "eu-nl"})
    assert response.status_code == 405
    assert REGION_SESSION_KEY not in recipient_client.session


def test_htmx_switch_answers_with_hx_redirect(world, recipient_client):
    response = switch(recipient_client, "eu-nl", **htmx())

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == CREDENTIALS_URL
    assert "Location" not in response.headers
    assert recipient_client.session[REGION_SESSION_KEY] == "eu-nl"


def test_htmx_switch_with_unsafe_next_redirects_to_the_console(world, recipient_client):
    response = switch(recipient_client, "eu-nl", next_url="https://evil.test/", **htmx())
    assert response.headers["HX-Redirect"] == IMAGES_URL


def test_region_select_lists_only_the_tenants_regions(world, recipient_client):
    ProjectFactory(tenant=world.sharer, region=RegionFactory(code="eu-fr", name="EU-France"))
    options, _ = region_select(recipient_client.get(CREDENTIALS_URL))
    assert options == ["eu-de", "eu-nl"]


def test_region_select_posts_to_the_switch_with_the_current_page(world, recipient_client):
    content = recipient_client.get(f"{CREDENTIALS_URL}?page=1").content.decode()
    assert f'action="{SWITCH_URL}"' in content
    assert f'name="next" value="{CREDENTIALS_URL}?page=1"' in content


def test_stale_session_region_falls_back_to_the_default(world, client):
    user = UserFactory(tenant=world.recipient)
    client.force_login(user)
    session = client.session
    session[REGION_SESSION_KEY] = "xx-gone"
    session.save()

    assert client.get(IMAGES_URL).wsgi_request.project == world.recipient_de


def test_tenant_without_a_default_region_project_gets_its_first_project(world, client):
    only_nl = ProjectFactory(region=world.nl)
    client.force_login(UserFactory(tenant=only_nl.tenant))
    assert client.get(IMAGES_URL).wsgi_request.project == only_nl


def test_select_project_order_of_preference(world):
    projects = [world.recipient_de, world.recipient_nl]
    assert select_project(projects, "eu-nl") == world.recipient_nl
    assert select_project(projects, "eu-de") == world.recipient_de
    assert select_project(projects, None) == world.recipient_de
    assert select_project(projects[::-1], "xx-99") == world.recipient_de
    assert select_project([world.recipient_nl], "eu-de") == world.recipient_nl
    assert select_project([], "eu-de") is None


def test_readonly_user_may_switch_region(world, readonly_client):
    response = switch(readonly_client, "eu-nl")
    assert response.status_code == 302
    assert readonly_client.get(IMAGES_URL).wsgi_request.project == world.recipient_nl
