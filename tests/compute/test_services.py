"""Buy ECS services: servers from own, public and accepted shared images, encrypted ones."""

from __future__ import annotations

import pytest

from console.audit.models import Trace
from console.compute.models import Disk, Server
from console.errors import ImsError, InputRefused, RoleRefused
from console.kms.models import Key
from console.kms.services import key_set_state
from ims.models import Image, ImageBackup
from ims.services import image_use_refusal
from tests.compute.service_helpers import (
    create,
    encrypted_share,
    share,
)
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
)


@pytest.mark.django_db
class TestServersCreate:
    def test_creates_running_servers_with_numbered_names_and_system_disks(self, world):
        image = share(world, min_disk_gb=40)
        servers = create(world, image, quantity=3, system_disk_gb=50)
        assert [s.name for s in servers] == ["web-0001", "web-0002", "web-0003"]
        for server in servers:
            assert server.status == Server.Status.RUNNING
            assert server.project == world.recipient_de
            assert server.image == image and server.image_name == image.name
            disks = list(server.disks.all())
            assert [(d.role, d.size_gb, d.status) for d in disks] == [("system", 50, "in-use")]
            assert disks[0].image == image
        traces = Trace.objects.filter(operation="createServer", result="success")
        assert traces.count() == 3
        assert set(traces.values_list("service", flat=True)) == {"ECS"}
        assert set(traces.values_list("tenant", flat=True)) == {world.recipient.pk}

    def test_a_single_server_keeps_its_name(self, world):
        (server,) = create(world, share(world))
        assert server.name == "web"

    def test_public_and_own_images_can_be_used(self, world):
        public = ImageFactory(owner=None, region=world.de)
        own = ImageFactory(owner=world.recipient_de)
        assert create(world, public)[0].image == public
        assert create(world, own)[0].image == own

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_share_is_refused(self, world, status):
        image = share(world, status)
        with pytest.raises(ImsError) as refused:
            create(world, image)
        assert refused.value.code == "IMG.0046"
        assert status in str(refused.value)
        assert not Server.objects.exists() and not Disk.objects.exists()

    def test_an_image_not_shared_with_the_project_is_refused(self, world):
        image = ImageFactory(owner=world.sharer_de)
        with pytest.raises(ImsError) as refused:
            create(world, image)
        assert refused.value.code == "IMG.0144"
        assert not Server.objects.exists()

    def test_a_share_in_another_region_project_is_refused(self, world):
        image = ImageFactory(owner=world.sharer_nl)
        ImageMemberFactory(image=image, project=world.recipient_nl, status="accepted")
        with pytest.raises(ImsError):
            create(world, image)
        assert not Server.objects.exists()

    def test_a_public_image_of_another_region_is_refused(self, world):
        with pytest.raises(ImsError):
            create(world, ImageFactory(owner=None, region=world.nl))
        assert not Server.objects.exists()

    @pytest.mark.parametrize("image_type", ["data", "iso"])
    def test_only_system_disk_and_full_ecs_images(self, world, image_type):
        image = share(world, image_type=image_type)
        with pytest.raises(InputRefused, match="system disk and full-ECS"):
            create(world, image)
        assert not Server.objects.exists()

    def test_image_not_in_normal_status_is_unavailable(self, world):
        image = share(world, status="accepted")
        Image.objects.filter(pk=image.pk).update(status=Image.Status.SAVING)
        with pytest.raises(ImsError) as refused:
            create(world, image)
        assert refused.value.code == "IMG.0046"

    def test_system_disk_must_hold_the_image(self, world):
        image = share(world, min_disk_gb=60)
        with pytest.raises(InputRefused) as refused:
            create(world, image, system_disk_gb=59)
        assert refused.value.field == "system_disk_gb"
        assert not Server.objects.exists()
        assert create(world, image, system_disk_gb=60)[0].disks.get().size_gb == 60

    def test_system_disk_at_most_1024_gb(self, world):
        with pytest.raises(InputRefused):
            create(world, share(world), system_disk_gb=1025)
        assert not Server.objects.exists()

    def test_full_ecs_servers_get_disks_from_the_image_backups(self, world):
        image = share(world, full_ecs=True, min_disk_gb=40)
        ImageBackupFactory(image=image, role="system", device="/dev/vda", size_gb=50)
        ImageBackupFactory(image=image, role="data", device="/dev/vdb", size_gb=60)
        ImageBackupFactory(image=image, role="data", device="/dev/vdc", size_gb=70)
        servers = create(world, image, quantity=2, system_disk_gb=50)
        for server in servers:
            disks = sorted((d.role, d.size_gb) for d in server.disks.all())
            assert disks == [("data", 60), ("data", 70), ("system", 50)]
            assert all(d.image == image for d in server.disks.all())

    def test_full_ecs_system_disk_at_least_its_system_backup(self, world):
        image = share(world, full_ecs=True, min_disk_gb=40)
        ImageBackupFactory(image=image, role=ImageBackup.Role.SYSTEM, size_gb=80)
        with pytest.raises(InputRefused, match="80 GB"):
            create(world, image, system_disk_gb=79)
        assert not Server.objects.exists()

    @pytest.mark.parametrize("quantity", [0, 51])
    def test_quantity_between_1_and_50(self, world, quantity):
        with pytest.raises(InputRefused):
            create(world, share(world), quantity=quantity)
        assert not Server.objects.exists()

    def test_fifty_servers_at_once(self, world):
        assert len(create(world, share(world), quantity=50)) == 50

    def test_name_leaves_room_for_the_suffix(self, world):
        image = share(world)
        with pytest.raises(InputRefused):
            create(world, image, name="n" * 60, quantity=2)
        server = create(world, image, name="n" * 59, quantity=2)[0]
        assert server.name == "n" * 59 + "-0001"
        assert server.disks.get().name == ("n" * 59 + "-0001")[:60] + "-sys"

    @pytest.mark.parametrize("name", ["", "bad name", "x" * 65, "ümlaut"])
    def test_invalid_names_are_refused(self, world, name):
        with pytest.raises(InputRefused):
            create(world, share(world), name=name)
        assert not Server.objects.exists()

    def test_unknown_zone_and_flavor_are_refused(self, world):
        image = share(world)
        with pytest.raises(InputRefused):
            create(world, image, availability_zone="eu-nl-01")
        with pytest.raises(InputRefused):
            create(world, image, flavor="x9.huge")
        assert not Server.objects.exists()

    def test_readonly_user_is_refused_and_a_failed_trace_kept(self, world):
        with pytest.raises(RoleRefused):
            create(world, share(world), user=world.readonly_user)
        assert not Server.objects.exists() and not Disk.objects.exists()
        trace = Trace.objects.get()
        assert (trace.operation, trace.result, trace.service) == ("createServer", "failed", "ECS")
        assert "IMG.0026" in trace.detail["error"]


