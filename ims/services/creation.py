"""Create Image (reference ims-lifecycle.md §1, codes §10): from disks, a backup, a file.

ECS (console.compute.imaging) describes a server's disks to `image_create_from_disks`.

Each documented rule is one `*_refusal` function returning the ImsError or None; the
services raise it and the console's form asks the same functions. A new image is Creating
until the `create_image` task finishes it (`image_creation_finish`).

Decisions where the sources differ (§11.1): a server Running or Stopped may be used (#13);
an image file's system disk is 40–1,024 GB as the console asks (#2), a data disk image's
1–2,048 GB (#3), an ISO's 1–1,024 GB; the private image quota refuses with IMG.0015.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import ImsError, InputRefused, NotFound
from console.kms.models import Key
from console.models import DiskRole, Project, User
from console.services import ensure_can_change
from console.tasks import enqueue_on_commit
from ims.models import Image, ImageBackup, ImageTag
from ims.services.attributes import image_description_refusal, image_name_refusal
from ims.services.quotas import lock_quota
from ims.services.tags import MAX_TAGS_PER_IMAGE, clean_tag
from ims.store import files
from ims.tasks import create_image
from vaults import services as vault_services
from vaults.models import Vault

# A system or data disk larger than this can only become part of a full-ECS image.
SERVER_DISK_MAX_GB = 1024
FILE_FORMATS = ("vhd", "zvhd", "zvhd2", "vmdk", "qcow2", "raw", "vhdx", "qed", "vdi", "qcow")
ISO_FORMATS = ("iso",)
# The disk size a file-based image asks for, by image type (decisions in the docstring).
MIN_DISK_GB = {
    Image.ImageType.SYSTEM: (40, 1024),
    Image.ImageType.DATA: (1, 2048),
    Image.ImageType.ISO: (1, 1024),
}
# The OS a file's image gets when none is chosen (the native API's documented default).
DEFAULT_OS = "Other Linux(64 bit)"


@dataclass(frozen=True)
class DiskSpec:
    """A disk of the source server, as ECS describes it to IMS: its name, role and size."""

    name: str
    role: str
    size_gb: int


def disks_refusal(disks: Sequence[DiskSpec], image_type: str) -> ImsError | None:
    """Whether a server's disks fit a system disk or full-ECS image (§1.3)."""
    system = [d for d in disks if d.role == DiskRole.SYSTEM]
    if not system:
        return ImsError("IMG.0119")
    if image_type == Image.ImageType.SYSTEM and system[0].size_gb > SERVER_DISK_MAX_GB:
        return ImsError(
            "IMG.0111",
            format_lazy(
                _("Its system disk has {size} GB; at most {max} GB fit a system disk image."),
                size=system[0].size_gb,
                max=SERVER_DISK_MAX_GB,
            ),
        )
    return None


def data_disk_refusal(disk: DiskSpec, *, attached: bool) -> ImsError | None:
    """A data disk image needs a data disk attached to a server, of at most 1 TB (§1.3)."""
    if disk.role != DiskRole.DATA or not attached:
        return ImsError(
            "IMG.0120",
            format_lazy(_("{disk} is not a data disk attached to a server."), disk=disk.name),
        )
    if disk.size_gb > SERVER_DISK_MAX_GB:
        return ImsError(
            "IMG.0022",
            format_lazy(
                _("{disk} has {size} GB; at most {max} GB fit a data disk image."),
                disk=disk.name,
                size=disk.size_gb,
                max=SERVER_DISK_MAX_GB,
            ),
        )
    return None


def key_refusal(project: Project, key: Key) -> ImsError | None:
    """An image is encrypted with an enabled KMS key of its own project."""
    if key.project_id != project.pk:
        return ImsError("IMG.0095")
    if key.state != Key.State.ENABLED:
        return ImsError("IMG.0097", format_lazy(_("{key} is not enabled."), key=key.alias))
    return None


