"""CBR vault services: create, expand and delete vaults; store and release backups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import (
    ImsError,
    VaultCapacityInvalid,
    VaultChoiceInvalid,
    VaultHoldsBackups,
    VaultNameInvalid,
    VaultNotFound,
)
from console.models import Project, User
from console.services import ensure_can_change
from vaults.models import Backup, Vault

NAME_RULE = _("1 to 64 characters: letters, digits, underscores (_) and hyphens (-)")
NAME_INVALID = format_lazy(_("Enter a valid vault name: {rule}."), rule=NAME_RULE)


vault_name_validator = RegexValidator(r"\A[A-Za-z0-9_-]{1,64}\Z", NAME_INVALID)


def _ensure_own_project(actor: User, project: Project) -> None:
    # The views scope every lookup to the current project; this guards other callers (API).
    if actor.tenant_id is None or actor.tenant_id != project.tenant_id:
        raise VaultNotFound()


def _ensure_capacity_in_bounds(capacity_gb: int) -> None:
    if not Vault.MIN_CAPACITY_GB <= capacity_gb <= Vault.MAX_CAPACITY_GB:
        raise VaultCapacityInvalid(
            format_lazy(
                _("The capacity must be between {min} and {max} GB."),
                min=Vault.MIN_CAPACITY_GB,
                max=Vault.MAX_CAPACITY_GB,
            )
        )


def _lock(vault: Vault) -> Vault:
    try:
        return Vault.objects.select_for_update().get(pk=vault.pk)
    except Vault.DoesNotExist as exc:
        raise VaultNotFound() from exc


def _vault_resource(kw: dict[str, Any]) -> tuple[object, str]:
    return kw["vault"].vault_id, kw["vault"].name


@audited(
    service="CBR",
    operation=lambda kw: kw["operation"],
    resource_type="vault",
    resource=lambda kw: (
        (kw["vault"].vault_id, kw["vault"].name) if kw.get("vault") else ("", kw.get("name", ""))
    ),
)
def vault_change_check(
    *, actor: User, project: Project, operation: str, vault: Vault | None = None, name: str = ""
) -> None:
    """Refuse a read-only user's vault change before its input is even read; audited."""
    ensure_can_change(actor)


def _used_gb(vault: Vault) -> int:
    return vault.backups.aggregate(total=Coalesce(Sum("size_gb"), 0))["total"]


@audited(
    service="CBR",
    operation="createVault",
    resource_type="vault",
    resource=lambda kw: ("", kw.get("name", "")),
)
def vault_create(
    *,
    actor: User,
    project: Project,
    name: str,
    resource_type: str,
    protection_type: str,
    capacity_gb: int,
) -> Vault:
    """Create a vault in the project; names are unique per project, ignoring case."""
    ensure_can_change(actor)
    _ensure_own_project(actor, project)
    try:
        vault_name_validator(name)
    except ValidationError as exc:
        raise VaultNameInvalid(NAME_INVALID) from exc
    if resource_type not in Vault.ResourceType.values:
        raise VaultChoiceInvalid(
            format_lazy(_("Unknown resource type {value}."), value=repr(resource_type))
        )
    if protection_type not in Vault.ProtectionType.values:
        raise VaultChoiceInvalid(
            format_lazy(_("Unknown protection type {value}."), value=repr(protection_type))
        )
    _ensure_capacity_in_bounds(capacity_gb)
    # Locking the project row serialises vault creation per project, so two requests with
    # the same name cannot both pass the uniqueness check.
    Project.objects.select_for_update().get(pk=project.pk)
    if Vault.objects.for_project(project).filter(name__iexact=name).exists():
        raise VaultNameInvalid(
            format_lazy(_("A vault named {name} already exists in this project."), name=name)
        )
    vault = Vault(
        project=project,
        name=name,
        resource_type=resource_type,
        protection_type=protection_type,
        capacity_gb=capacity_gb,
    )
    vault.full_clean()
    vault.save()
    note(
        resource_id=str(vault.vault_id),
        resource_name=vault.name,
        detail={
            "resource_type": resource_type,
            "protection_type": protection_type,
            "capacity_gb": capacity_gb,
        },
    )
    return vault


