"""ECS and EVS services: the follow-ups a project starts from an image (D8, D9, D10)."""

import pytest

from console.audit.models import Trace
from console.compute.models import Disk, Server
from console.compute.services import (
    disk_create,
    server_change_os,
    server_start,
    server_stop,
    servers_create,
)
from console.errors import ImsError, InputRefused, RoleRefused
from console.kms.models import Key
from console.kms.services import key_set_state
from ims.models import Image, ImageBackup, ImageMember
from ims.services import image_use_refusal
from tests.factories import (
    DiskFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    ServerFactory,
)


def share(world, status="accepted", **fields):
    image = ImageFactory(owner=world.sharer_de, **fields)
    ImageMemberFactory(image=image, project=world.recipient_de, status=status)
    return image


def encrypted_share(world, status="accepted"):
    key = KeyFactory(project=world.sharer_de, alias="sharer-cmk")
    grant = KeyGrantFactory(key=key, grantee=world.recipient)
    return share(world, status, kms_key=key), key, grant


def create(world, image, user=None, **overrides):
    args = {
        "actor": user or world.recipient_user,
        "project": world.recipient_de,
        "image": image,
        "name": "web",
        "availability_zone": "eu-de-01",
        "flavor": "s3.medium.2",
        "system_disk_gb": 40,
        "quantity": 1,
    } | overrides
    return servers_create(**args)


def make_disk(world, image, user=None, **overrides):
    args = {
        "actor": user or world.recipient_user,
        "project": world.recipient_de,
        "name": "data",
        "availability_zone": "eu-de-01",
        "size_gb": 100,
        "image": image,
    } | overrides
    return disk_create(**args)


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


@pytest.mark.django_db
class TestChangeOs:
    def server(self, world, status=Server.Status.STOPPED, disk_gb=40):
        server = ServerFactory(project=world.recipient_de, status=status)
        DiskFactory(project=world.recipient_de, server=server, role="system", size_gb=disk_gb)
        return server

    def change(self, world, server, image, user=None):
        return server_change_os(
            actor=user or world.recipient_user,
            project=world.recipient_de,
            server=server,
            image=image,
        )

    def test_changes_image_and_grows_the_system_disk(self, world):
        server = self.server(world, disk_gb=40)
        image = share(world, min_disk_gb=60)
        self.change(world, server, image)
        server.refresh_from_db()
        assert (server.image, server.image_name) == (image, image.name)
        disk = server.disks.get(role="system")
        assert (disk.image, disk.size_gb) == (image, 60)
        trace = Trace.objects.get(operation="changeOS")
        assert (trace.service, trace.resource_name, trace.result) == ("ECS", server.name, "success")

    def test_a_larger_system_disk_keeps_its_size(self, world):
        server = self.server(world, disk_gb=100)
        self.change(world, server, share(world, min_disk_gb=40))
        assert server.disks.get(role="system").size_gb == 100

    def test_only_a_stopped_server(self, world):
        server = self.server(world, status=Server.Status.RUNNING)
        image = share(world)
        with pytest.raises(InputRefused, match="Stop"):
            self.change(world, server, image)
        server.refresh_from_db()
        assert server.image is None and server.image_name != image.name

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_share_is_refused(self, world, status):
        server = self.server(world)
        with pytest.raises(ImsError) as refused:
            self.change(world, server, share(world, status))
        assert refused.value.code == "IMG.0046"
        server.refresh_from_db()
        assert server.image is None

    @pytest.mark.parametrize("image_type", ["data", "iso"])
    def test_only_system_disk_and_full_ecs_images(self, world, image_type):
        server = self.server(world)
        with pytest.raises(InputRefused, match="system disk or full-ECS image"):
            self.change(world, server, share(world, image_type=image_type))
        server.refresh_from_db()
        assert server.image is None

    def full_ecs_share(self, world, status="accepted"):
        image = share(world, status, full_ecs=True, min_disk_gb=40)
        ImageBackupFactory(image=image, role="system", device="/dev/vda", size_gb=80)
        ImageBackupFactory(image=image, role="data", device="/dev/vdb", size_gb=200)
        return image

    def test_accepted_full_ecs_image_system_backup_becomes_the_system_disk(self, world):
        server = self.server(world, disk_gb=40)
        data = DiskFactory(project=world.recipient_de, server=server, role="data", size_gb=30)
        image = self.full_ecs_share(world)
        self.change(world, server, image)
        server.refresh_from_db()
        assert (server.image, server.image_name) == (image, image.name)
        system = server.disks.get(role="system")
        # The size comes from the system disk backup (80 GB), not the image's 40 GB.
        assert (system.image, system.size_gb) == (image, 80)
        data.refresh_from_db()
        assert (data.size_gb, data.image_id, data.server_id) == (30, None, server.pk)
        assert server.disks.filter(role="data").count() == 1
        trace = Trace.objects.get(operation="changeOS")
        assert trace.detail["system_disk_gb"] == 80

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_full_ecs_image_is_refused(self, world, status):
        server = self.server(world)
        with pytest.raises(ImsError) as refused:
            self.change(world, server, self.full_ecs_share(world, status))
        assert refused.value.code == "IMG.0046"
        server.refresh_from_db()
        assert server.image is None

    def test_unavailable_full_ecs_image_is_refused(self, world):
        server = self.server(world)
        image = self.full_ecs_share(world)
        Image.objects.filter(pk=image.pk).update(status=Image.Status.ERROR)
        with pytest.raises(ImsError) as refused:
            self.change(world, server, image)
        assert refused.value.code == "IMG.0046"
        assert server.disks.get(role="system").size_gb == 40

    def test_revoked_grant_refuses_change_os(self, world):
        server = self.server(world)
        image, _, grant = encrypted_share(world)
        grant.delete()
        with pytest.raises(ImsError) as refused:
            self.change(world, server, image)
        assert refused.value.code == "IMG.0046"

    def test_another_projects_server_is_refused(self, world):
        server = ServerFactory(project=world.sharer_de, status=Server.Status.STOPPED)
        with pytest.raises(InputRefused):
            self.change(world, server, ImageFactory(owner=None, region=world.de))
        server.refresh_from_db()
        assert server.image is None

    def test_readonly_user_is_refused(self, world):
        server = self.server(world)
        with pytest.raises(RoleRefused):
            self.change(world, server, share(world), user=world.readonly_user)
        server.refresh_from_db()
        assert server.image is None