def file_name_refusal(file_name: str, image_type: str) -> ImsError | None:
    """The file's name: no spaces (IMG.0175), a documented format (IMG.0057)."""
    if " " in file_name:
        return ImsError("IMG.0175")
    suffix = PurePosixPath(file_name).suffix.lower().lstrip(".")
    allowed = ISO_FORMATS if image_type == Image.ImageType.ISO else FILE_FORMATS
    if suffix not in allowed:
        return ImsError(
            "IMG.0057",
            format_lazy(
                _("Allowed formats: {formats}."), formats=", ".join(f.upper() for f in allowed)
            ),
        )
    return None


def min_disk_refusal(image_type: str, min_disk_gb: int | None) -> ImsError | None:
    """IMG.0055: the disk size of a file-based image, within the range of its type."""
    low, high = MIN_DISK_GB[image_type]
    if min_disk_gb is None or not low <= min_disk_gb <= high:
        return ImsError("IMG.0055", format_lazy(_("Enter {low} to {high} GB."), low=low, high=high))
    return None


def _raise(refusal: ImsError | None, field: str | None = None) -> None:
    if refusal is not None:
        refusal.field = field
        raise refusal


def _clean_tags(tags: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = dict(clean_tag(key, value) for key, value in tags)
    if len(cleaned) > MAX_TAGS_PER_IMAGE:
        raise InputRefused(
            format_lazy(_("An image can have at most {max} tags."), max=MAX_TAGS_PER_IMAGE),
            field="tags",
        )
    return list(cleaned.items())


def _new_image(
    project: Project, *, name: str, description: str, tags, kms_key: Key | None, **fields
) -> Image:
    """Check the common rules, lock the quota and key, save a Creating image with its tags."""
    _raise(image_name_refusal(name), "name")
    _raise(image_description_refusal(description), "description")
    cleaned = _clean_tags(tags)
    quota = lock_quota(project)
    if kms_key is not None:
        kms_key = Key.objects.select_for_update().filter(pk=kms_key.pk).first() or kms_key
        _raise(key_refusal(project, kms_key), "kms_key")
    quota.ensure_private_images(adding=1)
    image = Image(
        region_id=project.region_id,
        owner=project,
        name=name,
        description=description,
        kms_key=kms_key,
        status=Image.Status.SAVING,
        **fields,
    )
    image.full_clean()
    image.save()
    ImageTag.objects.bulk_create(ImageTag(image=image, key=k, value=v) for k, v in cleaned)
    return image


def _started(image: Image, **detail: object) -> Image:
    note(
        resource_id=image.pk,
        resource_name=image.name,
        detail={"image_type": image.image_type, "status": image.status, **detail},
    )
    enqueue_on_commit(create_image, str(image.pk))
    return image


def image_create_from_disks(
    *,
    project: Project,
    disks: Sequence[DiskSpec],
    image_type: str,
    os_type: str,
    os: str,
    name: str,
    description: str = "",
    tags: Sequence[tuple[str, str]] = (),
    vault: Vault | None = None,
) -> Image:
    """A Creating image of a server's disks; ECS calls it in its own audited transaction.

    `disks` are the system disk first then the data disks for a system disk (only the first
    is used) or full-ECS image, or the one data disk of a data disk image. A full-ECS image
    stores a backup of each disk in `vault`, a server backup vault of the project with room
    for them all; its source is CBR, so it may be shared (D2).
    """
    full_ecs = image_type == Image.ImageType.FULL_ECS
    if image_type != Image.ImageType.DATA:
        _raise(disks_refusal(disks, image_type), "server")
        disks = disks if full_ecs else disks[:1]
    locked_vault = None
    if full_ecs:
        locked_vault = _lock_vault(project, vault)
        required = sum(d.size_gb for d in disks)
        _raise(vault_services.vault_refusal(locked_vault, required_gb=required), "vault")
    image = _new_image(
        project,
        name=name,
        description=description,
        tags=tags,
        kms_key=None,
        image_type=image_type,
        os_type=os_type,
        os=os,
        min_disk_gb=disks[0].size_gb,
        size_gb=sum(d.size_gb for d in disks),
        full_ecs_source=Image.FullEcsSource.CBR if full_ecs else "",
    )
    if locked_vault is None:
        return _started(image)
    stored = vault_services.backups_store(
        vault=locked_vault,
        specs=[vault_services.BackupSpec(f"{name} {d.name}", d.role, d.size_gb) for d in disks],
    )
    ImageBackup.objects.bulk_create(
        ImageBackup(
            image=image,
            role=d.role,
            device=f"/dev/vd{chr(ord('a') + i)}",
            size_gb=d.size_gb,
            vault_backup=backup,
        )
        for i, (d, backup) in enumerate(zip(disks, stored, strict=True))
    )
    return _started(image, vault=locked_vault.name, backups_gb=required)


def _lock_vault(project: Project, vault: Vault | None) -> Vault:
    if vault is None:
        raise ImsError("IMG.0184", _("Select a server backup vault."))
    locked = Vault.objects.for_project(project).select_for_update().filter(pk=vault.pk).first()
    if locked is None:
        raise NotFound("IMG.0184")
    return locked


def _name_resource(kw: dict[str, object]) -> tuple[object, str]:
    return "", str(kw.get("name", ""))


@audited(service="IMS", operation="createImage", resource_type="image", resource=_name_resource)
def image_create_from_file(
    *,
    actor: User,
    project: Project,
    upload: files.PendingFile,
    file_name: str,
    image_type: str,
    name: str,
    os_type: str = Image.OsType.LINUX,
    os: str = DEFAULT_OS,
    min_disk_gb: int | None = None,
    kms_key: Key | None = None,
    description: str = "",
    tags: Sequence[tuple[str, str]] = (),
) -> Image:
    """Register an image file already streamed into the image store (`upload`).

    The file is kept only if this commits; the caller discards it otherwise, so a refused
    registration leaves neither row nor file.
    """
    ensure_can_change(actor)
    if image_type not in MIN_DISK_GB:
        raise InputRefused(_("Select a system disk, data disk or ISO image."), field="image_type")
    _raise(file_name_refusal(file_name, image_type), "file")
    if os_type not in Image.OsType.values:
        _raise(ImsError("IMG.0122"), "os_type")
    if image_type == Image.ImageType.ISO and not os:
        _raise(ImsError("IMG.0166"), "os")
    _raise(min_disk_refusal(image_type, min_disk_gb), "min_disk_gb")
    if image_type == Image.ImageType.ISO and kms_key is not None:
        raise InputRefused(_("ISO images cannot be encrypted."), field="kms_key")
    stored = upload.file
    if stored.size == 0:
        raise ImsError("IMG.0057", _("The file is empty."))
    suffix = PurePosixPath(file_name).suffix.lower().lstrip(".")
    image = _new_image(
        project,
        name=name,
        description=description,
        tags=tags,
        kms_key=kms_key,
        image_type=image_type,
        os_type=os_type,
        os=os,
        min_disk_gb=min_disk_gb,
        size_gb=round(stored.size / 1024**3, 2),
        disk_format=suffix,
        file_name=stored.name,
        file_size=stored.size,
        checksum=stored.md5,
        os_hash_value=stored.sha512,
    )
    upload.keep()
    return _started(image, file=file_name, size=stored.size, md5=stored.md5)


def _finish_resource(kw: dict[str, object]) -> tuple[object, str]:
    return kw["image"].pk, kw["image"].name


@audited(
    service="IMS",
    operation="createImageFinished",
    resource_type="image",
    resource=_finish_resource,
)
def image_creation_finish(
    *, actor: User | None, project: Project, image: Image, failure: str = ""
) -> Image | None:
    """End an image's Creating status: Normal, or Error with the reason.

    An Error image keeps nothing half-made: its vault backups are released and its file
    removed once this commits. An image no longer Creating is left alone.
    """
    locked = Image.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None or locked.status != Image.Status.SAVING:
        return None
    if failure:
        vault_services.backups_release(
            backups=locked.backups.exclude(vault_backup=None).values_list(
                "vault_backup_id", flat=True
            )
        )
        locked.backups.all().delete()
        files.delete_on_commit(locked.file_name)
        locked.file_name = ""
        locked.status = Image.Status.ERROR
        locked.status_reason = str(failure)[:255]
    else:
        locked.status = Image.Status.ACTIVE
    locked.save(update_fields=["status", "status_reason", "file_name"])
    note(
        resource_id=locked.pk,
        resource_name=locked.name,
        detail={"status": locked.status, "reason": locked.status_reason},
    )
    return locked
