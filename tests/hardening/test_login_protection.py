"""Brute-force protection (django-axes) on /login/ and /admin/login/, and password rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.security import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("console:login")
ADMIN_LOGIN = reverse("admin:login")
RIGHT = "console-demo"


def attempt(url, username, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": username, "password": password})
    return response, SESSION_KEY in client.session


def fail(url, username, times, address="10.0.0.1"):
    for _ in range(times):
        response, logged_in = attempt(url, username, "wrong-password", address)
        assert not logged_in
    return response


def test_the_limit_is_small():
    assert 3 <= settings.AXES_FAILURE_LIMIT <= 10
    assert settings.AXES_COOLOFF_TIME >= timedelta(minutes=5)


def test_right_password_after_a_few_failures_still_logs_in(world):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT - 1)
    _, logged_in = attempt(LOGIN, "recipient", RIGHT)
    assert logged_in


def test_fifty_wrong_passwords_then_the_right_one_is_locked_out(world):
    response = fail(LOGIN, "recipient", 50)
    assert response.status_code == 429
    response, logged_in = attempt(LOGIN, "recipient", RIGHT)
    assert not logged_in
    assert response.status_code == 429
    content = response.content.decode()
    assert "Too many failed login attempts" in content
    assert f"{settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in content


def test_the_user_is_locked_from_every_address(world):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT)
    _, logged_in = attempt(LOGIN, "recipient", RIGHT, address="10.9.9.9")
    assert not logged_in
    # Another user is not locked by them, from another address.
    _, logged_in = attempt(LOGIN, "sharer", RIGHT, address="10.9.9.9")
    assert logged_in


def test_an_address_that_guesses_many_users_is_locked(world):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(LOGIN, f"guess{n}", "wrong-password", address="10.6.6.6")
    _, logged_in = attempt(LOGIN, "sharer", RIGHT, address="10.6.6.6")
    assert not logged_in
    _, logged_in = attempt(LOGIN, "sharer", RIGHT, address="10.7.7.7")
    assert logged_in


def test_admin_login_is_protected_too(world):
    UserFactory(username="operator", tenant=None, is_staff=True, is_superuser=True)
    response = fail(ADMIN_LOGIN, "operator", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    response, logged_in = attempt(ADMIN_LOGIN, "operator", RIGHT, address="10.8.8.8")
    assert not logged_in
    assert "Too many failed login attempts" in response.content.decode()


def test_the_cool_down_ends_the_lockout(world):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT)
    assert not attempt(LOGIN, "recipient", RIGHT)[1]
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert attempt(LOGIN, "recipient", RIGHT)[1]


def test_an_administrator_unlocks_from_django_admin(world):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT)
    assert not attempt(LOGIN, "recipient", RIGHT)[1]
    operator = UserFactory(username="operator", tenant=None, is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(operator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(changelist)
    assert page.status_code == 200
    assert "recipient" in page.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    admin.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert attempt(LOGIN, "recipient", RIGHT)[1]


def test_the_client_address_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.PROXY_COUNT = 1
    # The left entry is whatever the client sent; the proxy appended the address it saw.
    assert client_ip(request) == "203.0.113.9"
    settings.PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"
    settings.PROXY_COUNT = 1
    forged = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(forged) == "10.0.0.2"


def test_djangos_four_password_validators_are_on():
    names = {v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    user = UserFactory.build(username="margarethe", email="margarethe@example.com")
    for weak in ["short1", "password123", "12345678901", "margarethe1"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("tangerine-ladder-42", user)
