"""Create Image services: each documented rule refuses with its code, nothing half-made."""

import hashlib

import pytest

from console.audit.models import Trace
from console.compute import imaging
from console.compute.imaging import image_create_from_disk, image_create_from_server
from console.compute.models import Disk
from console.errors import ImsError, InputRefused, NotFound, RoleRefused
from console.kms.models import Key
from ims.models import Image, ImageBackup, ImageTag
from ims.services import creation
from ims.services.creation import image_create_from_file, image_creation_finish
from ims.store import files
from tests.factories import (
    DiskFactory,
    ImageFactory,
    ImageQuotaFactory,
    KeyFactory,
    ServerFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db


def server_with_disks(project, system_gb=40, data_gb=(100,), **fields):
    image = ImageFactory(owner=None, region=project.region, os="Ubuntu 22.04 server 64bit")
    server = ServerFactory(project=project, image=image, image_name=image.name, **fields)
    DiskFactory(project=project, server=server, role=Disk.Role.SYSTEM, size_gb=system_gb)
    for size in data_gb:
        DiskFactory(project=project, server=server, role=Disk.Role.DATA, size_gb=size)
    return server


def from_server(world, server, name="web-system", **kw):
    return image_create_from_server(
        actor=world.sharer_user, project=world.sharer_de, server=server, name=name, **kw
    )


def pending_file(content=b"QFI\xfb" + b"\0" * 4096, extension="qcow2"):
    return files.receive([content], extension=extension)


def from_file(world, upload, file_name="disk.qcow2", **kw):
    fields = {"image_type": "system", "name": "uploaded", "min_disk_gb": 40, **kw}
    return image_create_from_file(
        actor=world.sharer_user,
        project=world.sharer_de,
        upload=upload,
        file_name=file_name,
        **fields,
    )


class TestSystemDiskImage:
    def test_creating_then_normal_when_the_task_ran(
        self, world, django_capture_on_commit_callbacks
    ):
        server = server_with_disks(world.sharer_de, system_gb=50)
        with django_capture_on_commit_callbacks(execute=True):
            image = from_server(world, server, description="web tier", tags=[("env", "prod")])
            assert image.status == Image.Status.SAVING
        image.refresh_from_db()
        assert image.status == Image.Status.ACTIVE
        assert image.image_type == "system" and image.min_disk_gb == 50
        assert image.os == "Ubuntu 22.04 server 64bit" and image.owner == world.sharer_de
        assert list(ImageTag.objects.filter(image=image).values_list("key", "value")) == [
            ("env", "prod")
        ]
        assert Trace.objects.filter(operation="createImage", resource_id=str(image.pk)).exists()

    def test_another_projects_server_is_not_found(self, world):
        server = server_with_disks(world.recipient_de)
        with pytest.raises(NotFound, match="IMG.0005"):
            from_server(world, server)
        assert not Image.objects.filter(owner__isnull=False).exists()

    def test_a_server_without_system_disk_is_img_0119(self, world):
        server = ServerFactory(project=world.sharer_de)
        with pytest.raises(ImsError, match="IMG.0119"):
            from_server(world, server)

    def test_a_system_disk_over_1_tb_is_img_0111(self, world):
        server = server_with_disks(world.sharer_de, system_gb=1025)
        with pytest.raises(ImsError, match="IMG.0111"):
            from_server(world, server)
        # ... while a full-ECS image of it is allowed (§1.3)
        disks = imaging.server_disks(server)
        assert creation.disks_refusal(disks, Image.ImageType.FULL_ECS) is None

    def test_a_server_neither_running_nor_stopped_is_refused(self, world):
        server = server_with_disks(world.sharer_de)
        server.status = "error"
        assert imaging.server_refusal(server).code == "IMG.0126"

    @pytest.mark.parametrize(
        ("name", "code"),
        [("", "IMG.0013"), ("x" * 129, "IMG.0002"), (" lead", "IMG.0003"), ("a/b", "IMG.0003")],
    )
    def test_name_rules(self, world, name, code):
        with pytest.raises(ImsError) as refused:
            from_server(world, server_with_disks(world.sharer_de), name=name)
        assert refused.value.code == code and refused.value.field == "name"

    @pytest.mark.parametrize(("text", "code"), [("x" * 1025, "IMG.0004"), ("a<b>", "IMG.0054")])
    def test_description_rules(self, world, text, code):
        with pytest.raises(ImsError, match=code):
            from_server(world, server_with_disks(world.sharer_de), description=text)
        longest = from_server(world, server_with_disks(world.sharer_de), description="x" * 1024)
        assert len(longest.description) == 1024

    def test_a_bad_tag_or_too_many_tags_are_refused(self, world):
        server = server_with_disks(world.sharer_de)
        with pytest.raises(InputRefused):
            from_server(world, server, tags=[("bad key!", "")])
        with pytest.raises(InputRefused):
            from_server(world, server, tags=[(f"k{n}", "") for n in range(11)])
        assert not Image.objects.filter(owner=world.sharer_de).exists()

    def test_the_private_image_quota_is_img_0015(self, world):
        ImageQuotaFactory(project=world.sharer_de, images=1)
        ImageFactory(owner=world.sharer_de)
        with pytest.raises(ImsError, match="IMG.0015"):
            from_server(world, server_with_disks(world.sharer_de))

    def test_a_readonly_user_is_refused(self, world):
        world.sharer_user.role = "readonly"
        with pytest.raises(RoleRefused):
            from_server(world, server_with_disks(world.sharer_de))


class TestFullEcsImage:
    def vault(self, world, capacity=200, **fields):
        fields = {
            "resource_type": Vault.ResourceType.SERVER,
            "protection_type": Vault.ProtectionType.BACKUP,
            **fields,
        }
        return VaultFactory(project=world.sharer_de, capacity_gb=capacity, **fields)

    def test_backups_are_stored_in_the_vault_and_the_source_is_cbr(self, world):
        server = server_with_disks(world.sharer_de, system_gb=40, data_gb=(100,))
        vault = self.vault(world)
        image = from_server(world, server, full_ecs=True, vault=vault)
        assert image.image_type == "full_ecs" and image.full_ecs_source == "cbr"
        assert vault.free() == 60
        assert sorted(b.size_gb for b in image.backups.all()) == [40, 100]
        assert all(b.vault_backup.vault == vault for b in image.backups.all())

    def test_a_vault_too_small_is_img_0182_and_nothing_is_stored(self, world):
        server = server_with_disks(world.sharer_de, system_gb=40, data_gb=(100,))
        with pytest.raises(ImsError, match="IMG.0182"):
            from_server(world, server, full_ecs=True, vault=self.vault(world, capacity=139))
        assert not Backup.objects.exists() and not Image.objects.filter(owner__isnull=False)

    def test_a_disk_backup_vault_is_img_0193(self, world):
        vault = self.vault(world, resource_type=Vault.ResourceType.DISK)
        with pytest.raises(ImsError, match="IMG.0193"):
            from_server(world, server_with_disks(world.sharer_de), full_ecs=True, vault=vault)

    def test_a_replication_vault_is_img_0193(self, world):
        vault = self.vault(world, protection_type=Vault.ProtectionType.REPLICATION)
        with pytest.raises(ImsError, match="IMG.0193"):
            from_server(world, server_with_disks(world.sharer_de), full_ecs=True, vault=vault)

    def test_an_unavailable_vault_is_img_0188(self, world):
        vault = self.vault(world, status=Vault.Status.LOCKED)
        with pytest.raises(ImsError, match="IMG.0188"):
            from_server(world, server_with_disks(world.sharer_de), full_ecs=True, vault=vault)

    def test_no_vault_or_another_projects_vault_is_img_0184(self, world):
        server = server_with_disks(world.sharer_de)
        with pytest.raises(ImsError, match="IMG.0184"):
            from_server(world, server, full_ecs=True)
        other = VaultFactory(project=world.recipient_de, capacity_gb=500)
        with pytest.raises(NotFound, match="IMG.0184"):
            from_server(world, server, full_ecs=True, vault=other)

    def test_a_failure_releases_the_backups(self, world):
        vault = self.vault(world)
        image = from_server(world, server_with_disks(world.sharer_de), full_ecs=True, vault=vault)
        Image.objects.filter(pk=image.pk).update(status=Image.Status.SAVING)
        image_creation_finish(actor=None, project=world.sharer_de, image=image, failure="boom")
        image.refresh_from_db()
        assert image.status == Image.Status.ERROR and image.status_reason == "boom"
        assert not Backup.objects.exists() and not ImageBackup.objects.exists()
        assert vault.free() == 200


class TestDataDiskImage:
    def test_an_attached_data_disk_becomes_a_data_disk_image(
        self, world, django_capture_on_commit_callbacks
    ):
        server = server_with_disks(world.sharer_de, data_gb=(120,))
        disk = server.disks.get(role=Disk.Role.DATA)
        with django_capture_on_commit_callbacks(execute=True):
            image = image_create_from_disk(
                actor=world.sharer_user, project=world.sharer_de, disk=disk, name="data-img"
            )
        image.refresh_from_db()
        assert image.image_type == "data" and image.min_disk_gb == 120
        assert image.status == Image.Status.ACTIVE  # the immediate task backend ran

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"role": "system"}, "IMG.0120"),
            ({"server": None}, "IMG.0120"),
            ({"size_gb": 1025}, "IMG.0022"),
        ],
    )
    def test_disk_rules(self, world, fields, code):
        server = server_with_disks(world.sharer_de, data_gb=())
        fields = {"server": server, "role": "data", **fields}
        disk = DiskFactory(project=world.sharer_de, **fields)
        with pytest.raises(ImsError, match=code):
            image_create_from_disk(
                actor=world.sharer_user, project=world.sharer_de, disk=disk, name="d"
            )

    def test_another_projects_disk_is_not_found(self, world):
        disk = DiskFactory(project=world.recipient_de, server=server_with_disks(world.recipient_de))
        with pytest.raises(NotFound):
            image_create_from_disk(
                actor=world.sharer_user, project=world.sharer_de, disk=disk, name="d"
            )


