"""Logging in and out through the pages, the demo personas, the secret key that signs sessions."""

from __future__ import annotations

import os
import re
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
    assert b"Account name" in response.content
    assert b"IAM user name" in response.content
    assert b'name="account"' in response.content
    assert b'name="password"' in response.content


def login_data(username, password="console-demo", account="Recipient Co", **extra):
    return {"account": account, "username": username, "password": password, **extra}


def test_login_redirects_to_the_images_console(world):
    client = Client()
    response = client.post(LOGIN_URL, login_data("recipient"))

    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES_URL
    assert client.session[SESSION_KEY] == str(world.recipient_user.pk)
    page = client.get(IMAGES_URL)
    assert page.status_code == 200
    assert page.wsgi_request.user == world.recipient_user
    assert page.wsgi_request.project == world.recipient_de


def test_login_follows_a_safe_next(world):
    client = Client()
    response = client.post(LOGIN_URL, login_data("recipient", next="/credentials/"))
    assert response.headers["Location"] == "/credentials/"


def test_login_ignores_an_external_next(world):
    response = Client().post(LOGIN_URL, login_data("recipient", next="https://evil.test/x"))
    assert response.headers["Location"] == IMAGES_URL


@pytest.mark.parametrize(
    ("account", "username", "password"),
    [
        ("Recipient Co", "recipient", "wrong"),
        ("Recipient Co", "nobody", "console-demo"),
        ("Sharer Co", "recipient", "console-demo"),
        ("No Such Account", "recipient", "console-demo"),
        ("Recipient Co", "RECIPIENT", "console-demo"),
    ],
)
def test_wrong_credentials_get_one_message_that_names_no_part(world, account, username, password):
    client = Client()
    response = client.post(LOGIN_URL, login_data(username, password, account))

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    errors = response.context["form"].non_field_errors()
    # The same words whichever of the three was wrong.
    assert errors == [
        "Incorrect account name, IAM user name or password. Note that the user name and "
        "password are case-sensitive."
    ]


@pytest.mark.parametrize("account", ["recipient co", "  Recipient Co  ", "ACCOUNT_ID"])
def test_the_account_is_its_name_in_any_case_or_its_id(world, account):
    if account == "ACCOUNT_ID":
        account = world.recipient.account_id
    client = Client()
    response = client.post(LOGIN_URL, login_data("recipient", account=account))
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(world.recipient_user.pk)


def test_the_account_name_is_remembered_for_the_next_login(world):
    client = Client()
    response = client.post(LOGIN_URL, login_data("recipient", account="recipient co"))
    cookie = response.cookies["console_account"]
    assert cookie.value == "recipient co"
    assert cookie["httponly"] and cookie["max-age"] >= 30 * 24 * 3600
    client.post(reverse("console:logout"))
    form = client.get(LOGIN_URL).context["form"]
    assert form["account"].value() == "recipient co"
    # The cursor goes to the first field still to fill in.
    assert "autofocus" in form.fields["username"].widget.attrs
    assert "autofocus" not in form.fields["account"].widget.attrs


def test_a_failed_login_does_not_remember_the_account(world):
    response = Client().post(LOGIN_URL, login_data("recipient", "wrong"))
    assert "console_account" not in response.cookies


def test_inactive_user_cannot_log_in(world):
    UserFactory(username="gone", is_active=False)
    client = Client()
    response = client.post(LOGIN_URL, login_data("gone", account="Recipient Co"))
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
    for username, account, _ in DEMO_PERSONAS:
        assert f'data-persona="{username}"' in content
        assert f'name="account" value="{account}"' in content


@pytest.mark.django_db
def test_a_persona_button_is_the_login_form_submitted_with_its_csrf_token():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN_URL)
    form = re.search(r'<form [^>]*data-persona="bob".*?</form>', page.content.decode(), re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[0]))
    assert set(fields) == {"csrfmiddlewaretoken", "next", "account", "username", "password"}
    response = client.post(LOGIN_URL, fields)
    assert response.status_code == 302
    assert client.session[SESSION_KEY]
    # Without the token it is refused, as any login is.
    del fields["csrfmiddlewaretoken"]
    refused = Client(enforce_csrf_checks=True).post(LOGIN_URL, fields)
    assert refused.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "account"), [p[:2] for p in DEMO_PERSONAS])
def test_every_listed_persona_can_log_in_with_the_listed_password(username, account):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    client = Client()
    response = client.post(LOGIN_URL, login_data(username, DEMO_PASSWORD, account))
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
