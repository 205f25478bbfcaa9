"""Replicating an own or accepted shared image into a private image (D8, D9, D10)."""

import pytest
from django.urls import reverse

from console.audit.models import Trace
from console.compute.services import servers_create
from console.errors import ImsError, InputRefused, RoleRefused
from console.kms.models import Key
from console.kms.services import key_grant_revoke, key_set_state
from ims.models import Image
from ims.services import image_replicate
from ims.tasks import replicate_image
from tests.conftest import htmx
from tests.factories import ImageFactory, ImageMemberFactory, KeyFactory, KeyGrantFactory


def share(world, status="accepted", **fields):
    image = ImageFactory(owner=world.sharer_de, **fields)
    ImageMemberFactory(image=image, project=world.recipient_de, status=status)
    return image


def encrypted_share(world):
    key = KeyFactory(project=world.sharer_de, alias="sharer-cmk")
    grant = KeyGrantFactory(key=key, grantee=world.recipient)
    return share(world, kms_key=key), key, grant


def replicate(world, image, user=None, **overrides):
    args = {
        "actor": user or world.recipient_user,
        "project": world.recipient_de,
        "image": image,
        "name": f"copy_{image.name}",
        "description": "",
        "kms_key": None,
    } | overrides
    return image_replicate(**args)


def finish(copy):
    """Run the replication task the service enqueued, as the worker would."""
    replicate_image.call(str(copy.pk))
    copy.refresh_from_db()
    return copy


def copies():
    return Image.objects.filter(source_image__isnull=False)


def url(image):
    return reverse("ims:image_replicate", args=[image.pk])


@pytest.mark.django_db
class TestImageReplicate:
    def test_copy_of_an_accepted_share_is_an_independent_private_image(self, world):
        image = share(world, min_disk_gb=60, size_gb="4.50", os="Debian 12")
        copy = replicate(world, image, description="mine now")
        assert copy.pk != image.pk
        assert (copy.owner, copy.region, copy.source_image) == (world.recipient_de, world.de, image)
        assert (copy.status, copy.image_type, copy.os) == ("saving", image.image_type, "Debian 12")
        assert (copy.min_disk_gb, str(copy.size_gb), copy.kms_key) == (60, "4.50", None)
        assert copy.description == "mine now"
        assert copy in Image.objects.owned_by(world.recipient_de)
        trace = Trace.objects.get()
        assert (trace.operation, trace.service, trace.resource_name) == (
            "copyImage",
            "IMS",
            copy.name,
        )
        assert trace.detail["source_image_id"] == str(image.pk)

    def test_deleting_the_source_keeps_the_copy(self, world):
        image = share(world)
        copy = finish(replicate(world, image))
        image.delete()
        copy.refresh_from_db()
        assert copy.source_image is None and copy.status == "active"

    def test_own_image_can_be_replicated(self, world):
        image = ImageFactory(owner=world.recipient_de, data_disk=True)
        assert replicate(world, image).owner == world.recipient_de

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_share_is_refused_with_img_0196(self, world, status):
        with pytest.raises(ImsError) as refused:
            replicate(world, share(world, status))
        assert refused.value.code == "IMG.0196"
        assert not copies().exists()

    def test_an_image_not_shared_with_the_project_is_refused(self, world):
        with pytest.raises(ImsError):
            replicate(world, ImageFactory(owner=world.sharer_de))
        assert not copies().exists()

    def test_public_images_are_refused(self, world):
        with pytest.raises(InputRefused, match="public image"):
            replicate(world, ImageFactory(owner=None, region=world.de))
        assert not copies().exists()

    @pytest.mark.parametrize("traits", [{"full_ecs": True}, {"image_type": "iso"}])
    def test_full_ecs_and_iso_images_are_refused(self, world, traits):
        with pytest.raises(InputRefused, match="Only system disk and data disk"):
            replicate(world, share(world, **traits))
        assert not copies().exists()

    def test_image_size_strictly_below_128_gb(self, world):
        for size in ("128.00", "129.50"):
            with pytest.raises(InputRefused, match="less than 128 GB"):
                replicate(world, share(world, size_gb=size, min_disk_gb=40))
        assert not copies().exists()
        # The limit is on the image size, not on the disk capacity.
        assert replicate(world, share(world, size_gb="127.99", min_disk_gb=500))

    @pytest.mark.parametrize("name", ["", " lead", "trail ", "x" * 129, "bad/name"])
    def test_invalid_names_are_refused(self, world, name):
        with pytest.raises(ImsError, match=r"IMG\.00(02|03|13)"):
            replicate(world, share(world), name=name)
        assert not copies().exists()

    def test_description_at_most_1024(self, world):
        with pytest.raises(ImsError, match=r"IMG\.0004"):
            replicate(world, share(world), description="d" * 1025)
        assert replicate(world, share(world), description="d" * 1024)

    def test_readonly_is_refused(self, world):
        with pytest.raises(RoleRefused):
            replicate(world, share(world), user=world.readonly_user)
        assert not copies().exists()
        assert Trace.objects.get().result == "failed"


