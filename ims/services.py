"""IMS services: every state change of images and image members goes through here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from console.errors import ConsoleError
from console.ids import HEX32_RE
from console.models import Key, KeyGrant, Project, User
from console.services import (
    InputRefused,
    ensure_can_change,
    image_lock_for_use,
    message_send,
    trace_record,
    trace_refusals,
)
from ims.errors import ImsError
from ims.models import Image, ImageBackup, ImageMember
from vaults.models import Backup, Vault

# --- Recipient side: accepting and rejecting shares -------------------------------------


def full_ecs_required_gb(members: Iterable[ImageMember]) -> int:
    """Vault capacity needed to accept these shares: every full-ECS image's disk backups."""
    image_ids = [m.image_id for m in members if m.image.image_type == Image.ImageType.FULL_ECS]
    if not image_ids:
        return 0
    total = ImageBackup.objects.filter(image_id__in=image_ids).aggregate(
        total=Coalesce(Sum("size_gb"), 0)
    )["total"]
    return int(total)


def vault_refusal(vault: Vault, *, required_gb: int) -> ImsError | None:
    """Why `vault` cannot take full-ECS backups of `required_gb` (D5), or None if it can."""
    if vault.resource_type != Vault.ResourceType.SERVER:
        return ImsError(
            "IMG.0193",
            f"{vault.name} is a {vault.get_resource_type_display().lower()} vault.",
        )
    if vault.protection_type != Vault.ProtectionType.BACKUP:
        return ImsError(
            "IMG.0193",
            f"{vault.name} has protection type {vault.get_protection_type_display()}, not Backup.",
        )
    if vault.status != Vault.Status.AVAILABLE:
        return ImsError("IMG.0188", f"{vault.name} is {vault.get_status_display().lower()}.")
    free = vault.free()
    if free < required_gb:
        return ImsError(
            "IMG.0182", f"{vault.name} has {free} GB free; {required_gb} GB are required."
        )
    return None


def _lock_members(project: Project, member_ids: Iterable[int] | None) -> list[ImageMember]:
    """Lock the project's members, all pending ones when `member_ids` is None."""
    members = ImageMember.objects.for_project(project).select_for_update()
    if member_ids is None:
        members = members.pending()
    else:
        ids = set(member_ids)
        members = members.filter(pk__in=ids)
    # A consistent lock order keeps two batches over the same rows from deadlocking.
    locked = list(members.order_by("pk"))
    if member_ids is not None and len(locked) != len(ids):
        raise ImsError("IMG.0144", "It may have been deleted or no longer be shared with you.")
    return locked


@dataclass(frozen=True)
class ShareAnswer:
    """What an accept or reject action did."""

    changed: list[ImageMember]
    unchanged: list[ImageMember]


def _answer_resource(kw: dict[str, Any]) -> tuple[object, str]:
    ids = kw.get("member_ids")
    return "", "all pending shares" if ids is None else f"shares {sorted(ids)}"


@trace_refusals(
    service="IMS", operation="updateMember", resource_type="image", resource=_answer_resource
)
@transaction.atomic
def shares_accept(
    *,
    actor: User,
    project: Project,
    member_ids: Iterable[int] | None = None,
    vault: Vault | None = None,
) -> ShareAnswer:
    """Accept shares of `project` (every pending one when `member_ids` is None).

    All or nothing: full-ECS images need one server backup vault with room for all of
    their disk backups (D5); the members and the vault are locked while checked (D7).
    """
    ensure_can_change(actor)
    members = _lock_members(project, member_ids)
    todo = [m for m in members if m.status != ImageMember.Status.ACCEPTED]
    # select_for_update cannot follow nullable joins on PostgreSQL, so images load apart.
    images = Image.objects.in_bulk([m.image_id for m in todo])
    for member in todo:
        member.image = images[member.image_id]
    full_ecs = [m for m in todo if m.image.image_type == Image.ImageType.FULL_ECS]
    if full_ecs:
        if vault is None:
            raise ImsError("IMG.0184", "Select a cloud server backup vault for full-ECS images.")
        if vault.project_id != project.pk:
            raise ImsError("IMG.0184", "The vault does not belong to this project.")
        vault = Vault.objects.select_for_update().get(pk=vault.pk)
        if refusal := vault_refusal(vault, required_gb=full_ecs_required_gb(full_ecs)):
            raise refusal
        sources = ImageBackup.objects.filter(image__in=[m.image_id for m in full_ecs])
        by_image: dict[object, list[ImageBackup]] = {}
        for source in sources:
            by_image.setdefault(source.image_id, []).append(source)
        Backup.objects.bulk_create(
            Backup(vault=vault, member=m, source=b, role=b.role, size_gb=b.size_gb)
            for m in full_ecs
            for b in by_image.get(m.image_id, [])
        )
    now = timezone.now()
    for member in todo:
        member.status = ImageMember.Status.ACCEPTED
        member.vault = vault if member in full_ecs else None
        member.updated = now
    ImageMember.objects.bulk_update(todo, ["status", "vault", "updated"])
    for member in todo:
        _trace_member(actor, project, member, vault=member.vault)
    return ShareAnswer(changed=todo, unchanged=[m for m in members if m not in todo])


