"""Credentials end with what should end them, as Keystone revokes tokens.

A password change (wherever it is made), a deactivation (reactivating does not bring the
tokens back) and a project's deletion end the tokens issued before; disabling or deleting
an access key ends its signatures at once. Each test counts the credentials that still work
before the event (all of them) and after it (none).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from console.iam.models import ApiToken
from console.iam.services import access_key_create, token_issue
from console.models import User
from tests.api.conftest import error_of
from tests.factories import UserFactory
from tests.iam.test_access_keys import signed_get

pytestmark = pytest.mark.django_db
TOKENS = "/api/iam/v3/auth/tokens"
IMAGES = "/api/ims/v2/images"
NEW_PASSWORD = "a-new-Passw0rd-for-ci"
N = 3


def issue_by_password(client, world, password="console-demo"):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": world.recipient_user.username,
                        "domain": {"name": world.recipient.name},
                        "password": password,
                    }
                },
            },
            "scope": {"project": {"id": world.recipient_de.project_id}},
        }
    }
    response = client.post(TOKENS, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response["X-Subject-Token"]


@pytest.fixture
def tokens(client, world):
    """N tokens of the recipient: one issued for its password, the others by the service."""
    values = [issue_by_password(client, world)]
    values += [
        token_issue(user=world.recipient_user, project=world.recipient_de).value
        for _ in range(N - 1)
    ]
    return values


def working(client, values) -> int:
    """How many of the tokens an API call still accepts."""
    return sum(client.get(IMAGES, headers={"X-Auth-Token": v}).status_code == 200 for v in values)


def assert_revoked(client, world, values):
    """Every old token: 401 on any call, 404 as the X-Subject-Token of a fresh token."""
    assert working(client, values) == 0
    user = User.objects.get(pk=world.recipient_user.pk)
    fresh = token_issue(user=user, project=world.recipient_de).value
    for value in values:
        assert error_of(client.get(IMAGES, headers={"X-Auth-Token": value})) == (401, "IAM.0003")
        check = client.get(TOKENS, headers={"X-Auth-Token": fresh, "X-Subject-Token": value})
        assert error_of(check) == (404, "IAM.0011")
        assert (
            client.head(
                TOKENS, headers={"X-Auth-Token": fresh, "X-Subject-Token": value}
            ).status_code
            == 404
        )


class TestPasswordChange:
    def test_the_users_own_password_change_form(self, client, world, tokens):
        assert working(client, tokens) == N
        user = world.recipient_user
        form = PasswordChangeForm(
            user,
            {
                "old_password": "console-demo",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert form.is_valid(), form.errors
        form.save()
        assert_revoked(client, world, tokens)
        # The new password issues tokens that work.
        assert working(client, [issue_by_password(client, world, NEW_PASSWORD)]) == 1

    def test_django_admin_sets_a_password(self, client, world, tokens):
        assert working(client, tokens) == N
        operator = Client()
        operator.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
        url = reverse("admin:auth_user_password_change", args=[world.recipient_user.pk])
        response = operator.post(
            url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
        )
        assert response.status_code == 302, response.content[:500]
        assert_revoked(client, world, tokens)

    def test_a_reset_password_form(self, client, world, tokens):
        form = SetPasswordForm(
            world.recipient_user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert form.is_valid(), form.errors
        form.save()
        assert_revoked(client, world, tokens)

    def test_manage_py_changepassword(self, client, world, tokens, monkeypatch):
        monkeypatch.setattr("getpass.getpass", lambda *a, **k: NEW_PASSWORD)
        call_command("changepassword", world.recipient_user.username, stdout=None)
        assert_revoked(client, world, tokens)

    def test_a_password_set_behind_the_orms_back(self, client, world, tokens):
        # A bulk update skips save() and its signals: the token still sees the new hash.
        user = world.recipient_user
        user.set_password(NEW_PASSWORD)
        User.objects.filter(pk=user.pk).update(password=user.password)
        assert_revoked(client, world, tokens)

    def test_saving_the_user_otherwise_keeps_the_tokens(self, client, world, tokens):
        user = world.recipient_user
        user.email = "someone@example.com"
        user.save()
        assert working(client, tokens) == N


class TestDeactivation:
    def test_reactivating_does_not_bring_tokens_back(self, client, world, tokens):
        assert working(client, tokens) == N
        user = world.recipient_user
        user.is_active = False
        user.save()
        assert working(client, tokens) == 0
        user.is_active = True
        user.save()
        assert_revoked(client, world, tokens)
        assert ApiToken.objects.filter(user=user, revoked=False).count() == 1  # the fresh one

    def test_through_django_admin(self, client, world, tokens):
        operator = Client()
        operator.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
        user = world.recipient_user
        url = reverse("admin:console_user_change", args=[user.pk])
        form = {
            "username": user.username,
            "email": user.email,
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "tenant": user.tenant_id,
            "role": user.role,
            # is_active left out: the checkbox unticked.
        }
        response = operator.post(url, form)
        assert response.status_code == 302, response.content[:2000]
        user.refresh_from_db()
        assert not user.is_active
        user.is_active = True
        user.save()
        assert_revoked(client, world, tokens)


def test_deleting_the_project_revokes_its_tokens(client, world, tokens):
    assert working(client, tokens) == N
    other = token_issue(user=world.recipient_user, project=world.recipient_nl).value
    world.recipient_de.delete()
    for value in tokens:
        assert error_of(client.get(IMAGES, headers={"X-Auth-Token": value})) == (401, "IAM.0003")
    # The tokens of the user's other project stay.
    assert client.get(IMAGES, headers={"X-Auth-Token": other}).status_code == 200


class TestAccessKeys:
    @pytest.fixture
    def keys(self, world):
        return [
            access_key_create(
                actor=world.recipient_user, project=world.recipient_de, password="console-demo"
            )
            for _ in range(2)
        ]

    def signing(self, client, world, keys) -> int:
        pid = world.recipient_de.project_id
        return sum(
            signed_get(client, k.key.access_key, k.secret, pid).status_code == 200 for k in keys
        )

    def test_disabling_a_key_stops_its_signatures_at_once(
        self, client, world, keys, recipient_client
    ):
        assert self.signing(client, world, keys) == 2
        for new in keys:
            url = reverse("iam:access_key_status", args=[new.key.access_key])
            assert recipient_client.post(url, {"status": "inactive"}).status_code == 302
        assert self.signing(client, world, keys) == 0

    def test_deleting_a_key_stops_its_signatures_at_once(
        self, client, world, keys, recipient_client
    ):
        assert self.signing(client, world, keys) == 2
        for new in keys:
            url = reverse("iam:access_key_delete", args=[new.key.access_key])
            assert recipient_client.post(url).status_code == 302
        assert self.signing(client, world, keys) == 0
