"""Password hashing: Argon2id, old hashes upgraded at login, and no user enumeration by time."""

from __future__ import annotations

import statistics
import time

import pytest
from django.conf import settings as project_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client
from django.urls import reverse

from console.backends import AccountBackend
from console.hashers import ConsoleArgon2PasswordHasher

pytestmark = pytest.mark.django_db

LOGIN = reverse("console:login")
TOKENS = "/api/iam/v3/auth/tokens"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.fixture
def real_hashers(settings):
    # The suite hashes with MD5 for speed; these tests need the project's own list.
    settings.PASSWORD_HASHERS = list(PROJECT_HASHERS)


PROJECT_HASHERS = tuple(project_settings.PASSWORD_HASHERS)


def token_body(name, account, password):
    user = {"name": name, "domain": {"name": account}, "password": password}
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}


def test_argon2id_is_the_preferred_hasher():
    assert PROJECT_HASHERS[0] == "console.hashers.ConsoleArgon2PasswordHasher"
    assert PBKDF2 in PROJECT_HASHERS  # hashes made before still check, and get upgraded
    hasher = ConsoleArgon2PasswordHasher()
    # Memory-hard at OWASP's first recommended setting or stronger.
    assert hasher.memory_cost >= 19 * 1024 and hasher.time_cost >= 2


def test_new_passwords_are_argon2id(real_hashers):
    encoded = make_password("tangerine-ladder-42")
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"


def _with_pbkdf2_password(user):
    user.password = make_password("console-demo", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    return user


def test_an_old_hash_is_upgraded_at_the_next_console_login(world, real_hashers):
    user = _with_pbkdf2_password(world.recipient_user)
    client = Client()
    data = {"account": "Recipient Co", "username": "recipient", "password": "console-demo"}
    client.post(LOGIN, data)
    assert SESSION_KEY in client.session
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_an_old_hash_is_upgraded_at_the_next_api_token(world, real_hashers):
    user = _with_pbkdf2_password(world.recipient_user)
    body = token_body("recipient", "Recipient Co", "console-demo")
    response = Client().post(TOKENS, body, content_type="application/json")
    assert response.status_code == 201
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_unknown_user_and_domain_cost_what_a_wrong_password_costs(world, real_hashers, settings):
    """Medians over interleaved rounds: one slow or fast call proves nothing on a busy host."""
    settings.AXES_ENABLED = False  # so many tries would lock the name out
    world.recipient_user.set_password("console-demo")
    world.recipient_user.save(update_fields=["password"])
    cases = {
        "wrong password": token_body("recipient", "Recipient Co", "not-it"),
        "unknown user": token_body("nobody-here", "Recipient Co", "not-it"),
        "unknown domain": token_body("recipient", "No Such Account", "not-it"),
    }
    client = Client()
    timings: dict[str, list[float]] = {name: [] for name in cases}
    codes: dict[str, set] = {name: set() for name in cases}
    for _ in range(15):
        for name, body in cases.items():
            start = time.perf_counter()
            response = client.post(TOKENS, body, content_type="application/json")
            timings[name].append(time.perf_counter() - start)
            codes[name].add((response.status_code, response.json()["error"]["code"]))
    # One answer for all three...
    assert all(c == {(401, "IAM.0004")} for c in codes.values()), codes
    # ...after the same work.
    medians = {name: statistics.median(t) for name, t in timings.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    assert slowest / fastest < 1.5, medians


def test_the_console_login_hashes_once_for_an_unknown_account_or_user(
    world, real_hashers, monkeypatch
):
    calls = []
    original = ConsoleArgon2PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(ConsoleArgon2PasswordHasher, "encode", counting)
    backend = AccountBackend()
    for account, username in [("No Such", "recipient"), ("Recipient Co", "nobody")]:
        assert backend.authenticate(None, username=username, password="x", account=account) is None
    assert len(calls) == 2
