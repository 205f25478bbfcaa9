"""Sharer side: stopping sharing and deleting images (D3, D5, D11)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, JSONObject
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, constant, note, note_rows
from console.errors import ConsoleError
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageMember, MemberBackup
from ims.services.answers import member_backups_release, uuid_text
from ims.services.glance import protected_refusal
from ims.services.sharing import (
    image_resource,
    lock_own_image,
    lock_own_images,
    normalize_project_ids,
)


def _lock_members(images: Sequence[Image], **lookups: object) -> list[ImageMember]:
    """Lock the images' members (in key order), each with its recipient's `project_code`."""
    members = ImageMember.objects.select_for_update(of=("self",)).filter(
        image__in=images, **lookups
    )
    return list(members.annotate(project_code=F("project__project_id")).order_by("pk"))


def _delete_members(members: list[ImageMember]) -> None:
    """Delete shares whose backups were released: one DELETE, whatever their number.

    `QuerySet.delete()` would read the rows back and delete them a hundred at a time to
    cascade to their backup links, which are gone already.
    """
    rows = ImageMember.objects.filter(pk__any=[m.pk for m in members])
    rows._raw_delete(rows.db)


def _release_backups(images: Sequence[Image], members: list[ImageMember]) -> None:
    types = {image.pk: image.image_type for image in images}
    for member in members:
        member.image_type = types[member.image_id]
    member_backups_release(members)


def _note_members_deleted(images: Sequence[Image], members: list[ImageMember]) -> None:
    """One trace per share about to go, with the backup capacity it releases: one INSERT."""
    released = (
        MemberBackup.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(total=Sum("backup__size_gb"))
        .values("total")
    )
    full_ecs = any(image.image_type == Image.ImageType.FULL_ECS for image in images)
    if len(images) == 1:
        resource_id, resource_name = constant(str(images[0].pk)), constant(images[0].name)
    else:
        resource_id = uuid_text("image_id")
        resource_name = Subquery(Image.objects.filter(pk=OuterRef("image_id")).values("name"))
    note_rows(
        ImageMember.objects.filter(pk__any=[m.pk for m in members]),
        resource_id=resource_id,
        resource_name=resource_name,
        detail=JSONObject(
            project_id=F("project__project_id"),
            status=F("status"),
            released_backup_gb=Coalesce(Subquery(released), 0) if full_ecs else constant(0),
        ),
        now=True,
    )


def _members_delete(
    project: Project, images: Sequence[Image], project_ids: Sequence[str]
) -> list[ImageMember]:
    """Stop sharing `images` with projects, all or nothing, in the lock order (see
    ims/services/__init__.py): the images, then their shares, then the backups."""
    locked = lock_own_images(project, images, code="IMG.0047")
    ids = normalize_project_ids(project_ids)
    if not ids:
        raise ConsoleError(_("Select at least one project to stop sharing with."))
    members = _lock_members(locked, project__project_id__any=ids)
    shared_with: dict[object, set[str]] = {image.pk: set() for image in locked}
    for member in members:
        shared_with[member.image_id].add(member.project_code)
    for image in locked:
        if missing := set(ids) - shared_with[image.pk]:
            raise ConsoleError(
                format_lazy(
                    _("Image {image} is not shared with {projects}. Nothing was changed."),
                    image=image.name,
                    projects=", ".join(sorted(missing)),
                )
            )
    _note_members_deleted(locked, members)
    _release_backups(locked, members)
    _delete_members(members)
    return members


@audited(
    service="IMS",
    operation="deleteMember",
    resource_type="image",
    resource=image_resource,
)
def image_members_delete(
    *, actor: User, project: Project, image: Image, project_ids: Sequence[str]
) -> list[ImageMember]:
    """Stop sharing `image` with projects (D3, D11); returns the deleted members.

    The recipients lose the image at once and without notice; the backups a full-ECS image
    left in their vaults go with the members (D5). Servers and disks stay. Each member
    carries its recipient's `project_code`; the projects themselves are not loaded.
    """
    ensure_can_change(actor)
    return _members_delete(project, [image], project_ids)


@audited(
    service="IMS",
    operation="deleteMember",
    resource_type="image",
    resource=lambda kw: ("", ", ".join(image.name for image in kw["images"])),
)
def images_members_delete(
    *, actor: User, project: Project, images: Sequence[Image], project_ids: Sequence[str]
) -> list[ImageMember]:
    """Stop sharing several images with the same projects, like `image_members_delete`.

    All or nothing: an image not shared with one of the projects refuses the lot (D7). A
    constant number of statements whatever the number of images and shares.
    """
    ensure_can_change(actor)
    return _members_delete(project, images, project_ids)


@audited(
    service="IMS",
    operation="deleteImage",
    resource_type="image",
    resource=image_resource,
)
def image_delete(*, actor: User, project: Project, image: Image) -> list[ImageMember]:
    """Delete `project`'s image (D11); returns the members it had (see `_lock_members`).

    Recipients lose it at once, the backups it left in their vaults are released, and
    servers and disks created from it stay (they keep the image name).
    """
    ensure_can_change(actor)
    locked = lock_own_image(project, image, code="IMG.0092")
    if refused := protected_refusal(locked):
        raise refused
    members = _lock_members([locked])
    note(
        resource_id=str(locked.pk),
        resource_name=locked.name,
        detail={"members": [m.project_code for m in members]},
    )
    _release_backups([locked], members)
    _delete_members(members)
    locked.delete()
    return members