class TestImageFile:
    def test_the_file_is_kept_with_its_size_and_digests(
        self, world, django_capture_on_commit_callbacks
    ):
        content = b"QFI\xfb" + bytes(range(256)) * 64
        upload = pending_file(content)
        with django_capture_on_commit_callbacks(execute=True):
            image = from_file(world, upload, os="Ubuntu 22.04 server 64bit")
        upload.discard()  # what the view does afterwards: a kept file stays
        image.refresh_from_db()
        assert image.status == Image.Status.ACTIVE and image.disk_format == "qcow2"
        assert image.file_size == len(content) and files.exists(image.file_name)
        assert image.checksum == hashlib.md5(content).hexdigest()  # noqa: S324
        assert image.os_hash_value == hashlib.sha512(content).hexdigest()

    @pytest.mark.parametrize(
        ("file_name", "code"), [("disk.exe", "IMG.0057"), ("my disk.qcow2", "IMG.0175")]
    )
    def test_file_name_rules_leave_no_file_and_no_row(self, world, file_name, code):
        upload = pending_file()
        with upload, pytest.raises(ImsError, match=code):
            from_file(world, upload, file_name=file_name)
        assert not files.exists(upload.file.name)
        assert not Image.objects.filter(owner=world.sharer_de).exists()

    @pytest.mark.parametrize(
        ("image_type", "gb", "ok"),
        [
            ("system", 39, False),
            ("system", 40, True),
            ("system", 1025, False),
            ("data", 1, True),
            ("data", 2049, False),
            ("iso", 1024, True),
        ],
    )
    def test_min_disk_ranges(self, image_type, gb, ok):
        assert (creation.min_disk_refusal(image_type, gb) is None) == ok

    def test_every_documented_format_is_accepted(self):
        for fmt in ("vhd", "zvhd", "zvhd2", "vmdk", "qcow2", "raw", "vhdx", "qed", "vdi", "qcow"):
            assert creation.file_name_refusal(f"disk.{fmt}", "system") is None
        assert creation.file_name_refusal("disk.qcow2", "iso").code == "IMG.0057"

    def test_an_iso_needs_an_os_and_cannot_be_encrypted(self, world):
        with pending_file(extension="iso") as upload, pytest.raises(ImsError, match="IMG.0166"):
            from_file(world, upload, file_name="x.iso", image_type="iso", min_disk_gb=10, os="")
        key = KeyFactory(project=world.sharer_de)
        with pending_file(extension="iso") as upload, pytest.raises(InputRefused):
            from_file(
                world,
                upload,
                file_name="x.iso",
                image_type="iso",
                os="Other",
                kms_key=key,
                min_disk_gb=10,
            )

    def test_encrypted_with_an_enabled_key_of_the_project(self, world):
        key = KeyFactory(project=world.sharer_de)
        with pending_file() as upload:
            assert from_file(world, upload, kms_key=key).kms_key == key
        disabled = KeyFactory(project=world.sharer_de, state=Key.State.DISABLED)
        with pending_file() as upload, pytest.raises(ImsError, match="IMG.0097"):
            from_file(world, upload, kms_key=disabled)
        foreign = KeyFactory(project=world.recipient_de)
        with pending_file() as upload, pytest.raises(ImsError, match="IMG.0095"):
            from_file(world, upload, kms_key=foreign)

    def test_a_failure_removes_the_file(self, world, django_capture_on_commit_callbacks):
        with pending_file() as upload:
            image = from_file(world, upload)
        Image.objects.filter(pk=image.pk).update(status=Image.Status.SAVING)
        name = Image.objects.get(pk=image.pk).file_name
        with django_capture_on_commit_callbacks(execute=True):
            image_creation_finish(actor=None, project=world.sharer_de, image=image, failure="x")
        assert not files.exists(name)
        assert Image.objects.get(pk=image.pk).status == Image.Status.ERROR


def test_the_task_turns_an_exception_into_error(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from ims import tasks

    def broken(*, failure="", **kw):
        if not failure:
            raise RuntimeError("disk copy failed")
        return real(failure=failure, **kw)

    real = creation.image_creation_finish
    monkeypatch.setattr(creation, "image_creation_finish", broken)
    with django_capture_on_commit_callbacks(execute=True):
        image = from_server(world, server_with_disks(world.sharer_de))
    image.refresh_from_db()
    assert image.status == Image.Status.ERROR
    assert image.status_reason == str(tasks.CREATION_FAILURE)
