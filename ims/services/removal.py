"""Sharer side: stopping sharing and deleting images (D3, D5, D11; lifecycle §3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, JSONObject
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, constant, note, note_rows
from console.errors import (
    BatchRefused,
    CodedError,
    Conflict,
    ConsoleError,
    Forbidden,
    ImsError,
    ShareProblem,
)
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageBackup, ImageMember, MemberBackup
from ims.services.answers import member_backups_release, uuid_text
from ims.services.sharing import (
    image_resource,
    lock_own_images,
    normalize_project_ids,
)
from vaults import services as vault_services


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


# --- Delete images ---------------------------------------------------------------------


def image_delete_refusal(image: Image, project: Project) -> CodedError | None:
    """Why `project` cannot delete `image`, or None (reference ims-lifecycle §3.1, §3.3).

    A shared image can be deleted: its recipients lose it (D11). An image still being
    created cannot, so that no half-made backup or file is left behind (IMG.0090 decides
    the conflict with the user guide, §11.1 #12).
    """
    if image.is_public:
        return ImsError("IMG.0094")
    if image.owner_id != project.pk:
        return ImsError("IMG.0092")
    if image.status == Image.Status.SAVING:
        return Conflict(
            "IMG.0090",
            _("It is Creating; delete it once it is Normal or Error."),
        )
    if image.protected:
        return Forbidden(
            "IMG.0028",
            _("Set its protected attribute to false first."),
        )
    return None


@dataclass(frozen=True)
class DeleteResult:
    """What a deletion did: the images and the shares that went with them, and the backups
    of full-ECS images released from (or kept in) the owner's vaults."""

    images: list[Image]
    members: list[ImageMember] = field(default_factory=list)
    released_backups: int = 0
    released_gb: int = 0
    kept_backups: int = 0


def _images_resource(kw: dict[str, object]) -> tuple[object, str]:
    images = list(kw["images"])
    if len(images) == 1:
        return images[0].pk, images[0].name
    return "", ", ".join(image.name for image in images)


def _lock_images(project: Project, images: Sequence[Image]) -> list[Image]:
    """Lock the images (in key order); the batch is refused whole if any cannot go."""
    pks = list(dict.fromkeys(image.pk for image in images))
    if not pks:
        raise ImsError("IMG.0086", _("Select one or more images to delete."))
    locked = list(Image.objects.select_for_update().filter(pk__any=pks).order_by("pk"))
    found = {image.pk for image in locked}
    problems = [
        ShareProblem(ImsError("IMG.0144"), str(image.name))
        for image in dict((i.pk, i) for i in images).values()
        if image.pk not in found
    ]
    for image in locked:
        if refusal := image_delete_refusal(image, project):
            problems.append(ShareProblem(refusal, image.name))
    if problems:
        if len(pks) == 1:
            raise problems[0].error
        raise BatchRefused(problems)
    return locked


def _owner_backups(images: list[Image]) -> list[dict[str, object]]:
    """The vault backups the full-ECS images among `images` keep for their owner."""
    full_ecs = [image.pk for image in images if image.image_type == Image.ImageType.FULL_ECS]
    if not full_ecs:
        return []
    return list(
        ImageBackup.objects.filter(image__any=full_ecs, vault_backup__isnull=False).values(
            "image_id", "vault_backup_id", stored_gb=F("vault_backup__size_gb")
        )
    )


@audited(
    service="IMS",
    operation="deleteImage",
    resource_type="image",
    resource=_images_resource,
)
def images_delete(
    *,
    actor: User,
    project: Project,
    images: Sequence[Image],
    delete_backups: bool = False,
) -> DeleteResult:
    """Delete `project`'s images, all or none (D7, D11; lifecycle §3).

    Recipients lose them at once and the backups they left in recipients' vaults are
    released (D5); servers and disks created from them stay (they keep the image name).
    With `delete_backups`, the backups of full-ECS images stored in the owner's server
    backup vaults are released too (the console's "Delete CSBS backups or cloud server
    backups" and the API's `delete_backup`); without it they stay in those vaults. Image
    files leave the store once the deletion commits. A constant number of statements,
    whatever the number of images.
    """
    ensure_can_change(actor)
    locked = _lock_images(project, images)
    pks = [image.pk for image in locked]
    members = _lock_members(locked)
    backups = _owner_backups(locked)
    if delete_backups and backups:
        vault_services.backups_release(backups=[b["vault_backup_id"] for b in backups])
    codes: dict[object, list[str]] = {pk: [] for pk in pks}
    for member in members:
        codes[member.image_id].append(member.project_code)
    for image in locked:
        own = [b for b in backups if b["image_id"] == image.pk]
        detail: dict[str, object] = {"members": codes[image.pk]}
        if own:
            detail["backups"] = "deleted" if delete_backups else "kept"
            detail["backup_gb"] = sum(b["stored_gb"] for b in own)
        note(resource_id=str(image.pk), resource_name=image.name, detail=detail)
    _release_backups(locked, members)
    if members:
        _delete_members(members)
    # Through the ORM: it clears what refers to the images (servers, disks, replicas) and
    # deletes their backups and tags, a few statements whatever their number.
    Image.objects.filter(pk__any=pks).delete()
    total = sum(b["stored_gb"] for b in backups)
    return DeleteResult(
        images=locked,
        members=members,
        released_backups=len(backups) if delete_backups else 0,
        released_gb=total if delete_backups else 0,
        kept_backups=0 if delete_backups else len(backups),
    )


def image_delete(
    *, actor: User, project: Project, image: Image, delete_backups: bool = False
) -> list[ImageMember]:
    """Delete one image (`images_delete`); returns the members it had, with `project_code`."""
    result = images_delete(
        actor=actor, project=project, images=[image], delete_backups=delete_backups
    )
    return result.members
