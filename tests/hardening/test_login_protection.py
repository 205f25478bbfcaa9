"""Brute-force protection (django-axes) on /login/ and /admin/login/, and password rules."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.security import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("console:login")
ADMIN_LOGIN = reverse("admin:login")
TOKENS = "/api/iam/v3/auth/tokens"
RIGHT = "console-demo"
ACCOUNTS = {"recipient": "Recipient Co", "sharer": "Sharer Co"}


def attempt(url, username, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    data = {"username": username, "password": password}
    if url == LOGIN:
        data["account"] = ACCOUNTS.get(username, "Recipient Co")
    response = client.post(url, data)
    return response, SESSION_KEY in client.session


def api_attempt(username, password, address="10.0.0.1"):
    user = {"name": username, "domain": {"name": ACCOUNTS.get(username, "Recipient Co")}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    body["auth"]["identity"]["password"]["user"]["password"] = password
    return Client(REMOTE_ADDR=address).post(TOKENS, body, content_type="application/json")


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
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    content = response.content.decode()
    assert "Too many failed login attempts" in content
    assert f"{settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in content


def test_the_lockout_is_the_user_name_from_that_address_not_the_classroom(world):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT, address="10.0.0.1")
    assert not attempt(LOGIN, "recipient", RIGHT, address="10.0.0.1")[1]
    # Everyone else behind the same address still logs in...
    assert attempt(LOGIN, "sharer", RIGHT, address="10.0.0.1")[1]
    # ...and so does the user from another address.
    assert attempt(LOGIN, "recipient", RIGHT, address="10.9.9.9")[1]


def test_guessing_many_user_names_locks_each_name_not_the_address(world):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(LOGIN, f"guess{n}", "wrong-password", address="10.6.6.6")
    assert attempt(LOGIN, "sharer", RIGHT, address="10.6.6.6")[1]


def test_admin_login_is_protected_too(world):
    UserFactory(username="operator", tenant=None, is_staff=True, is_superuser=True)
    response = fail(ADMIN_LOGIN, "operator", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    response, logged_in = attempt(ADMIN_LOGIN, "operator", RIGHT)
    assert not logged_in
    assert "Too many failed login attempts" in response.content.decode()


def test_api_failures_lock_the_console_login(world):
    limit = settings.AXES_FAILURE_LIMIT
    codes = [api_attempt("recipient", "wrong-password").status_code for _ in range(limit)]
    # The failure that reaches the limit is the first one answered as locked out.
    assert codes == [401] * (limit - 1) + [429]
    assert not attempt(LOGIN, "recipient", RIGHT)[1]


def test_console_failures_lock_the_api_in_its_error_format(world):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT)
    response = api_attempt("recipient", RIGHT)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "IAM.0014"
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "X-Subject-Token" not in response
    # Another user from that address, and the user from elsewhere, still get tokens.
    assert api_attempt("sharer", RIGHT).status_code == 201
    assert api_attempt("recipient", RIGHT, address="10.9.9.9").status_code == 201


def test_thirty_wrong_api_passwords_then_the_right_one_gets_no_token(world):
    codes = [api_attempt("recipient", "wrong-password").status_code for _ in range(30)]
    assert codes[: settings.AXES_FAILURE_LIMIT - 1] == [401] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(codes[settings.AXES_FAILURE_LIMIT :]) == {429}
    assert api_attempt("recipient", RIGHT).status_code == 429


def test_an_api_login_by_user_id_counts_for_the_same_user_name(world):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"id": f"{world.recipient_user.pk:032x}", "password": "wrong"}
                },
            }
        }
    }
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR="10.0.0.1").post(TOKENS, body, content_type="application/json")
    assert not attempt(LOGIN, "recipient", RIGHT)[1]


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


@pytest.mark.parametrize(
    ("command", "args"), [("axes_reset_username", ["recipient"]), ("axes_reset", [])]
)
def test_make_unlock_runs_a_command_that_unlocks(world, command, args):
    fail(LOGIN, "recipient", settings.AXES_FAILURE_LIMIT)
    assert not attempt(LOGIN, "recipient", RIGHT)[1]
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    assert f"manage.py {command}" in makefile
    call_command(command, *args, stdout=io.StringIO())
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