@pytest.mark.django_db
class TestEncryptedReplication:
    def test_rekeyed_with_the_recipients_own_key(self, world):
        image, _, _ = encrypted_share(world)
        own = KeyFactory(project=world.recipient_de, alias="mine")
        copy = replicate(world, image, kms_key=own)
        assert copy.kms_key == own

    def test_replica_survives_revoke_disable_and_deletion_of_the_owners_key(self, world):
        image, key, grant = encrypted_share(world)
        copy = finish(replicate(world, image, kms_key=KeyFactory(project=world.recipient_de)))
        key_grant_revoke(actor=world.sharer_user, project=world.sharer_de, grant=grant)
        create = {
            "actor": world.recipient_user,
            "project": world.recipient_de,
            "name": "srv",
            "availability_zone": "eu-de-01",
            "flavor": "s3.medium.2",
            "system_disk_gb": 40,
        }
        with pytest.raises(ImsError) as refused:
            servers_create(image=image, **create)
        assert refused.value.code == "IMG.0046"
        assert servers_create(image=copy, **create)
        for state in ("disabled", "pending_deletion"):
            key_set_state(actor=world.sharer_user, project=world.sharer_de, key=key, state=state)
            assert servers_create(image=copy, **create)
            with pytest.raises(ImsError):
                replicate(world, image, kms_key=copy.kms_key, name="again")

    def test_unavailable_source_is_refused_with_img_0046(self, world):
        image, _, grant = encrypted_share(world)
        grant.delete()
        with pytest.raises(ImsError) as refused:
            replicate(world, image, kms_key=KeyFactory(project=world.recipient_de))
        assert refused.value.code == "IMG.0046"
        assert not copies().exists()

    def test_a_key_is_required(self, world):
        image, _, _ = encrypted_share(world)
        with pytest.raises(InputRefused, match="select a KMS key") as refused:
            replicate(world, image)
        assert refused.value.field == "kms_key"
        assert not copies().exists()

    @pytest.mark.parametrize(
        "key_fields",
        [
            {"is_default": True, "alias": "ims/default"},
            {"state": Key.State.DISABLED},
            {"state": Key.State.PENDING_DELETION},
        ],
    )
    def test_only_enabled_custom_keys(self, world, key_fields):
        image, _, _ = encrypted_share(world)
        key = KeyFactory(project=world.recipient_de, **key_fields)
        with pytest.raises(InputRefused):
            replicate(world, image, kms_key=key)
        assert not copies().exists()

    def test_another_projects_key_is_refused(self, world):
        image, sharer_key, _ = encrypted_share(world)
        for key in (sharer_key, KeyFactory(project=world.recipient_nl)):
            with pytest.raises(InputRefused, match="does not belong"):
                replicate(world, image, kms_key=key)
        assert not copies().exists()

    def test_unencrypted_source_takes_no_key(self, world):
        with pytest.raises(InputRefused, match="not encrypted"):
            replicate(world, share(world), kms_key=KeyFactory(project=world.recipient_de))
        assert not copies().exists()


