"""Error pages: 404 and 403 inside the console shell, a plain 500 page, never a crash."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from console import urls
from console.views import error_403
from tests.console.test_auth import CONSOLE_PAGES
from tests.factories import TenantFactory, UserFactory

NO_TENANT_REASON = "Your user belongs to no tenant with a project."


def shell(content: str) -> bool:
    """Whether the page carries the console shell: header, region select, navigation."""
    return (
        'class="topbar"' in content
        and 'id="region-select"' in content
        and 'class="sidenav"' in content
        and "Image Management Service" in content
    )


def get_or_post(client: Client, url: str):
    """GET the page; for an action that only takes POST, POST to it instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


# ---------------------------------------------------------------------------------------------
# 404


@pytest.mark.parametrize("path", ["/no-such-page/", "/ims/no-such-tab/", "/vaults/x/y/z/"])
def test_unknown_url_renders_the_console_404_page(recipient_client, path):
    response = recipient_client.get(path)

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "The resource does not exist" in content
    assert shell(content)
    assert "recipient" in content  # the user menu


def test_http404_from_a_view_renders_the_console_404_page(recipient_client):
    response = recipient_client.post(reverse("console:region_switch"), {"region": "xx-99"})

    assert response.status_code == 404
    content = response.content.decode()
    assert "The resource does not exist" in content
    assert shell(content)


@pytest.mark.django_db
def test_404_for_anonymous_visitors_has_no_tenant_shell():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "The resource does not exist" in content
    assert 'id="region-select"' not in content


@pytest.mark.django_db
def test_404_for_a_user_without_tenant(client):
    client.force_login(UserFactory(tenant=None, is_staff=True, is_superuser=True))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "The resource does not exist" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# 403: a user without a tenant (the operator `admin`) opening console pages


@pytest.fixture
def operator_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="admin", tenant=None, is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("url_name", CONSOLE_PAGES)
def test_user_without_tenant_gets_a_403_page_with_the_reason(operator_client, url_name):
    response = get_or_post(operator_client, reverse(url_name))

    assert response.status_code == 403, f"{url_name} answered {response.status_code}"
    assert "403.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Access denied" in content
    assert NO_TENANT_REASON in content
    assert "administration site" in content
    # Operators are pointed to where they can work.
    assert f'href="{reverse("admin:index")}"' in content


def test_home_of_a_user_without_tenant_ends_on_the_403_page(operator_client):
    response = operator_client.get(reverse("console:home"), follow=True)
    assert response.status_code == 403
    assert NO_TENANT_REASON in response.content.decode()


def test_region_switch_of_a_user_without_tenant_is_404(operator_client):
    response = operator_client.post(reverse("console:region_switch"), {"region": "eu-de"})
    assert response.status_code == 404


def test_tenant_without_any_project_gets_the_403_page(world, client):
    client.force_login(UserFactory(tenant=TenantFactory()))
    response = client.get(reverse("ims:shared_images"))
    assert response.status_code == 403
    assert NO_TENANT_REASON in response.content.decode()


@pytest.mark.django_db
def test_403_handler_without_a_message_gives_a_default_reason():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = error_403(request, PermissionDenied())
    assert response.status_code == 403
    assert "You cannot perform this action." in response.content.decode()


@pytest.mark.django_db
def test_403_handler_names_the_reason():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = error_403(request, PermissionDenied("Read-only users cannot share images."))
    assert "Read-only users cannot share images." in response.content.decode()


def test_error_handlers_are_the_consoles():
    assert urls.handler403 == "console.views.error_403"
    assert urls.handler404 == "console.views.error_404"


# ---------------------------------------------------------------------------------------------
# 500


@pytest.mark.django_db
def test_server_error_page_renders_without_context():
    # Django's handler renders 500.html with no request context: it must stand alone.
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "Nothing was changed" in content


def test_unexpected_exception_shows_the_500_page(world, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("console.views.render", boom)
    client = Client(raise_request_exception=False)
    client.force_login(world.recipient_user)

    response = client.get(reverse("console:credentials"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "unexpected" not in response.content.decode()


def test_every_response_varies_on_hx_request(client, db):
    response = client.get("/login/")
    assert "HX-Request" in response["Vary"]


DOCUMENTED_IMG_0026 = (
    "The role is invalid. You need to apply for the required permissions or pass the "
    "real-name authentication."
)


@pytest.mark.django_db
class TestReadOnlyRefusal:
    def test_service_refusal_is_the_documented_text_and_one_plain_sentence(self, world):
        from console.errors import RoleRefused
        from console.services import ensure_can_change

        with pytest.raises(RoleRefused) as refused:
            ensure_can_change(world.readonly_user)
        assert refused.value.code == "IMG.0026"
        assert refused.value.message.startswith(DOCUMENTED_IMG_0026 + " ")
        extra = refused.value.message.removeprefix(DOCUMENTED_IMG_0026 + " ")
        assert extra.count(".") == 1 and extra.endswith(".") and "read-only" in extra
        assert "Your role is read-only:" not in refused.value.message

    def test_full_page_refusal_shows_the_documented_text(self, world, readonly_client):
        from tests.factories import ImageFactory

        image = ImageFactory(owner=world.recipient_de)
        response = readonly_client.post(reverse("ims:image_delete", args=[image.pk]))
        assert response.status_code == 403
        assert DOCUMENTED_IMG_0026 in response.content.decode()
