"""Recipient side: accepting and rejecting shares (D4–D8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, F, Func, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, constant, note_rows
from console.errors import ImsError
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageBackup, ImageMember, MemberBackup
from vaults import services as vault_services
from vaults.models import Vault


def full_ecs_required_gb(members: Iterable[ImageMember]) -> int:
    """Vault capacity needed to accept these shares: every full-ECS image's disk backups."""
    return _required_gb(
        [m.image_id for m in members if m.image.image_type == Image.ImageType.FULL_ECS]
    )


def _required_gb(image_ids: list[object]) -> int:
    if not image_ids:
        return 0
    total = ImageBackup.objects.filter(image_id__in=image_ids).aggregate(
        total=Coalesce(Sum("size_gb"), 0)
    )["total"]
    return int(total)


def _of_image(field: str) -> Subquery:
    """A column of the member's image, looked up by its key rather than joined.

    Joined, SQLite's planner (with statistics) may scan every image and probe the batch's
    ID list for each: seconds for a batch of thousands instead of milliseconds.
    """
    return Subquery(Image.objects.filter(pk=OuterRef("image_id")).values(field)[:1])


def _lock_members(project: Project, member_ids: Iterable[int] | None) -> list[ImageMember]:
    """Lock the project's members, all pending ones when `member_ids` is None.

    One query whatever their number; each member carries its image's `image_name` and
    `image_type` (the images themselves are not loaded, nor locked).
    """
    members = (
        ImageMember.objects.for_project(project)
        .select_for_update(of=("self",))
        .annotate(image_name=_of_image("name"), image_type=_of_image("image_type"))
    )
    if member_ids is None:
        members = members.pending()
    else:
        ids = set(member_ids)
        members = members.filter(pk__any=ids)
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


def _set_status(members: list[ImageMember], status: str, **changes: object) -> None:
    """One UPDATE for the whole batch, whatever its size."""
    now = timezone.now()
    ImageMember.objects.filter(pk__any=[m.pk for m in members]).update(
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
            name=f"{m.image_name} {b.get_role_display().lower()} {b.device}",
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
    """Release the vault backups that these shares hold (D5), and unlink them.

    Two statements whatever their number: the backups, then the links to them; none when
    no share is of a full-ECS image, the only kind that stores backups on accepting.
    A member that does not carry its image's `image_type` is released like a full-ECS one.
    """
    full_ecs = Image.ImageType.FULL_ECS
    ids = [m.pk for m in members if getattr(m, "image_type", full_ecs) == full_ecs]
    if not ids:
        return
    links = MemberBackup.objects.filter(member__any=ids)
    vault_services.backups_release(backups=links.values_list("backup_id", flat=True))
    links.delete()


def uuid_text(field: str) -> Func:
    """A UUID column as text the way Python writes it (`str(uuid)`), on any database."""
    text = Cast(field, CharField())
    if connection.vendor == "postgresql":
        return text
    # Stored as 32 hex digits elsewhere: put the hyphens in.
    parts = [
        Substr(text, start, size) for start, size in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    ]
    dashed = [parts[0]]
    for part in parts[1:]:
        dashed += [constant("-"), part]
    return Concat(*dashed, output_field=CharField())


def _note_members(project: Project, members: list[ImageMember], *, vault: Vault | None) -> None:
    """One trace per member, as it is after the change, written set-based at commit."""
    if not members:
        return
    detail = {"status": F("status"), "project_id": constant(project.project_id)}
    if vault is not None:
        detail["vault"] = constant(vault.name)
    note_rows(
        ImageMember.objects.filter(pk__any=[m.pk for m in members]),
        resource_id=uuid_text("image_id"),
        resource_name=_of_image("name"),
        detail=JSONObject(**detail),
    )


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
    A constant number of statements whatever the number of shares.
    """
    ensure_can_change(actor)
    members = _lock_members(project, member_ids)
    todo = [m for m in members if m.status != ImageMember.Status.ACCEPTED]
    full_ecs = [m for m in todo if m.image_type == Image.ImageType.FULL_ECS]
    others = [m for m in todo if m.image_type != Image.ImageType.FULL_ECS]
    if full_ecs:
        if vault is None:
            raise ImsError("IMG.0184", _("Select a cloud server backup vault for full-ECS images."))
        if vault.project_id != project.pk:
            raise ImsError("IMG.0184", _("The vault does not belong to this project."))
        locked = Vault.objects.select_for_update().filter(pk=vault.pk).first()
        if locked is None:
            raise ImsError("IMG.0184", _("The vault no longer exists."))
        required = _required_gb([m.image_id for m in full_ecs])
        if refusal := vault_services.vault_refusal(locked, required_gb=required):
            raise refusal
        _store_backups(locked, full_ecs)
        _set_status(full_ecs, ImageMember.Status.ACCEPTED, vault=locked)
        _note_members(project, full_ecs, vault=locked)
    if others:
        _set_status(others, ImageMember.Status.ACCEPTED, vault=None)
        _note_members(project, others, vault=None)
    changed = {m.pk for m in todo}
    return ShareAnswer(changed=todo, unchanged=[m for m in members if m.pk not in changed])


@audited(service="IMS", operation="updateMember", resource_type="image", resource=_answer_resource)
def shares_reject(*, actor: User, project: Project, member_ids: Iterable[int]) -> ShareAnswer:
    """Reject pending or accepted shares of `project`; their vault backups are released.

    Servers and disks already created from the images are not affected (D8). A constant
    number of statements whatever the number of shares.
    """
    ensure_can_change(actor)
    members = _lock_members(project, member_ids)
    todo = [m for m in members if m.status != ImageMember.Status.REJECTED]
    if todo:
        member_backups_release(todo)
        _set_status(todo, ImageMember.Status.REJECTED, vault=None)
        _note_members(project, todo, vault=None)
    changed = {m.pk for m in todo}
    return ShareAnswer(changed=todo, unchanged=[m for m in members if m.pk not in changed])
