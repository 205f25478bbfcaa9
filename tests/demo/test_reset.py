"""A reset between two classes: the same IDs every time, and what it keeps and removes."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from console.compute.models import Disk, Server
from console.demo import world
from console.iam.models import AccessKey, ApiToken
from console.kms.models import Key, KeyGrant
from console.models import Project, Tenant, User
from ims.models import Image
from tests.demo.test_seed_demo import make_trainer_changes
from tests.factories import AccessKeyFactory, ApiTokenFactory, TenantFactory, UserFactory
from vaults.models import Vault

pytestmark = pytest.mark.django_db

RESET_URL = reverse("demo:reset")
# Every object a demo may quote by ID, by the names that find it.
QUOTED = [
    (Tenant, "account_id", ["name"]),
    (Project, "project_id", ["tenant__name", "region__code"]),
    (Image, "id", ["owner__tenant__name", "region__code", "name"]),
    (Vault, "vault_id", ["project__tenant__name", "name"]),
    (Key, "key_id", ["project__tenant__name", "project__region__code", "alias"]),
    (KeyGrant, "grant_id", ["key__alias", "grantee__name"]),
    (Server, "server_id", ["project__tenant__name", "name"]),
    (Disk, "disk_id", ["project__tenant__name", "name"]),
]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def quoted_ids() -> dict[tuple, str]:
    return {
        (model.__name__, *names): str(value)
        for model, id_field, fields in QUOTED
        for *names, value in model.objects.values_list(*fields, id_field)
    }


def test_a_reset_gives_every_object_the_id_it_had():
    seed()
    before = quoted_ids()
    # tenants, projects, public and Acme images, vaults, keys, the grant, servers, disks
    assert len(before) == 3 + 6 + 8 + 8 + 5 + 8 + 1 + 2 + 3

    make_trainer_changes()
    Tenant.objects.filter(name="Outsider").delete()
    assert quoted_ids() != before
    assert "reset in" in seed("--reset")

    assert quoted_ids() == before


def test_the_ids_are_derived_from_names_so_every_install_has_the_same():
    seed()
    vault = Vault.objects.get(name="vault-backup-200")
    assert str(vault.vault_id) == world.vault_id("Beta Apps", "eu-de", "vault-backup-200")
    image = Image.objects.get(name="full-ecs-app")
    assert str(image.pk) == world.image_id("Acme Images", "eu-de", "full-ecs-app")
    public = Image.objects.get(name="Standard_Ubuntu_22.04_latest", region__code="eu-nl")
    assert str(public.pk) == world.image_id("public", "eu-nl", "Standard_Ubuntu_22.04_latest")
    # Two installs agree: the namespace and the names are all there is.
    assert world.vault_id("Beta Apps", "eu-de", "vault-backup-200") == (
        "aece67d5-b222-5071-8459-2a379638564d"
    )


def test_a_world_seeded_before_ids_were_stable_is_kept_then_reset_to_them():
    TenantFactory(name="Acme Images", account_id="0" * 32)
    seed()
    assert Tenant.objects.filter(name="Acme Images").count() == 1
    assert Tenant.objects.get(name="Acme Images").account_id == "0" * 32

    seed("--reset")
    assert Tenant.objects.get(name="Acme Images").account_id != "0" * 32


def test_if_absent_keeps_a_changed_world_and_seeds_an_empty_database():
    assert "ready" in seed("--if-absent")
    Image.objects.filter(name="ubuntu-22-web").delete()

    assert "kept as it is" in seed("--if-absent")
    assert not Image.objects.filter(name="ubuntu-22-web").exists()


def test_a_reset_keeps_the_superuser_and_gives_it_the_demo_password_back():
    seed()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-in-class-9")
    admin.save()
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)

    seed("--reset")

    kept = User.objects.get(username="admin")
    assert kept.pk == admin.pk and kept.is_superuser
    assert kept.check_password(world.PASSWORD)
    assert User.objects.filter(pk=operator.pk).exists()


def test_a_reset_logs_the_demo_users_out_and_lifts_their_lockouts():
    seed()
    bob = Client()
    bob.force_login(User.objects.get(username="bob"))
    assert bob.get(reverse("ims:shared_images")).status_code == 200
    AccessAttempt.objects.create(username="bob", ip_address="10.0.0.1", failures_since_start=9)
    AccessAttempt.objects.create(username="stranger", ip_address="10.0.0.1", failures_since_start=9)
    bob_user = User.objects.get(username="bob")
    AccessKeyFactory(user=bob_user)
    ApiTokenFactory(
        user=bob_user, project=Project.objects.get(tenant__name="Beta Apps", name="eu-de")
    )

    seed("--reset")

    assert bob.get(reverse("ims:shared_images")).status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["stranger"]
    assert not AccessKey.objects.exists() and not ApiToken.objects.exists()
    assert User.objects.get(username="bob").check_password(world.PASSWORD)


# ---------------------------------------------------------------------------------------------
# Reset Demo World in the console


@pytest.fixture
def admin_client() -> Client:
    seed()
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def test_the_superuser_resets_the_world_and_stays_logged_in(admin_client):
    Image.objects.filter(name="ubuntu-22-web").delete()
    page = admin_client.get(RESET_URL)
    assert page.status_code == 200
    assert "Removed and seeded again" in page.content.decode()
    assert not Image.objects.filter(name="ubuntu-22-web").exists(), "GET changes nothing"

    response = admin_client.post(RESET_URL)

    assert response.status_code == 302 and response["Location"] == RESET_URL
    assert Image.objects.filter(name="ubuntu-22-web").exists()
    page = admin_client.get(RESET_URL)
    assert page.status_code == 200, "still logged in"
    assert "The demo world was reset in" in page.content.decode()
    entries = LogEntry.objects.filter(change_message="Demo world reset")
    assert sorted(e.object_repr for e in entries) == world.TENANTS
    assert {e.user.username for e in entries} == {"admin"}


def test_the_superuser_who_changed_its_password_stays_logged_in(admin_client):
    admin = User.objects.get(username="admin")
    admin.set_password("changed-in-class-9")
    admin.save()
    admin_client.force_login(admin)

    admin_client.post(RESET_URL)

    assert admin_client.get(RESET_URL).status_code == 200


@pytest.mark.parametrize("username", ["bob", "alice"])
def test_no_tenant_user_may_reset(admin_client, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    Image.objects.filter(name="ubuntu-22-web").delete()

    assert client.get(RESET_URL).status_code == 403
    assert client.post(RESET_URL).status_code == 403
    assert not Image.objects.filter(name="ubuntu-22-web").exists()


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().post(RESET_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_no_reset_where_the_install_is_no_demo(admin_client, settings):
    settings.DEMO = False
    assert admin_client.get(RESET_URL).status_code == 403
    assert admin_client.post(RESET_URL).status_code == 403


def test_the_user_menu_offers_the_reset_to_the_superuser_only(admin_client):
    assert f'href="{RESET_URL}"' in admin_client.get(RESET_URL).content.decode()
    bob = Client()
    bob.force_login(User.objects.get(username="bob"))
    assert RESET_URL not in bob.get(reverse("ims:shared_images")).content.decode()