@pytest.mark.django_db
class TestEncryptedSharedImages:
    """D10: an encrypted shared image is unavailable while the owner's key cannot serve it."""

    def test_usable_with_an_enabled_key_and_a_grant(self, world):
        image, _, _ = encrypted_share(world)
        assert create(world, image)

    def test_revoked_grant_makes_it_unavailable_until_granted_again(self, world):
        image, key, grant = encrypted_share(world)
        grant.delete()
        with pytest.raises(ImsError) as refused:
            create(world, image)
        assert refused.value.code == "IMG.0046"
        assert "grant" in str(refused.value)
        assert not Server.objects.exists()
        KeyGrantFactory(key=key, grantee=world.recipient)
        assert create(world, image)

    @pytest.mark.parametrize("state", [Key.State.DISABLED, Key.State.PENDING_DELETION])
    def test_disabled_or_deleted_key_makes_it_unavailable_until_enabled(self, world, state):
        image, key, _ = encrypted_share(world)
        key_set_state(actor=world.sharer_user, project=world.sharer_de, key=key, state=state)
        with pytest.raises(ImsError) as refused:
            create(world, image)
        assert refused.value.code == "IMG.0046"
        assert not Server.objects.exists()
        if state == Key.State.PENDING_DELETION:
            key_set_state(
                actor=world.sharer_user, project=world.sharer_de, key=key, state="disabled"
            )
        key_set_state(actor=world.sharer_user, project=world.sharer_de, key=key, state="enabled")
        assert create(world, image)

    def test_a_grant_for_another_tenant_does_not_count(self, world):
        image, key, grant = encrypted_share(world)
        grant.delete()
        KeyGrantFactory(key=key)
        with pytest.raises(ImsError):
            create(world, image)

    def test_owner_uses_its_own_encrypted_image_without_a_grant(self, world):
        key = KeyFactory(project=world.sharer_de)
        image = ImageFactory(owner=world.sharer_de, kms_key=key)
        servers = create(world, image, user=world.sharer_user, project=world.sharer_de)
        assert servers[0].project == world.sharer_de

    def test_list_decision_agrees_with_the_model(self, world):
        image, _, grant = encrypted_share(world)
        for granted in (True, False):
            refusal = image_use_refusal(
                project=world.recipient_de,
                image=image,
                use="server",
                member_status="accepted",
                key_granted=granted,
            )
            assert (refusal is None) == image.available_to(world.recipient.pk, key_granted=granted)
