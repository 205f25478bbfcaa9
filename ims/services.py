"""IMS services: every state change of images and image members goes through here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from console.errors import ConsoleError
from console.ids import HEX32_RE
from console.models import KeyGrant, Project, User
from console.services import ensure_can_change, message_send, trace_record
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


def vault_refusal(vault: Vault, *, required_gb: int, used_gb: int | None = None) -> ImsError | None:
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
    free = vault.capacity_gb - (vault.used() if used_gb is None else used_gb)
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
