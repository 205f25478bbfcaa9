"""KMS: custom keys, grants to other tenants, key states; services and pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.audit.models import Trace
from console.errors import InputRefused, RoleRefused
from console.kms.models import Key, KeyGrant
from console.kms.services import key_create, key_grant_create, key_grant_revoke, key_set_state
from tests.conftest import htmx
from tests.factories import KeyFactory, KeyGrantFactory, TenantFactory

REQUIRED = ["decrypt-datakey", "describe-key"]
KEY_LIST = reverse("kms:key_list")
KEY_CREATE = reverse("kms:key_create")


def grant(world, key, account_id=None, operations=REQUIRED, user=None):
    return key_grant_create(
        actor=user or world.sharer_user,
        project=world.sharer_de,
        key=key,
        grantee_account_id=world.recipient.account_id if account_id is None else account_id,
        operations=operations,
    )


def set_state(world, key, state, user=None):
    return key_set_state(
        actor=user or world.sharer_user, project=world.sharer_de, key=key, state=state
    )


@pytest.mark.django_db
class TestKeyCreate:
    def test_creates_a_custom_key_and_a_trace(self, world):
        key = key_create(
            actor=world.sharer_user, project=world.sharer_de, alias="app/db-key_1", description="d"
        )
        assert (key.project, key.is_default, key.state) == (world.sharer_de, False, "enabled")
        trace = Trace.objects.get()
        assert (trace.service, trace.operation, trace.resource_name) == (
            "KMS",
            "createKey",
            "app/db-key_1",
        )

    @pytest.mark.parametrize("alias", ["", "has space", "x" * 256, "ünï", "team/default"])
    def test_invalid_aliases_are_refused(self, world, alias):
        with pytest.raises(InputRefused):
            key_create(actor=world.sharer_user, project=world.sharer_de, alias=alias)
        assert not Key.objects.exists()

    def test_alias_unique_in_the_project_only(self, world):
        KeyFactory(project=world.sharer_de, alias="taken")
        with pytest.raises(InputRefused, match="already exists"):
            key_create(actor=world.sharer_user, project=world.sharer_de, alias="taken")
        assert key_create(actor=world.sharer_user, project=world.sharer_nl, alias="taken")

    def test_readonly_is_refused(self, world):
        with pytest.raises(RoleRefused):
            key_create(actor=world.readonly_user, project=world.recipient_de, alias="k")
        assert not Key.objects.exists()


@pytest.mark.django_db
class TestGrants:
    def test_grants_a_tenant_by_account_id(self, world):
        key = KeyFactory(project=world.sharer_de)
        created = grant(world, key, operations=[*REQUIRED, "create-datakey"])
        assert created.grantee == world.recipient
        assert sorted(created.operations) == sorted([*REQUIRED, "create-datakey"])
        trace = Trace.objects.get()
        assert (trace.operation, trace.service) == ("createGrant", "KMS")
        assert trace.detail["grantee_account_id"] == world.recipient.account_id

    def test_account_id_in_capitals_is_accepted(self, world):
        key = KeyFactory(project=world.sharer_de)
        assert grant(world, key, account_id=world.recipient.account_id.upper())

    def test_unknown_account_is_refused_clearly(self, world):
        key = KeyFactory(project=world.sharer_de)
        with pytest.raises(InputRefused, match="No account with the ID"):
            grant(world, key, account_id="0" * 32)
        assert not KeyGrant.objects.exists()

    @pytest.mark.parametrize("account_id", ["abc", "g" * 32, ""])
    def test_malformed_account_id_is_refused(self, world, account_id):
        key = KeyFactory(project=world.sharer_de)
        with pytest.raises(InputRefused, match="32 hexadecimal"):
            grant(world, key, account_id=account_id)
        assert not KeyGrant.objects.exists()

    def test_own_account_is_refused(self, world):
        key = KeyFactory(project=world.sharer_de)
        with pytest.raises(InputRefused, match="own account"):
            grant(world, key, account_id=world.sharer.account_id)
        assert not KeyGrant.objects.exists()

    @pytest.mark.parametrize("operations", [["decrypt-datakey"], ["describe-key"], []])
    def test_decrypt_and_describe_are_required(self, world, operations):
        key = KeyFactory(project=world.sharer_de)
        with pytest.raises(InputRefused, match="must be granted"):
            grant(world, key, operations=operations)
        assert not KeyGrant.objects.exists()

    def test_unknown_operation_is_refused(self, world):
        key = KeyFactory(project=world.sharer_de)
        with pytest.raises(InputRefused):
            grant(world, key, operations=[*REQUIRED, "destroy-everything"])
        assert not KeyGrant.objects.exists()

    def test_default_key_cannot_be_granted(self, world):
        key = KeyFactory(project=world.sharer_de, is_default=True, alias="ims/default")
        with pytest.raises(InputRefused, match="default key"):
            grant(world, key)
        assert not KeyGrant.objects.exists()

    def test_second_grant_for_the_same_tenant_is_refused(self, world):
        key = KeyFactory(project=world.sharer_de)
        grant(world, key)
        with pytest.raises(InputRefused, match="already has a grant"):
            grant(world, key)
        assert KeyGrant.objects.count() == 1

    def test_key_pending_deletion_cannot_be_granted(self, world):
        key = KeyFactory(project=world.sharer_de, state="pending_deletion")
        with pytest.raises(InputRefused, match="cancel the deletion"):
            grant(world, key)

    def test_another_projects_key_is_refused(self, world):
        key = KeyFactory(project=world.recipient_de)
        with pytest.raises(InputRefused):
            grant(world, key, account_id=TenantFactory().account_id)
        assert not KeyGrant.objects.exists()

    def test_revoke(self, world):
        key = KeyFactory(project=world.sharer_de)
        created = grant(world, key)
        key_grant_revoke(actor=world.sharer_user, project=world.sharer_de, grant=created)
        assert not KeyGrant.objects.exists()
        trace = Trace.objects.get(operation="revokeGrant")
        assert (trace.service, trace.resource_id) == ("KMS", str(created.grant_id))

    def test_revoke_of_another_projects_grant_is_refused(self, world):
        theirs = KeyGrantFactory(key=KeyFactory(project=world.recipient_de))
        with pytest.raises(InputRefused):
            key_grant_revoke(actor=world.sharer_user, project=world.sharer_de, grant=theirs)
        assert KeyGrant.objects.filter(pk=theirs.pk).exists()

    def test_readonly_cannot_grant_or_revoke(self, world):
        key = KeyFactory(project=world.recipient_de)
        with pytest.raises(RoleRefused):
            key_grant_create(
                actor=world.readonly_user,
                project=world.recipient_de,
                key=key,
                grantee_account_id=world.sharer.account_id,
                operations=REQUIRED,
            )
        existing = KeyGrantFactory(key=key, grantee=world.sharer)
        with pytest.raises(RoleRefused):
            key_grant_revoke(actor=world.readonly_user, project=world.recipient_de, grant=existing)
        assert list(KeyGrant.objects.all()) == [existing]


@pytest.mark.django_db
class TestKeyStates:
    def test_disable_enable_schedule_and_cancel(self, world):
        key = KeyFactory(project=world.sharer_de)
        for state, expected in [
            ("disabled", "disabled"),
            ("enabled", "enabled"),
            ("pending_deletion", "pending_deletion"),
            ("disabled", "disabled"),
            ("pending_deletion", "pending_deletion"),
        ]:
            set_state(world, key, state)
            key.refresh_from_db()
            assert key.state == expected
        operations = list(Trace.objects.order_by("pk").values_list("operation", flat=True))
        assert operations == [
            "disableKey",
            "enableKey",
            "scheduleKeyDeletion",
            "cancelKeyDeletion",
            "scheduleKeyDeletion",
        ]
        assert set(Trace.objects.values_list("service", flat=True)) == {"KMS"}

    def test_a_key_pending_deletion_must_be_cancelled_before_enabling(self, world):
        key = KeyFactory(project=world.sharer_de, state="pending_deletion")
        with pytest.raises(InputRefused, match="cancel the deletion"):
            set_state(world, key, "enabled")
        key.refresh_from_db()
        assert key.state == "pending_deletion"

    def test_same_state_is_refused(self, world):
        key = KeyFactory(project=world.sharer_de)
        with pytest.raises(InputRefused, match="already enabled"):
            set_state(world, key, "enabled")

    @pytest.mark.parametrize("state", ["disabled", "pending_deletion"])
    def test_default_key_cannot_be_disabled_or_deleted(self, world, state):
        key = KeyFactory(project=world.sharer_de, is_default=True, alias="ims/default")
        with pytest.raises(InputRefused, match="default key"):
            set_state(world, key, state)
        key.refresh_from_db()
        assert key.state == "enabled"
        trace = Trace.objects.get()
        assert trace.result == "failed"

    def test_readonly_is_refused(self, world):
        key = KeyFactory(project=world.recipient_de)
        with pytest.raises(RoleRefused):
            key_set_state(
                actor=world.readonly_user, project=world.recipient_de, key=key, state="disabled"
            )
        key.refresh_from_db()
        assert key.state == "enabled"


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured)


@pytest.mark.django_db
class TestKeyPages:
    def test_list_shows_the_projects_keys_only(self, world, sharer_client):
        KeyFactory(project=world.sharer_de, alias="ims/default", is_default=True)
        KeyFactory(project=world.sharer_de, alias="mine")
        KeyFactory(project=world.sharer_nl, alias="other-region")
        KeyFactory(project=world.recipient_de, alias="other-tenant")
        content = sharer_client.get(KEY_LIST).content.decode()
        assert "mine" in content and "Default key" in content
        assert "other-region" not in content and "other-tenant" not in content

    def test_list_partial_and_constant_queries(self, world, sharer_client):
        KeyFactory.create_batch(3, project=world.sharer_de)
        few = queries(sharer_client, KEY_LIST)
        KeyFactory.create_batch(17, project=world.sharer_de)
        assert queries(sharer_client, KEY_LIST) == few
        response = sharer_client.get(KEY_LIST, headers=htmx("key-table"))
        assert response.template_name == "kms/key_list.html#key-table"

    def test_create_dialog_htmx_and_full_page(self, world, sharer_client):
        dialog = sharer_client.get(KEY_CREATE, headers=htmx("dialogs"))
        assert dialog.template_name == "kms/key_form.html#key-create-dialog"
        assert b"data-onload-showmodal" in dialog.content and b"<html" not in dialog.content
        page = sharer_client.get(KEY_CREATE)
        assert page.template_name == "kms/key_form.html" and b"<html" in page.content

    def test_create_via_htmx_refreshes_the_list_and_closes_the_dialog(self, world, sharer_client):
        response = sharer_client.post(KEY_CREATE, {"alias": "new-key"}, headers=htmx("dialogs"))
        assert "modal-close" in response.headers["HX-Trigger"]
        assert b'hx-swap-oob="true"' in response.content and b"new-key" in response.content
        assert Key.objects.filter(project=world.sharer_de, alias="new-key").exists()

    def test_create_without_htmx_goes_to_the_key(self, world, sharer_client):
        response = sharer_client.post(KEY_CREATE, {"alias": "new-key"})
        key = Key.objects.get(alias="new-key")
        assert response.status_code == 302
        assert response.url == reverse("kms:key_detail", args=[key.key_id])

    def test_invalid_alias_rerenders_the_dialog(self, world, sharer_client):
        KeyFactory(project=world.sharer_de, alias="taken")
        for alias in ("taken", "x/default", "bad alias"):
            response = sharer_client.post(KEY_CREATE, {"alias": alias}, headers=htmx("dialogs"))
            assert response.status_code == 200
            assert response.template_name == "kms/key_form.html#key-create-dialog"
            assert response.context["form"].errors
        assert Key.objects.count() == 1

    def test_readonly_cannot_create(self, world, readonly_client):
        # Without JavaScript the 403 page names why, as every view answers a read-only user.
        response = readonly_client.post(KEY_CREATE, {"alias": "k"})
        assert response.status_code == 403 and b"IMG.0026" in response.content
        # In the dialog, the form says it.
        response = readonly_client.post(KEY_CREATE, {"alias": "k"}, headers={"HX-Request": "true"})
        assert response.status_code == 200 and b"IMG.0026" in response.content
        assert not Key.objects.exists()

    def test_detail_lists_grants_with_constant_queries(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de)
        url = reverse("kms:key_detail", args=[key.key_id])
        KeyGrantFactory.create_batch(3, key=key)
        few = queries(sharer_client, url)
        KeyGrantFactory.create_batch(17, key=key)
        assert queries(sharer_client, url) == few
        grants = sharer_client.get(url, headers=htmx("grant-list"))
        assert grants.template_name == "kms/key_detail.html#grant-list"

    def test_another_tenants_or_regions_key_is_404_everywhere(self, world, sharer_client):
        for project in (world.recipient_de, world.sharer_nl):
            key = KeyFactory(project=project)
            existing = KeyGrantFactory(key=key)
            urls = [
                reverse("kms:key_detail", args=[key.key_id]),
                reverse("kms:key_state", args=[key.key_id]) + "?state=disabled",
                reverse("kms:key_grant_create", args=[key.key_id]),
                reverse("kms:key_grant_revoke", args=[key.key_id, existing.grant_id]),
            ]
            for url in urls:
                assert sharer_client.get(url).status_code == 404
            posts = [
                (reverse("kms:key_state", args=[key.key_id]), {"state": "disabled"}),
                (
                    reverse("kms:key_grant_create", args=[key.key_id]),
                    {"grantee_account_id": world.recipient.account_id, "operations": REQUIRED},
                ),
                (reverse("kms:key_grant_revoke", args=[key.key_id, existing.grant_id]), {}),
            ]
            for url, data in posts:
                assert sharer_client.post(url, data).status_code == 404
            key.refresh_from_db()
            assert key.state == "enabled"
            assert list(key.grants.all()) == [existing]

    def test_a_grant_of_another_key_under_my_key_is_404(self, world, sharer_client):
        mine = KeyFactory(project=world.sharer_de)
        theirs = KeyGrantFactory(key=KeyFactory(project=world.recipient_de))
        url = reverse("kms:key_grant_revoke", args=[mine.key_id, theirs.grant_id])
        assert sharer_client.post(url).status_code == 404
        assert KeyGrant.objects.filter(pk=theirs.pk).exists()

    def test_grant_dialog_creates_a_grant(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de)
        url = reverse("kms:key_grant_create", args=[key.key_id])
        dialog = sharer_client.get(url, headers=htmx("dialogs"))
        assert dialog.template_name == "kms/key_grant_form.html#grant-dialog"
        response = sharer_client.post(
            url,
            {"grantee_account_id": world.recipient.account_id, "operations": REQUIRED},
            headers=htmx("dialogs"),
        )
        assert "modal-close" in response.headers["HX-Trigger"]
        assert world.recipient.account_id in response.content.decode()
        assert key.grants.get().grantee == world.recipient

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"grantee_account_id": "f" * 32, "operations": REQUIRED}, "No account with the ID"),
            ({"grantee_account_id": "xyz", "operations": REQUIRED}, "32 hexadecimal"),
            ({"grantee_account_id": "OWN", "operations": REQUIRED}, "own account"),
            ({"grantee_account_id": "RECIPIENT", "operations": ["describe-key"]}, "must be"),
        ],
    )
    def test_grant_errors_rerender_the_dialog(self, world, sharer_client, data, message):
        key = KeyFactory(project=world.sharer_de)
        accounts = {"OWN": world.sharer.account_id, "RECIPIENT": world.recipient.account_id}
        data = data | {
            "grantee_account_id": accounts.get(
                data["grantee_account_id"], data["grantee_account_id"]
            )
        }
        url = reverse("kms:key_grant_create", args=[key.key_id])
        response = sharer_client.post(url, data, headers=htmx("dialogs"))
        assert response.status_code == 200
        assert response.template_name == "kms/key_grant_form.html#grant-dialog"
        assert message in response.content.decode()
        assert not KeyGrant.objects.exists()

    def test_revoke_asks_then_revokes(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de)
        existing = KeyGrantFactory(key=key, grantee=world.recipient)
        url = reverse("kms:key_grant_revoke", args=[key.key_id, existing.grant_id])
        dialog = sharer_client.get(url, headers=htmx("dialogs"))
        assert dialog.template_name == "kms/key_grant_revoke_dialog.html#revoke-dialog"
        assert KeyGrant.objects.exists()
        response = sharer_client.post(url)
        assert response.status_code == 302
        assert not KeyGrant.objects.exists()

    def test_state_dialog_and_change(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de)
        url = reverse("kms:key_state", args=[key.key_id])
        dialog = sharer_client.get(f"{url}?state=pending_deletion", headers=htmx("dialogs"))
        assert dialog.template_name == "kms/key_state_dialog.html#key-state-dialog"
        assert b"Schedule Key Deletion" in dialog.content
        response = sharer_client.post(url, {"state": "pending_deletion"}, headers=htmx("x"))
        assert "modal-close" in response.headers["HX-Trigger"]
        assert b'id="key-summary"' in response.content and b'id="grant-list"' in response.content
        key.refresh_from_db()
        assert key.state == "pending_deletion"

    def test_unknown_state_is_refused(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de)
        url = reverse("kms:key_state", args=[key.key_id])
        assert sharer_client.get(f"{url}?state=melted").status_code == 404
        sharer_client.post(url, {"state": "melted"})
        key.refresh_from_db()
        assert key.state == "enabled"

    def test_default_key_offers_no_actions_and_refuses_them(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de, is_default=True, alias="ims/default")
        page = sharer_client.get(reverse("kms:key_detail", args=[key.key_id]))
        assert b"Schedule Deletion" not in page.content and b"Create Grant" not in page.content
        sharer_client.post(reverse("kms:key_state", args=[key.key_id]), {"state": "disabled"})
        key.refresh_from_db()
        assert key.state == "enabled"

    def test_readonly_cannot_change_state_or_revoke(self, world, readonly_client):
        key = KeyFactory(project=world.recipient_de)
        existing = KeyGrantFactory(key=key, grantee=world.sharer)
        state_url = reverse("kms:key_state", args=[key.key_id])
        assert readonly_client.post(state_url, {"state": "disabled"}).status_code == 403
        response = readonly_client.post(state_url, {"state": "disabled"}, headers=htmx("x"))
        assert b"IMG.0026" in response.content
        revoke = reverse("kms:key_grant_revoke", args=[key.key_id, existing.grant_id])
        assert readonly_client.post(revoke).status_code == 403
        key.refresh_from_db()
        assert key.state == "enabled" and KeyGrant.objects.filter(pk=existing.pk).exists()