@audited(service="CBR", operation="updateVault", resource_type="vault", resource=_vault_resource)
def vault_expand(*, actor: User, vault: Vault, capacity_gb: int) -> Vault:
    """Expand a vault to a larger total capacity; a vault never shrinks."""
    ensure_can_change(actor)
    _ensure_own_project(actor, vault.project)
    locked = _lock(vault)
    if capacity_gb <= locked.capacity_gb:
        raise VaultCapacityInvalid(
            format_lazy(
                _(
                    "The new capacity must be greater than the current capacity "
                    "({current} GB): a vault can only be expanded."
                ),
                current=locked.capacity_gb,
            )
        )
    if capacity_gb > Vault.MAX_CAPACITY_GB:
        raise VaultCapacityInvalid(
            format_lazy(
                _("The capacity cannot exceed {max} GB (the maximum)."), max=Vault.MAX_CAPACITY_GB
            )
        )
    used = _used_gb(locked)
    if capacity_gb < used:
        raise VaultCapacityInvalid(
            format_lazy(
                _("The capacity cannot be less than the used capacity ({used} GB)."), used=used
            )
        )
    previous = locked.capacity_gb
    locked.capacity_gb = capacity_gb
    locked.save(update_fields=["capacity_gb"])
    note(
        resource_id=str(locked.vault_id),
        resource_name=locked.name,
        detail={"capacity_gb": {"from": previous, "to": capacity_gb}},
    )
    return locked


@audited(service="CBR", operation="deleteVault", resource_type="vault", resource=_vault_resource)
def vault_delete(*, actor: User, vault: Vault) -> None:
    """Delete an empty vault; one holding backups of accepted images is refused."""
    ensure_can_change(actor)
    _ensure_own_project(actor, vault.project)
    locked = _lock(vault)
    if locked.backups.exists():
        raise VaultHoldsBackups()
    note(
        resource_id=str(locked.vault_id),
        resource_name=locked.name,
        detail={"capacity_gb": locked.capacity_gb},
    )
    locked.delete()


def vault_refusal(vault: Vault, *, required_gb: int) -> ImsError | None:
    """Why `vault` cannot take full-ECS backups of `required_gb` (D5), or None if it can."""
    if vault.resource_type != Vault.ResourceType.SERVER:
        return ImsError(
            "IMG.0193",
            format_lazy(
                _("{vault} is a {type} vault."),
                vault=vault.name,
                type=vault.get_resource_type_display().lower(),
            ),
        )
    if vault.protection_type != Vault.ProtectionType.BACKUP:
        return ImsError(
            "IMG.0193",
            format_lazy(
                _("{vault} has protection type {type}, not Backup."),
                vault=vault.name,
                type=vault.get_protection_type_display(),
            ),
        )
    if vault.status != Vault.Status.AVAILABLE:
        return ImsError(
            "IMG.0188",
            format_lazy(
                _("{vault} is {status}."),
                vault=vault.name,
                status=vault.get_status_display().lower(),
            ),
        )
    free = vault.free()
    if free < required_gb:
        return ImsError(
            "IMG.0182",
            format_lazy(
                _("{vault} has {free} GB free; {required} GB are required."),
                vault=vault.name,
                free=free,
                required=required_gb,
            ),
        )
    return None


@dataclass(frozen=True)
class BackupSpec:
    """A disk backup to store in a vault: what it is a copy of, its role and size."""

    name: str
    role: str
    size_gb: int


def backups_store(*, vault: Vault, specs: Sequence[BackupSpec]) -> list[Backup]:
    """Store disk backups in a vault the caller locked and checked (`vault_refusal`)."""
    return Backup.objects.bulk_create(
        Backup(
            vault=vault,
            project_id=vault.project_id,
            name=spec.name[:255],
            role=spec.role,
            size_gb=spec.size_gb,
        )
        for spec in specs
    )


def backups_release(*, backups: Backup | Iterable[int]) -> int:
    """Delete stored backups (by primary key), freeing their vaults' capacity; return how many."""
    return Backup.objects.filter(pk__in=backups).delete()[0]
