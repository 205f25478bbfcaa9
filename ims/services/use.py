"""Whether a project may start a follow-up (server, disk, Change OS, replica) from an image."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.errors import ConsoleError, ImsError, InputRefused
from console.kms.models import Key, KeyGrant
from console.models import Project
from ims.models import Image, ImageBackup, ImageMember

# What each follow-up may start from (D9).
USE_IMAGE_TYPES = {
    "server": {Image.ImageType.SYSTEM, Image.ImageType.FULL_ECS},
    "change_os": {Image.ImageType.SYSTEM, Image.ImageType.FULL_ECS},
    "disk": {Image.ImageType.DATA},
    "replicate": {Image.ImageType.SYSTEM, Image.ImageType.DATA},
}


# The image type with its article, as the refusals name it.
IMAGE_KINDS = {
    Image.ImageType.SYSTEM: _("an ECS system disk image"),
    Image.ImageType.DATA: _("an ECS data disk image"),
    Image.ImageType.FULL_ECS: _("a Full-ECS image"),
    Image.ImageType.ISO: _("an ISO image"),
}

WRONG_TYPE = {
    "server": _("Servers are created from system disk and full-ECS images; {image} is {kind}."),
    "change_os": _("Change OS needs a system disk or full-ECS image; {image} is {kind}."),
    "disk": _("Data disks are created from data disk images; {image} is {kind}."),
    "replicate": _("Only system disk and data disk images can be replicated; {image} is {kind}."),
}


def image_use_refusal(
    *,
    project: Project,
    image: Image,
    use: str,
    member_status: str | None = None,
    key_granted: bool | None = None,
) -> ConsoleError | None:
    """Why `project` may not start `use` from `image` now (D8, D9, D10), or None if it may."""
    # The caller passes the share status and grant it read (locked, in services), so a
    # list can decide for every row without a query per row.
    if image.is_public:
        if image.region_id != project.region_id:
            return ImsError("IMG.0144")
        if use == "replicate":
            return InputRefused(
                format_lazy(
                    _("{image} is a public image: it is already available in every project."),
                    image=image.name,
                )
            )
    elif image.owner_id != project.pk:
        if member_status is None:
            return ImsError("IMG.0144", _("It is not shared with this project."))
        if member_status != ImageMember.Status.ACCEPTED:
            code = "IMG.0196" if use == "replicate" else "IMG.0046"
            if member_status == ImageMember.Status.PENDING:
                text = _(
                    "{image} is pending: accept it in the banner of the Images Shared with Me tab."
                )
            else:
                text = _("{image} is rejected: accept it again under Rejected Images.")
            return ImsError(code, format_lazy(text, image=image.name))
    if image.image_type not in USE_IMAGE_TYPES[use]:
        kind = IMAGE_KINDS.get(image.image_type, image.get_image_type_display())
        return InputRefused(format_lazy(WRONG_TYPE[use], image=image.name, kind=kind))
    if use == "replicate" and image.size_gb >= Image.MAX_REPLICATION_GB:
        return InputRefused(
            format_lazy(
                _("The image size must be less than {max} GB; {image} has {size} GB."),
                max=Image.MAX_REPLICATION_GB,
                image=image.name,
                size=image.size_gb,
            )
        )
    if detail := image.unavailable_reason(project.tenant_id, key_granted=key_granted):
        return ImsError("IMG.0046", detail)
    return None


def image_lock_for_use(*, project: Project, image: Image, use: str) -> Image:
    """Lock the image, its share and its key rows, and refuse unless `project` may use it."""
    # The locked member row keeps a share accepted until the follow-up commits; the
    # locked key and grant rows do the same for D10.
    # select_for_update cannot follow nullable joins on PostgreSQL: load the rows apart.
    locked = Image.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise ImsError("IMG.0144", _("It may have been deleted."))
    if locked.owner_id is not None:
        locked.owner = Project.objects.get(pk=locked.owner_id)
    member_status = None
    if locked.owner_id not in (None, project.pk):
        member = ImageMember.objects.select_for_update().filter(image=locked, project=project)
        member_status = next(iter(member.values_list("status", flat=True)), None)
    key_granted = None
    if locked.kms_key_id is not None:
        locked.kms_key = Key.objects.select_for_update().get(pk=locked.kms_key_id)
        grants = KeyGrant.objects.select_for_update().filter(
            key_id=locked.kms_key_id, grantee_id=project.tenant_id
        )
        key_granted = bool(list(grants.values_list("pk", flat=True)))
    refusal = image_use_refusal(
        project=project,
        image=locked,
        use=use,
        member_status=member_status,
        key_granted=key_granted,
    )
    if refusal is not None:
        raise refusal
    return locked


def system_disk_min_gb(image: Image) -> int:
    """The smallest system disk a server from `image` may have (full-ECS: its system backup)."""
    if image.image_type == Image.ImageType.FULL_ECS:
        sizes = image.backups.filter(role=ImageBackup.Role.SYSTEM).values_list("size_gb", flat=True)
        return max(sizes, default=image.min_disk_gb)
    return image.min_disk_gb
