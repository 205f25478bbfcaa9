"""Logging in and out through the pages, the demo personas, the secret key that signs sessions."""

from __future__ import annotations

import os
import stat

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import console.settings
from console.views import DEMO_PASSWORD, DEMO_PERSONAS
from tests.factories import UserFactory

LOGIN_URL = reverse("console:login")
IMAGES_URL = reverse("ims:shared_images")
PUBLIC_PAGES = {"console:login"}
# Console pages that send somewhere else rather than render (checked on their own below).
REDIRECTING_PAGES = {
    "console:home",
    "console:logout",
    "console:region_switch",
    "console:preferences",
}


def console_page_names() -> list[str]:
    """URL names of every argument-free console page, so new pages are covered too."""
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                # The APIs answer JSON to tokens and signatures (tests/api, tests/iam); the
                # operators' pages are for superusers (tests/console/test_admin.py,
                # tests/demo/test_reset.py).
                if entry.namespace in ("admin", "demo", "iam_api", "ims_api"):
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
                if "(?P<" not in str(entry.pattern):
                    found.append(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


CONSOLE_PAGES = [n for n in console_page_names() if n not in PUBLIC_PAGES | REDIRECTING_PAGES]


def test_page_discovery_finds_the_known_pages():
    assert {"ims:shared_images", "vaults:vault_list", "console:credentials"} <= set(CONSOLE_PAGES)


# ---------------------------------------------------------------------------------------------
# Login and logout


@pytest.mark.django_db
def test_login_page_renders():
    response = Client().get(LOGIN_URL)
    assert response.status_code == 200
    assert b"IAM user name" in response.content
    assert b'name="password"' in response.content


def test_login_redirects_to_the_images_console(world):
    client = Client()
    response = client.post(LOGIN_URL, {"username": "recipient", "password": "console-demo"})

    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES_URL
    assert client.session[SESSION_KEY] == str(world.recipient_user.pk)
    page = client.get(IMAGES_URL)
    assert page.status_code == 200
    assert page.wsgi_request.user == world.recipient_user
    assert page.wsgi_request.project == world.recipient_de


def test_login_follows_a_safe_next(world):
    client = Client()
    response = client.post(
        LOGIN_URL,
        {"username": "recipient", "password": "console-demo", "next": "/credentials/"},
    )
    assert response.headers["Location"] == "/credentials/"


def test_login_ignores_an_external_next(world):
    response = Client().post(
        LOGIN_URL,
        {"username": "recipient", "password": "console-demo", "next": "https://evil.test/x"},
    )
    assert response.headers["Location"] == IMAGES_URL


@pytest.mark.parametrize(
    ("username", "password"), [("recipient", "wrong"), ("nobody", "console-demo")]
)
def test_wrong_credentials_are_refused(world, username, password):
    client = Client()
    response = client.post(LOGIN_URL, {"username": username, "password": password})

    assert response.status_code == 200
    assert b"form-error" in response.content
    assert SESSION_KEY not in client.session


def test_inactive_user_cannot_log_in(world):
    UserFactory(username="gone", is_active=False)
    client = Client()
    response = client.post(LOGIN_URL, {"username": "gone", "password": "console-demo"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_logged_in_user_visiting_login_goes_to_the_console(recipient_client):
    response = recipient_client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES_URL


def test_logout_by_post_ends_the_session(recipient_client):
    response = recipient_client.post(reverse("console:logout"))

    assert response.status_code == 302
    assert response.headers["Location"] == LOGIN_URL
    assert SESSION_KEY not in recipient_client.session
    after = recipient_client.get(IMAGES_URL)
    assert after.status_code == 302 and after.headers["Location"].startswith(LOGIN_URL)


def test_logout_by_get_is_refused(recipient_client):
    response = recipient_client.get(reverse("console:logout"))
    assert response.status_code == 405
    assert SESSION_KEY in recipient_client.session


def test_pages_offer_the_logout_form(recipient_client):
    content = recipient_client.get(reverse("console:credentials")).content.decode()
    assert f'action="{reverse("console:logout")}"' in content
    assert 'method="post"' in content


def test_home_sends_to_the_images_console(recipient_client):
    response = recipient_client.get(reverse("console:home"))
    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES_URL


# ---------------------------------------------------------------------------------------------
# Demo personas on the login page


@pytest.mark.django_db
def test_login_page_hides_personas_without_the_demo_world(world):
    # An ordinary install may well have an operator called admin: that is no demo.
    UserFactory(username="admin", tenant=None, is_staff=True, is_superuser=True)
    UserFactory(username="alice", tenant=world.sharer)
    content = Client().get(LOGIN_URL).content.decode()
    assert "Demo personas" not in content
    assert DEMO_PASSWORD not in content


@pytest.mark.django_db
def test_login_page_lists_personas_and_password_with_the_demo_world():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    content = Client().get(LOGIN_URL).content.decode()

    assert "Demo personas" in content
    assert f"<code>{DEMO_PASSWORD}</code>" in content
    for username, tenant, _ in DEMO_PERSONAS:
        assert f"<code>{username}</code>" in content
        assert tenant in content


@pytest.mark.django_db
@pytest.mark.parametrize("username", [p[0] for p in DEMO_PERSONAS])
def test_every_listed_persona_can_log_in_with_the_listed_password(username):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    client = Client()
    response = client.post(LOGIN_URL, {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert SESSION_KEY in client.session


# ---------------------------------------------------------------------------------------------
# Anonymous visitors


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", CONSOLE_PAGES)
def test_anonymous_visitor_is_sent_to_login(url_name):
    url = reverse(url_name)
    response = Client().get(url)

    assert response.status_code == 302, f"{url} answered {response.status_code}"
    assert response.headers["Location"] == f"{LOGIN_URL}?next={url}"


@pytest.mark.django_db
def test_anonymous_region_switch_is_sent_to_login():
    response = Client().post(reverse("console:region_switch"), {"region": "eu-de"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN_URL)


# ---------------------------------------------------------------------------------------------
# The secret key: generated once under var/ when DJANGO_SECRET_KEY is unset


@pytest.fixture
def key_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setattr(console.settings, "VAR_DIR", tmp_path)
    return tmp_path


def test_secret_key_file_is_created_once_and_reused(key_dir):
    first = console.settings._secret_key()
    key_file = key_dir / "secret_key"

    assert key_file.read_text().strip() == first
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    written = key_file.stat().st_mtime_ns
    assert console.settings._secret_key() == first
    assert key_file.stat().st_mtime_ns == written


def test_secret_key_differs_per_install(key_dir, tmp_path_factory, monkeypatch):
    first = console.settings._secret_key()
    monkeypatch.setattr(console.settings, "VAR_DIR", tmp_path_factory.mktemp("other"))
    assert console.settings._secret_key() != first


def test_existing_key_file_is_read_not_replaced(key_dir):
    (key_dir / "secret_key").write_text("kept-from-an-earlier-run\n")
    assert console.settings._secret_key() == "kept-from-an-earlier-run"


def test_environment_key_wins_and_writes_nothing(key_dir, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-environment")
    assert console.settings._secret_key() == "from-the-environment"
    assert not (key_dir / "secret_key").exists()