@pytest.mark.django_db
class TestReplicateDialog:
    def test_htmx_gets_the_dialog_into_dialogs(self, world, recipient_client):
        image = share(world, name="web-img")
        response = recipient_client.get(url(image), headers=htmx("dialogs"))
        assert response.template_name == "ims/image_replicate.html#replicate-dialog"
        assert response.headers["HX-Retarget"] == "#dialogs"
        content = response.content.decode()
        assert "<html" not in content and "data-onload-showmodal" in content
        assert "The image size must be less than 128 GB." in content
        assert 'value="copy_web-img"' in content
        assert 'name="kms_key"' not in content

    def test_full_page_shows_the_dialog_in_the_page(self, world, recipient_client):
        image = share(world)
        response = recipient_client.get(url(image))
        assert response.template_name == "ims/image_replicate.html"
        content = response.content.decode()
        assert "<html" in content and "Image Details" in content and " open>" in content

    def test_encrypted_image_offers_the_projects_enabled_custom_keys(self, world, recipient_client):
        image, _, _ = encrypted_share(world)
        KeyFactory(project=world.recipient_de, alias="mine-enabled")
        KeyFactory(project=world.recipient_de, alias="mine-disabled", state="disabled")
        KeyFactory(project=world.recipient_de, alias="ims/default", is_default=True)
        KeyFactory(project=world.sharer_de, alias="theirs")
        response = recipient_client.get(url(image), headers=htmx("dialogs"))
        assert [k.alias for k in response.context["keys"]] == ["mine-enabled"]

    def test_success_closes_the_dialog_with_a_message(self, world, recipient_client):
        image = share(world, name="web-img")
        response = recipient_client.post(
            url(image), {"name": "copy_web-img"}, headers=htmx("dialogs")
        )
        assert response.status_code == 200
        assert "modal-close" in response.headers["HX-Trigger"]
        assert (
            "Replication of web-img started: copy_web-img is Creating under Private Images"
            in response.content.decode()
        )
        assert copies().get().name == "copy_web-img"

    def test_success_without_htmx_goes_to_private_images(self, world, recipient_client):
        image = share(world)
        response = recipient_client.post(url(image), {"name": "copy"})
        assert response.status_code == 302 and response.url == reverse("ims:private_images")

    def test_encrypted_with_own_key_through_the_form(self, world, recipient_client):
        image, _, _ = encrypted_share(world)
        own = KeyFactory(project=world.recipient_de)
        response = recipient_client.post(url(image), {"name": "c", "kms_key": str(own.key_id)})
        assert response.status_code == 302
        assert copies().get().kms_key == own

    def test_missing_key_rerenders_the_dialog(self, world, recipient_client):
        image, _, _ = encrypted_share(world)
        response = recipient_client.post(url(image), {"name": "c"}, headers=htmx("dialogs"))
        assert response.status_code == 200
        assert response.template_name == "ims/image_replicate.html#replicate-dialog"
        assert "Select a KMS key of your own" in response.content.decode()
        assert not copies().exists()

    def test_invalid_name_and_long_description_are_form_errors(self, world, recipient_client):
        image = share(world)
        response = recipient_client.post(url(image), {"name": "", "description": "d" * 1025})
        assert set(response.context["form"].errors) == {"name", "description"}
        response = recipient_client.post(url(image), {"name": "bad/name"})
        assert "valid image name" in response.content.decode()
        assert not copies().exists()

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_share_shows_img_0196(self, world, recipient_client, status):
        image = share(world, status)
        dialog = recipient_client.get(url(image), headers=htmx("dialogs"))
        assert "IMG.0196" in dialog.content.decode()
        assert b'type="submit"' not in dialog.content
        response = recipient_client.post(url(image), {"name": "c"})
        assert "IMG.0196" in response.content.decode()
        assert not copies().exists()

    def test_full_ecs_and_big_images_are_refused_in_the_dialog(self, world, recipient_client):
        for image in (share(world, full_ecs=True), share(world, size_gb="200.00")):
            response = recipient_client.post(url(image), {"name": "c"})
            assert response.context["refusal"] is not None
        assert not copies().exists()

    def test_another_tenants_image_is_404(self, world, recipient_client):
        for image in (ImageFactory(owner=world.sharer_de), ImageFactory(owner=world.sharer_nl)):
            assert recipient_client.get(url(image)).status_code == 404
            assert recipient_client.post(url(image), {"name": "c"}).status_code == 404
        assert not copies().exists()

    def test_another_tenants_key_in_the_form_is_404(self, world, recipient_client):
        image, sharer_key, _ = encrypted_share(world)
        for key in (sharer_key, KeyFactory(project=world.recipient_nl)):
            response = recipient_client.post(url(image), {"name": "c", "kms_key": str(key.key_id)})
            assert response.status_code == 404
        assert not copies().exists()

    def test_readonly_is_refused(self, world, readonly_client):
        image = share(world)
        refused = readonly_client.post(url(image), {"name": "c"})
        assert refused.status_code == 403 and b"IMG.0026" in refused.content
        response = readonly_client.post(url(image), {"name": "c"}, headers={"HX-Request": "true"})
        assert response.status_code == 200 and b"IMG.0026" in response.content
        assert not copies().exists()
