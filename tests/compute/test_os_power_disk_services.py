"""Change OS, power and Buy Disk services."""

from __future__ import annotations

import pytest

from console.audit.models import Trace
from console.compute.models import Disk, Server
from console.compute.services import (
    server_change_os,
    server_start,
    server_stop,
)
from console.errors import ImsError, InputRefused, RoleRefused
from ims.models import Image, ImageMember
from tests.compute.service_helpers import (
    create,
    encrypted_share,
    make_disk,
    share,
)
from tests.factories import (
    DiskFactory,
    ImageBackupFactory,
    ImageFactory,
    KeyFactory,
    KeyGrantFactory,
    ServerFactory,
)


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
