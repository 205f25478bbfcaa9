"""Recipient side: accepting and rejecting shares (D4–D8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import ImsError
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageBackup, ImageMember, MemberBackup
from vaults import services as vault_services
from vaults.models import Vault


def full_ecs_required_gb(members: Iterable[ImageMember]) -> int:
    """Vault capacity needed to accept these shares: every full-ECS image's disk backups."""
    image_ids = [m.image_id for m in members if m.image.image_type == Image.ImageType.FULL_ECS]
    if not image_ids:
        return 0
    total = ImageBackup.objects.filter(image_id__in=image_ids).aggregate(
        total=Coalesce(Sum("size_gb"), 0)
    )["total"]
    return int(total)


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
        raise ImsError("IMG.0144", _("It may have been deleted or no longer be shared with you."))
    return locked


@dataclass(frozen=True)
class ShareAnswer:
    """What an accept or reject action did."""

    changed: list[ImageMember]
    unchanged: list[ImageMember]


def _answer_resource(kw: dict[str, Any]) -> tuple[object, str]:
    ids = kw.get("member_ids")
    return "", "all pending shares" if ids is None else f"shares {sorted(ids)}"


def _with_images(members: list[ImageMember]) -> None:
    # select_for_update cannot follow nullable joins on PostgreSQL, so images load apart.
    images = Image.objects.in_bulk({m.image_id for m in members})
    for member in members:
        member.image = images[member.image_id]


def _set_status(members: list[ImageMember], status: str, **changes: object) -> None:
    """One UPDATE for the whole batch, whatever its size."""
    now = timezone.now()
    ImageMember.objects.filter(pk__in=[m.pk for m in members]).update(
        status=status, updated=now, **changes
    )
    for member in members:
        member.status, member.updated = status, now
        for name, value in changes.items():
            setattr(member, name, value)


def _store_backups(vault: Vault, members: list[ImageMember]) -> None:
    """Store the disk backups of accepted full-ECS shares in `vault`, linked to each share."""
    sources = list(
        ImageBackup.objects.filter(image__in={m.image_id for m in members}).order_by("pk")
    )
    by_image: dict[object, list[ImageBackup]] = {}
    for source in sources:
        by_image.setdefault(source.image_id, []).append(source)
    pairs = [(m, b) for m in members for b in by_image.get(m.image_id, [])]
    specs = [
        vault_services.BackupSpec(
            name=f"{m.image.name} {b.get_role_display().lower()} {b.device}",
            role=b.role,
            size_gb=b.size_gb,
        )
        for m, b in pairs
    ]
    stored = vault_services.backups_store(vault=vault, specs=specs)
    MemberBackup.objects.bulk_create(
        MemberBackup(backup=backup, member=m, source=b)
        for backup, (m, b) in zip(stored, pairs, strict=True)
    )


def member_backups_release(members: Iterable[ImageMember]) -> None:
    """Release the vault backups that these shares hold (D5)."""
    held = MemberBackup.objects.filter(member__in=[m.pk for m in members])
    vault_services.backups_release(backups=list(held.values_list("backup_id", flat=True)))


@audited(service="IMS", operation="updateMember", resource_type="image", resource=_answer_resource)
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
    _with_images(todo)
    full_ecs = [m for m in todo if m.image.image_type == Image.ImageType.FULL_ECS]
    if full_ecs:
        if vault is None:
            raise ImsError("IMG.0184", _("Select a cloud server backup vault for full-ECS images."))
        if vault.project_id != project.pk:
            raise ImsError("IMG.0184", _("The vault does not belong to this project."))
        locked = Vault.objects.select_for_update().filter(pk=vault.pk).first()
        if locked is None:
            raise ImsError("IMG.0184", _("The vault no longer exists."))
        if refusal := vault_services.vault_refusal(
            locked, required_gb=full_ecs_required_gb(full_ecs)
        ):
            raise refusal
        _store_backups(locked, full_ecs)
        _set_status(full_ecs, ImageMember.Status.ACCEPTED, vault=locked)
    full_ecs_ids = {m.pk for m in full_ecs}
    others = [m for m in todo if m.pk not in full_ecs_ids]
    if others:
        _set_status(others, ImageMember.Status.ACCEPTED, vault=None)
    for member in todo:
        _note_member(project, member)
    changed = {m.pk for m in todo}
    return ShareAnswer(changed=todo, unchanged=[m for m in members if m.pk not in changed])


@audited(service="IMS", operation="updateMember", resource_type="image", resource=_answer_resource)
def shares_reject(*, actor: User, project: Project, member_ids: Iterable[int]) -> ShareAnswer:
    """Reject pending or accepted shares of `project`; their vault backups are released.

    Servers and disks already created from the images are not affected (D8).
    """
    ensure_can_change(actor)
    members = _lock_members(project, member_ids)
    todo = [m for m in members if m.status != ImageMember.Status.REJECTED]
    _with_images(todo)
    if todo:
        member_backups_release(todo)
        _set_status(todo, ImageMember.Status.REJECTED, vault=None)
    for member in todo:
        _note_member(project, member)
    changed = {m.pk for m in todo}
    return ShareAnswer(changed=todo, unchanged=[m for m in members if m.pk not in changed])


def _note_member(project: Project, member: ImageMember) -> None:
    detail = {"status": member.status, "project_id": project.project_id}
    if member.vault is not None:
        detail["vault"] = member.vault.name
    note(resource_id=member.image_id, resource_name=member.image.name, detail=detail)