@trace_refusals(
    service="IMS", operation="updateMember", resource_type="image", resource=_answer_resource
)
@transaction.atomic
def shares_reject(*, actor: User, project: Project, member_ids: Iterable[int]) -> ShareAnswer:
    """Reject pending or accepted shares of `project`; their vault backups are released.

    Servers and disks already created from the images are not affected (D8).
    """
    ensure_can_change(actor)
    members = _lock_members(project, member_ids)
    todo = [m for m in members if m.status != ImageMember.Status.REJECTED]
    images = Image.objects.in_bulk([m.image_id for m in todo])
    for member in todo:
        member.image = images[member.image_id]
    Backup.objects.filter(member__in=todo).delete()
    now = timezone.now()
    for member in todo:
        member.status = ImageMember.Status.REJECTED
        member.vault = None
        member.updated = now
    ImageMember.objects.bulk_update(todo, ["status", "vault", "updated"])
    for member in todo:
        _trace_member(actor, project, member)
    return ShareAnswer(changed=todo, unchanged=[m for m in members if m not in todo])


def _trace_member(
    actor: User, project: Project, member: ImageMember, *, vault: Vault | None = None
) -> None:
    detail = {"status": member.status, "project_id": project.project_id}
    if vault is not None:
        detail["vault"] = vault.name
    trace_record(
        actor=actor,
        project=project,
        operation="updateMember",
        resource_type="image",
        resource_id=str(member.image_id),
        resource_name=member.image.name,
        detail=detail,
    )


# --- Replicating an own or accepted shared image (D9) -----------------------------------

IMAGE_NAME_RULE = (
    "1 to 128 characters: letters, digits, spaces, underscores (_), hyphens (-) and periods "
    "(.), not starting or ending with a space"
)
IMAGE_NAME_RE = re.compile(r"\A(?! )[A-Za-z0-9_. -]{1,128}(?<! )\Z")


@trace_refusals(
    service="IMS",
    operation="copyImage",
    resource_type="image",
    resource=lambda kw: (kw["image"].pk, kw["image"].name),
)
@transaction.atomic
def image_replicate(
    *,
    actor: User,
    project: Project,
    image: Image,
    name: str,
    description: str = "",
    kms_key: Key | None = None,
) -> Image:
    """Copy an own or accepted shared image into a new private image of `project`.

    The copy is independent of the source; an encrypted source is re-keyed with the
    project's own custom key, so revoking the owner's grant later does not affect it (D10).
    """
    ensure_can_change(actor)
    if not IMAGE_NAME_RE.match(name or ""):
        raise InputRefused(f"Enter a valid image name: {IMAGE_NAME_RULE}.", field="name")
    if len(description or "") > 1024:
        raise InputRefused("The description may have at most 1024 characters.", field="description")
    source = image_lock_for_use(project=project, image=image, use="replicate")
    key = None
    if source.encrypted:
        if kms_key is None:
            raise InputRefused(
                f"{source.name} is encrypted: select a KMS key of your own for the copy.",
                field="kms_key",
            )
        key = Key.objects.for_project(project).select_for_update().filter(pk=kms_key.pk).first()
        if key is None:
            raise InputRefused("The KMS key does not belong to this project.", field="kms_key")
        if key.is_default:
            raise InputRefused(
                "Select one of your custom keys: the default key cannot encrypt the copy.",
                field="kms_key",
            )
        if key.state != Key.State.ENABLED:
            raise InputRefused(
                f"{key.alias} is {key.get_state_display().lower()}: select an enabled key.",
                field="kms_key",
            )
    elif kms_key is not None:
        raise InputRefused(
            f"{source.name} is not encrypted, so its copy is not encrypted either.",
            field="kms_key",
        )
    copy = Image(
        region_id=project.region_id,
        owner=project,
        name=name,
        image_type=source.image_type,
        os_type=source.os_type,
        os=source.os,
        status=Image.Status.ACTIVE,
        min_disk_gb=source.min_disk_gb,
        size_gb=source.size_gb,
        kms_key=key,
        source_image=source,
        description=description or "",
    )
    copy.full_clean()
    copy.save()
    trace_record(
        actor=actor,
        project=project,
        operation="copyImage",
        resource_type="image",
        resource_id=copy.pk,
        resource_name=copy.name,
        detail={
            "source_image_id": str(source.pk),
            "source_image_name": source.name,
            "kms_key": key.alias if key else None,
        },
    )
    return copy


