"""Whether a project may start a follow-up (server, disk, Change OS, replica) from an image."""

from __future__ import annotations

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


WRONG_TYPE = {
    "server": "Servers are created from system disk and full-ECS images; {image} is {kind}.",
    "change_os": "Change OS needs a system disk or full-ECS image; {image} is {kind}.",
    "disk": "Data disks are created from data disk images; {image} is {kind}.",
    "replicate": "Only system disk and data disk images can be replicated; {image} is {kind}.",
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
                f"{image.name} is a public image: it is already available in every project."
            )
    elif image.owner_id != project.pk:
        if member_status is None:
            return ImsError("IMG.0144", "It is not shared with this project.")
        if member_status != ImageMember.Status.ACCEPTED:
            code = "IMG.0196" if use == "replicate" else "IMG.0046"
            where = (
                "accept it in the banner of the Images Shared with Me tab"
                if member_status == ImageMember.Status.PENDING
                else "accept it again under Rejected Images"
            )
            return ImsError(
                code, f"{image.name} is {ImageMember.Status(member_status).label.lower()}: {where}."
            )
    if image.image_type not in USE_IMAGE_TYPES[use]:
        kind = image.get_image_type_display()
        article = "an" if kind[0] in "AEIOU" else "a"
        return InputRefused(WRONG_TYPE[use].format(image=image.name, kind=f"{article} {kind}"))
    if use == "replicate" and image.size_gb >= Image.MAX_REPLICATION_GB:
        return InputRefused(
            f"The image size must be less than {Image.MAX_REPLICATION_GB} GB; "
            f"{image.name} has {image.size_gb} GB."
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
        raise ImsError("IMG.0144", "It may have been deleted.")
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
