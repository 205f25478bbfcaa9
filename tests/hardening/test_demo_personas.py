"""The login page names the demo personas and their password only while that password works."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from console import security
from console.models import Tenant, User
from console.views import DEMO_PASSWORD, DEMO_PERSONAS

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("console:login")
USERNAMES = [p[0] for p in DEMO_PERSONAS]


def seed(*args):
    call_command("seed_demo", *args, stdout=io.StringIO())


def listed(content: str) -> set[str]:
    return {u for u in USERNAMES if f'data-persona="{u}"' in content}


def change_password(username: str, password: str = "another-secret-9") -> None:
    user = User.objects.get(username=username)
    user.set_password(password)
    user.save()


def test_a_changed_password_takes_the_persona_off_the_list():
    seed()
    assert listed(Client().get(LOGIN_URL).content.decode()) == set(USERNAMES)
    change_password("alice")
    content = Client().get(LOGIN_URL).content.decode()
    assert listed(content) == set(USERNAMES) - {"alice"}
    assert DEMO_PASSWORD in content


def test_no_persona_and_no_password_once_every_password_changed():
    seed()
    for username in USERNAMES:
        change_password(username)
    content = Client().get(LOGIN_URL).content.decode()
    assert "Demo personas" not in content
    assert DEMO_PASSWORD not in content
    # The admin account in particular: the published password no longer opens Django admin.
    client = Client()
    client.post(reverse("admin:login"), {"username": "admin", "password": DEMO_PASSWORD})
    assert SESSION_KEY not in client.session


def test_an_inactive_persona_is_not_listed():
    seed()
    User.objects.filter(username="bea").update(is_active=False)
    assert "bea" not in listed(Client().get(LOGIN_URL).content.decode())


def test_seed_demo_reset_restores_the_personas():
    seed()
    for username in USERNAMES:
        change_password(username)
    seed("--reset")
    content = Client().get(LOGIN_URL).content.decode()
    assert listed(content) == set(USERNAMES)
    assert f"<code>{DEMO_PASSWORD}</code>" in content


def test_the_check_logs_nobody_in_hashes_once_and_changes_nothing(monkeypatch):
    seed()
    calls = []
    real = security.check_password
    monkeypatch.setattr(security, "_demo_password_works", {})
    monkeypatch.setattr(
        security, "check_password", lambda raw, encoded: calls.append(encoded) or real(raw, encoded)
    )
    before = list(User.objects.order_by("pk").values("password", "last_login"))
    client = Client()
    client.get(LOGIN_URL)
    assert len(calls) == len(USERNAMES)
    client.get(LOGIN_URL)
    Client().get(LOGIN_URL)
    assert len(calls) == len(USERNAMES), "the verdict is cached per password hash"
    assert SESSION_KEY not in client.session
    assert list(User.objects.order_by("pk").values("password", "last_login")) == before
    change_password("carol")
    Client().get(LOGIN_URL)
    assert len(calls) == len(USERNAMES) + 1, "a new hash is checked again, once"


def test_demo_false_hides_the_personas(settings):
    seed()
    settings.DEMO = False
    content = Client().get(LOGIN_URL).content.decode()
    assert "Demo personas" not in content
    assert DEMO_PASSWORD not in content


def test_demo_false_makes_seed_demo_refuse_without_force(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="DJANGO_DEMO is false"):
        seed()
    assert not Tenant.objects.filter(name="Acme Images").exists()
    assert not User.objects.filter(username__in=USERNAMES).exists()
    out = io.StringIO()
    call_command("seed_demo", "--if-demo", stdout=out)
    assert "no demo world" in out.getvalue()
    assert not User.objects.exists()
    seed("--force")
    assert User.objects.filter(username__in=USERNAMES).count() == len(USERNAMES)