# --- Sharer side: sharing, stopping sharing, deleting images -----------------------------

MAX_PROJECT_IDS_PER_SHARE = 100


def normalize_project_ids(project_ids: Iterable[str]) -> list[str]:
    """Project IDs as entered: trimmed, lowercase, without blanks or repeats, in order."""
    cleaned = (str(pid).strip().lower() for pid in project_ids)
    return list(dict.fromkeys(pid for pid in cleaned if pid))


def _shown_id(project_id: str) -> str:
    return project_id if len(project_id) <= 40 else f"{project_id[:40]}…"


@dataclass(frozen=True)
class ShareProblem:
    """One reason a share submission was refused, and the project ID or image it concerns."""

    error: ConsoleError
    subject: str
    project_id: str = ""

    def __str__(self) -> str:
        return f"{self.subject}: {self.error}"


class ShareRefused(ConsoleError):
    """A share submission with problems (D2): nothing was shared; `problems` names each one."""

    def __init__(self, problems: list[ShareProblem]) -> None:
        self.problems = problems
        super().__init__(" ".join(f"{p}" for p in problems))


@dataclass(frozen=True)
class ShareResult:
    """What a share submission did.

    `added` holds the new pending members, including `reshared` ones that had been rejected
    (D3); `already_shared` the pending or accepted ones left unchanged; `notified` the
    recipient projects that got a message.
    """

    added: list[ImageMember] = field(default_factory=list)
    reshared: list[ImageMember] = field(default_factory=list)
    already_shared: list[ImageMember] = field(default_factory=list)
    notified: list[Project] = field(default_factory=list)


def image_share_refusal(image: Image, project: Project | None = None) -> ImsError | None:
    """Why `image` cannot be shared by `project` at all (D2), or None.

    Key grants depend on the recipient and are checked by `image_share`.
    """
    if image.is_public:
        return ImsError("IMG.0089")
    if project is not None and image.owner_id != project.pk:
        return ImsError("IMG.0047")
    if image.image_type == Image.ImageType.ISO:
        return ImsError("IMG.0046", "ISO images cannot be shared.")
    if image.status != Image.Status.ACTIVE:
        return ImsError(
            "IMG.0046",
            f"Its status is {image.get_status_display()}; only images in Normal status "
            "can be shared.",
        )
    if image.kms_key_id:
        key = image.kms_key
        if key.is_default:
            return ImsError(
                "IMG.0098",
                "It is encrypted with the default key, which cannot be granted to other "
                "tenants. Replicate it to an unencrypted image or one encrypted with a custom "
                "key, then share that.",
            )
        if not key.usable:
            return ImsError(
                "IMG.0046", f"Its KMS key {key.alias} is {key.get_state_display().lower()}."
            )
    if (
        image.image_type == Image.ImageType.FULL_ECS
        and image.full_ecs_source != Image.FullEcsSource.CBR
    ):
        return ImsError(
            "IMG.0135",
            f"It was created from a {image.get_full_ecs_source_display()}; only full-ECS "
            "images created from CBR backups can be shared.",
        )
    return None


def _grants_for_sharing(images: list[Image], tenant_ids: set[int]) -> set[tuple[int, int]]:
    """(key, tenant) pairs whose grant allows what a shared encrypted image needs."""
    key_ids = {image.kms_key_id for image in images if image.kms_key_id}
    if not key_ids or not tenant_ids:
        return set()
    grants = KeyGrant.objects.filter(key_id__in=key_ids, grantee_id__in=tenant_ids)
    return {
        (grant.key_id, grant.grantee_id)
        for grant in grants
        if KeyGrant.REQUIRED_FOR_SHARING <= set(grant.operations or [])
    }


def _images_phrase(images: list[Image]) -> str:
    return f"{len(images)} image{'s' if len(images) != 1 else ''}"


def _share_resource(kw: dict[str, Any]) -> tuple[object, str]:
    images = list(kw.get("images") or [])
    if len(images) == 1:
        return images[0].pk, images[0].name
    return "", ", ".join(image.name for image in images)