@pytest.mark.django_db
class TestServerPower:
    def test_stop_and_start(self, world):
        server = ServerFactory(project=world.recipient_de)
        server_stop(actor=world.recipient_user, project=world.recipient_de, server=server)
        server.refresh_from_db()
        assert server.status == "stopped"
        server_start(actor=world.recipient_user, project=world.recipient_de, server=server)
        server.refresh_from_db()
        assert server.status == "running"
        operations = list(
            Trace.objects.order_by("created", "pk").values_list("operation", flat=True)
        )
        assert operations == ["stopServer", "startServer"]

    def test_stopping_a_stopped_server_is_refused(self, world):
        server = ServerFactory(project=world.recipient_de, status="stopped")
        with pytest.raises(InputRefused, match="already stopped"):
            server_stop(actor=world.recipient_user, project=world.recipient_de, server=server)

    def test_readonly_user_cannot_stop(self, world):
        server = ServerFactory(project=world.recipient_de)
        with pytest.raises(RoleRefused):
            server_stop(actor=world.readonly_user, project=world.recipient_de, server=server)
        server.refresh_from_db()
        assert server.status == "running"


@pytest.mark.django_db
class TestDiskCreate:
    def test_empty_data_disk(self, world):
        disk = make_disk(world, None, size_gb=10)
        assert (disk.role, disk.status, disk.size_gb, disk.image) == ("data", "available", 10, None)
        trace = Trace.objects.get()
        assert (trace.operation, trace.service, trace.resource_name) == (
            "createVolume",
            "EVS",
            "data",
        )

    def test_from_an_accepted_data_disk_image(self, world):
        image = share(world, data_disk=True, min_disk_gb=100)
        disk = make_disk(world, image, size_gb=100)
        assert disk.image == image and disk.server is None

    def test_at_least_the_image_capacity(self, world):
        image = share(world, data_disk=True, min_disk_gb=100)
        with pytest.raises(InputRefused) as refused:
            make_disk(world, image, size_gb=99)
        assert refused.value.field == "size_gb"
        assert not Disk.objects.exists()

    @pytest.mark.parametrize("size", [9, 32769])
    def test_size_bounds(self, world, size):
        with pytest.raises(InputRefused):
            make_disk(world, None, size_gb=size)
        assert not Disk.objects.exists()

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_share_is_refused(self, world, status):
        with pytest.raises(ImsError) as refused:
            make_disk(world, share(world, status, data_disk=True))
        assert refused.value.code == "IMG.0046"
        assert not Disk.objects.exists()

    def test_only_data_disk_images(self, world):
        with pytest.raises(InputRefused, match="data disk images"):
            make_disk(world, share(world))
        assert not Disk.objects.exists()

    def test_revoked_grant_refuses_the_disk(self, world):
        key = KeyFactory(project=world.sharer_de)
        image = share(world, data_disk=True, kms_key=key)
        with pytest.raises(ImsError) as refused:
            make_disk(world, image)
        assert refused.value.code == "IMG.0046"
        KeyGrantFactory(key=key, grantee=world.recipient)
        assert make_disk(world, image).image == image

    def test_rejecting_later_keeps_existing_servers_and_disks(self, world):
        image = share(world)
        data = share(world, data_disk=True)
        (server,) = create(world, image)
        disk = make_disk(world, data)
        ImageMember.objects.update(status="rejected")
        assert Server.objects.filter(pk=server.pk, image=image).exists()
        assert Disk.objects.filter(pk=disk.pk, image=data).exists()

    def test_readonly_user_is_refused(self, world):
        with pytest.raises(RoleRefused):
            make_disk(world, None, user=world.readonly_user)
        assert not Disk.objects.exists()
