"""An object deleted between the page and the action: the documented refusal, never a 500.

Each case deletes the object after the view has looked it up and just before the service
locks it, the window a concurrent delete hits; the service must answer with its IMG code
(or the page's 404) and change nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import Trace
from console.compute import services as compute_services
from console.compute.models import Server
from console.errors import ConsoleError, ImsError
from console.iam import services as iam_services
from console.kms import services as kms_services
from console.kms.models import Key, KeyGrant
from ims import services as ims_services
from ims.models import Image, ImageMember
from ims.views import shared as shared_views
from tests.conftest import htmx
from tests.factories import (
    AccessKeyFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    ServerFactory,
    TenantFactory,
    VaultFactory,
)
from vaults import services as vault_services
from vaults.models import Vault

pytestmark = pytest.mark.django_db


def full_ecs_share(world):
    image = ImageFactory(owner=world.sharer_de, full_ecs=True, name="full-app")
    ImageBackupFactory(image=image, role="system", size_gb=40, device="/dev/vda")
    return ImageMemberFactory(image=image, project=world.recipient_de, status="pending")


def delete_first(monkeypatch, module, name, victim):
    """Make `module.name` delete `victim` from the database, then run as usual."""
    real = getattr(module, name)

    def racing(**kwargs):
        type(victim).objects.filter(pk=victim.pk).delete()
        return real(**kwargs)

    monkeypatch.setattr(module, name, racing)


# --- The services themselves ---------------------------------------------------------------


def test_accept_into_a_deleted_vault_is_img_0184(world):
    member = full_ecs_share(world)
    vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
    Vault.objects.filter(pk=vault.pk).delete()
    with pytest.raises(ImsError) as refused:
        ims_services.shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        )
    assert refused.value.code == "IMG.0184"
    member.refresh_from_db()
    assert member.status == "pending"
    assert Trace.objects.get().result == "failed"


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_a_vanished_share_is_img_0144(world, action):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
    )
    other = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
    )
    ImageMember.objects.filter(pk=member.pk).delete()
    service = ims_services.shares_accept if action == "accept" else ims_services.shares_reject
    with pytest.raises(ImsError) as refused:
        service(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk, other.pk]
        )
    assert refused.value.code == "IMG.0144"
    other.refresh_from_db()
    assert other.status == "pending"


def test_a_vanished_image_is_img_0144_for_every_image_service(world):
    image = ImageFactory(owner=world.sharer_de)
    Image.objects.filter(pk=image.pk).delete()
    actor, project = world.sharer_user, world.sharer_de
    calls = [
        lambda: ims_services.image_delete(actor=actor, project=project, image=image),
        lambda: ims_services.image_members_delete(
            actor=actor, project=project, image=image, project_ids=[world.recipient_de.project_id]
        ),
        lambda: ims_services.image_share(
            actor=actor,
            project=project,
            images=[image],
            project_ids=[world.recipient_de.project_id],
        ),
        lambda: ims_services.image_replicate(
            actor=actor, project=project, image=image, name="copy"
        ),
    ]
    for call in calls:
        with pytest.raises(ImsError) as refused:
            call()
        assert refused.value.code == "IMG.0144"
    assert not Trace.objects.filter(result="success").exists()


def test_a_vanished_member_is_refused_when_stopping_sharing(world):
    image = ImageFactory(owner=world.sharer_de)
    member = ImageMemberFactory(image=image, project=world.recipient_de)
    ImageMember.objects.filter(pk=member.pk).delete()
    with pytest.raises(ConsoleError, match="is not shared with"):
        ims_services.image_members_delete(
            actor=world.sharer_user,
            project=world.sharer_de,
            image=image,
            project_ids=[world.recipient_de.project_id],
        )


def test_vanished_keys_grants_and_servers_are_refused(world):
    actor, project = world.recipient_user, world.recipient_de
    key = KeyFactory(project=project)
    grant = KeyGrantFactory(key=KeyFactory(project=project), grantee=TenantFactory())
    server = ServerFactory(project=project, status="stopped")
    Key.objects.filter(pk=key.pk).delete()
    KeyGrant.objects.filter(pk=grant.pk).delete()
    Server.objects.filter(pk=server.pk).delete()
    image = ImageFactory(owner=project)
    calls = [
        lambda: kms_services.key_set_state(actor=actor, project=project, key=key, state="disabled"),
        lambda: kms_services.key_grant_create(
            actor=actor, project=project, key=key, grantee_account_id="a" * 32, operations=[]
        ),
        lambda: kms_services.key_grant_revoke(actor=actor, project=project, grant=grant),
        lambda: compute_services.server_start(actor=actor, project=project, server=server),
        lambda: compute_services.server_stop(actor=actor, project=project, server=server),
        lambda: compute_services.server_change_os(
            actor=actor, project=project, server=server, image=image
        ),
    ]
    for call in calls:
        with pytest.raises(ConsoleError, match="does not exist"):
            call()
    assert not Trace.objects.filter(result="success").exists()


def test_vanished_vaults_are_refused(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
    Vault.objects.filter(pk=vault.pk).delete()
    with pytest.raises(vault_services.VaultNotFound):
        vault_services.vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=80)
    with pytest.raises(vault_services.VaultNotFound):
        vault_services.vault_delete(actor=world.recipient_user, vault=vault)


# --- Through the pages: deleted after the view looked it up -------------------------------


def test_accept_page_with_a_vault_deleted_meanwhile_shows_img_0184(
    world, recipient_client, monkeypatch
):
    member = full_ecs_share(world)
    vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
    delete_first(monkeypatch, shared_views, "shares_accept", vault)
    response = recipient_client.post(
        reverse("ims:share_accept"),
        {"members": [member.pk], "vault": vault.vault_id, "from_dialog": "1"},
        headers=htmx("dialogs"),
    )
    assert response.status_code == 200
    assert "IMG.0184" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "pending"


@pytest.mark.parametrize("action", ["share_accept", "share_reject"])
def test_action_on_a_share_deleted_meanwhile_says_img_0144(
    world, recipient_client, monkeypatch, action
):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
    )
    service = "shares_accept" if action == "share_accept" else "shares_reject"
    delete_first(monkeypatch, shared_views, service, member)
    response = recipient_client.post(
        reverse(f"ims:{action}"), {"members": [member.pk]}, headers=htmx("banner")
    )
    assert response.status_code == 200
    assert "IMG.0144" in response.content.decode()


def test_image_delete_page_with_the_image_deleted_meanwhile(world, sharer_client, monkeypatch):
    image = ImageFactory(owner=world.sharer_de)
    delete_first(monkeypatch, ims_services, "images_delete", image)
    response = sharer_client.post(
        reverse("ims:image_delete", args=[image.pk]), headers=htmx("image-delete-panel")
    )
    assert response.status_code == 200
    assert "IMG.0144" in response.content.decode()


def test_delete_selection_with_one_image_deleted_meanwhile(world, sharer_client, monkeypatch):
    gone, kept = ImageFactory.create_batch(2, owner=world.sharer_de)
    delete_first(monkeypatch, ims_services, "images_delete", gone)
    response = sharer_client.post(
        reverse("ims:images_delete"),
        {"image": [gone.pk, kept.pk]},
        headers=htmx("image-delete-panel"),
    )
    assert response.status_code == 200
    assert "IMG.0144" in response.content.decode()
    assert Image.objects.filter(pk=kept.pk).exists()


def test_replicate_page_with_the_image_deleted_meanwhile(world, sharer_client, monkeypatch):
    image = ImageFactory(owner=world.sharer_de)
    delete_first(monkeypatch, ims_services, "image_replicate", image)
    response = sharer_client.post(
        reverse("ims:image_replicate", args=[image.pk]), {"name": "copy"}, headers=htmx("dialogs")
    )
    assert response.status_code == 200
    assert "IMG.0144" in response.content.decode()
    assert not Image.objects.filter(name="copy").exists()


def test_key_and_server_pages_with_the_object_deleted_meanwhile(
    world, recipient_client, monkeypatch
):
    key = KeyFactory(project=world.recipient_de)
    delete_first(monkeypatch, kms_services, "key_set_state", key)
    response = recipient_client.post(
        reverse("kms:key_state", args=[key.key_id]), {"state": "disabled"}, headers=htmx()
    )
    assert response.status_code in (200, 404)
    server = ServerFactory(project=world.recipient_de)
    delete_first(monkeypatch, compute_services, "server_stop", server)
    response = recipient_client.post(
        reverse("compute:server_stop", args=[server.server_id]), headers=htmx("server-table")
    )
    assert response.status_code == 200
    assert "does not exist" in response.content.decode()


@pytest.mark.parametrize("action", ["vault_expand", "vault_delete"])
def test_vault_pages_with_the_vault_deleted_meanwhile_are_404(
    world, recipient_client, monkeypatch, action
):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
    delete_first(monkeypatch, vault_services, action, vault)
    response = recipient_client.post(
        reverse(f"vaults:{action}", args=[vault.vault_id]), {"capacity_gb": "80"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("action", ["access_key_status", "access_key_delete"])
def test_access_key_pages_with_the_key_deleted_meanwhile(
    world, recipient_client, monkeypatch, action
):
    key = AccessKeyFactory(user=world.recipient_user)
    service = "access_key_set_status" if action == "access_key_status" else action
    delete_first(monkeypatch, iam_services, service, key)
    response = recipient_client.post(
        reverse(f"iam:{action}", args=[key.access_key]), {"status": "inactive"}, follow=True
    )
    assert response.status_code == 200
    assert "IAM.0011" in response.content.decode()