@trace_refusals(
    service="IMS", operation="addMember", resource_type="image", resource=_share_resource
)
@transaction.atomic
def image_share(
    *, actor: User, project: Project, images: Iterable[Image], project_ids: Sequence[str]
) -> ShareResult:
    """Share `project`'s images with other projects of the same region (D1–D3).

    The submission is validated as a whole: if any project ID or image is refused, nothing
    is shared and `ShareRefused` names every problem. Each recipient project gets one message.
    """
    ensure_can_change(actor)
    ids = normalize_project_ids(project_ids)
    if not ids:
        raise ConsoleError("Enter one or more project IDs.")
    if len(ids) > MAX_PROJECT_IDS_PER_SHARE:
        raise ConsoleError(
            f"Enter at most {MAX_PROJECT_IDS_PER_SHARE} project IDs at a time; "
            f"{len(ids)} were entered."
        )
    image_pks = list(dict.fromkeys(image.pk for image in images))
    if not image_pks:
        raise ImsError("IMG.0086")
    # The images stay locked until the members are written, so two submissions for the
    # same image queue up instead of both passing the recipient limit (D7); a fixed lock
    # order keeps them from deadlocking.
    locked = list(
        Image.objects.select_for_update(of=("self",))
        .select_related("kms_key")
        .filter(pk__in=image_pks)
        .order_by("pk")
    )
    if len(locked) != len(image_pks):
        raise ImsError("IMG.0144")

    problems: list[ShareProblem] = []
    shareable: list[Image] = []
    for image in locked:
        if refusal := image_share_refusal(image, project):
            problems.append(ShareProblem(refusal, f"Image {image.name}"))
        else:
            shareable.append(image)

    found = {
        p.project_id: p
        for p in Project.objects.filter(
            project_id__in=[pid for pid in ids if HEX32_RE.match(pid)]
        ).select_related("tenant")
    }
    recipients: list[Project] = []
    for pid in ids:
        subject = f"Project ID {_shown_id(pid)}"
        target = found.get(pid)
        if not HEX32_RE.match(pid):
            error = ImsError(
                "IMG.0067", "A project ID has 32 characters: digits 0-9 and letters a-f."
            )
        elif target is None or target.region_id != project.region_id:
            # A project of another region is reported exactly like a missing one (D1).
            error = ImsError("IMG.0108")
        elif target.tenant_id == project.tenant_id:
            error = ImsError("IMG.0076")
        else:
            recipients.append(target)
            continue
        problems.append(ShareProblem(error, subject, pid))

    encrypted = [image for image in shareable if image.kms_key_id]
    granted = _grants_for_sharing(encrypted, {r.tenant_id for r in recipients})
    for target in recipients:
        for image in encrypted:
            if (image.kms_key_id, target.tenant_id) not in granted:
                error = ImsError(
                    "IMG.0099",
                    f"Image {image.name} is encrypted with KMS key {image.kms_key.alias}, "
                    "which is not granted to this project's account (Decrypt Data Key and "
                    "Describe Key are required).",
                )
                problems.append(
                    ShareProblem(error, f"Project ID {target.project_id}", target.project_id)
                )

    members = list(ImageMember.objects.select_for_update().filter(image__in=locked).order_by("pk"))
    current: dict[object, dict[int, ImageMember]] = {image.pk: {} for image in locked}
    for member in members:
        current[member.image_id][member.project_id] = member
    for image in shareable:
        new = [r for r in recipients if r.pk not in current[image.pk]]
        total = len(current[image.pk]) + len(new)
        if total > image.max_members:
            full_ecs = image.image_type == Image.ImageType.FULL_ECS
            kind = "a full-ECS image" if full_ecs else "a system or data disk image"
            error = ConsoleError(
                f"The recipient limit would be exceeded: {kind} can be shared with at most "
                f"{image.max_members} projects. It has {len(current[image.pk])} and this "
                f"submission would add {len(new)}."
            )
            problems.append(ShareProblem(error, f"Image {image.name}"))
    if problems:
        raise ShareRefused(problems)

    now = timezone.now()
    created: list[ImageMember] = []
    reshared: list[ImageMember] = []
    already: list[ImageMember] = []
    per_recipient: dict[int, list[Image]] = {}
    for image in locked:
        for target in recipients:
            member = current[image.pk].get(target.pk)
            if member is None:
                member = ImageMember(image=image, project=target)
                created.append(member)
            elif member.status == ImageMember.Status.REJECTED:
                member.status = ImageMember.Status.PENDING
                member.vault = None
                member.updated = now
                reshared.append(member)
            else:
                member.image, member.project = image, target
                already.append(member)
                continue
            per_recipient.setdefault(target.pk, []).append(image)
    ImageMember.objects.bulk_create(created)
    ImageMember.objects.bulk_update(reshared, ["status", "vault", "updated"])
    for member in created + reshared:
        detail = {"project_id": member.project.project_id, "status": member.status}
        if member in reshared:
            detail["previous_status"] = ImageMember.Status.REJECTED
        trace_record(
            actor=actor,
            project=project,
            operation="addMember",
            resource_type="image",
            resource_id=str(member.image_id),
            resource_name=member.image.name,
            detail=detail,
        )

    notified = [target for target in recipients if target.pk in per_recipient]
    for target in notified:
        shared = per_recipient[target.pk]
        names = ", ".join(sorted(image.name for image in shared))
        them = "them" if len(shared) > 1 else "it"
        message_send(
            project=target,
            title=f"{project.tenant.name} shared {_images_phrase(shared)} with you",
            body=(
                f"{'Images' if len(shared) > 1 else 'Image'}: {names}. To use {them}, accept "
                f"{them} on the Images Shared with Me tab of the Image Management Service "
                f"in {project.region.name}."
            ),
        )
    return ShareResult(
        added=created + reshared, reshared=reshared, already_shared=already, notified=notified
    )


def _lock_own_image(project: Project, image: Image, *, code: str) -> Image:
    """Lock `image`; refuse with `code` unless `project` owns it."""
    locked = Image.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise ImsError("IMG.0144")
    if locked.owner_id != project.pk:
        raise ImsError(code)
    return locked


def _trace_member_deleted(
    actor: User, project: Project, image: Image, member: ImageMember, released_gb: int
) -> None:
    trace_record(
        actor=actor,
        project=project,
        operation="deleteMember",
        resource_type="image",
        resource_id=str(image.pk),
        resource_name=image.name,
        detail={
            "project_id": member.project.project_id,
            "status": member.status,
            "released_backup_gb": released_gb,
        },
    )


@trace_refusals(
    service="IMS",
    operation="deleteMember",
    resource_type="image",
    resource=lambda kw: (kw["image"].pk, kw["image"].name),
)
@transaction.atomic
def image_members_delete(
    *, actor: User, project: Project, image: Image, project_ids: Sequence[str]
) -> list[ImageMember]:
    """Stop sharing `image` with projects (D3, D11); returns the deleted members.

    The recipients lose the image at once and without notice; the backups a full-ECS image
    left in their vaults go with the members (D5). Servers and disks stay.
    """
    ensure_can_change(actor)
    locked = _lock_own_image(project, image, code="IMG.0047")
    ids = normalize_project_ids(project_ids)
    if not ids:
        raise ConsoleError("Select at least one project to stop sharing with.")
    members = list(
        ImageMember.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(image=locked, project__project_id__in=ids)
        .order_by("pk")
    )
    missing = set(ids) - {m.project.project_id for m in members}
    if missing:
        raise ConsoleError(
            f"Image {locked.name} is not shared with {', '.join(sorted(missing))}. "
            "Nothing was changed."
        )
    released = dict(
        Backup.objects.filter(member__in=members)
        .order_by()
        .values("member")
        .annotate(total=Sum("size_gb"))
        .values_list("member", "total")
    )
    for member in members:
        _trace_member_deleted(actor, project, locked, member, released.get(member.pk, 0))
    ImageMember.objects.filter(pk__in=[m.pk for m in members]).delete()
    return members


@trace_refusals(
    service="IMS",
    operation="deleteImage",
    resource_type="image",
    resource=lambda kw: (kw["image"].pk, kw["image"].name),
)
@transaction.atomic
def image_delete(*, actor: User, project: Project, image: Image) -> list[ImageMember]:
    """Delete `project`'s image (D11); returns the members it had.

    Recipients lose it at once, the backups it left in their vaults are released, and
    servers and disks created from it stay (they keep the image name).
    """
    ensure_can_change(actor)
    locked = _lock_own_image(project, image, code="IMG.0092")
    members = list(
        ImageMember.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(image=locked)
        .order_by("pk")
    )
    trace_record(
        actor=actor,
        project=project,
        operation="deleteImage",
        resource_type="image",
        resource_id=str(locked.pk),
        resource_name=locked.name,
        detail={"members": [m.project.project_id for m in members]},
    )
    locked.delete()
    return members
