"""CBR vault services: create, expand and delete vaults."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce

from console.errors import ConsoleError
from console.models import Project, User
from console.services import ensure_can_change, trace_record
from vaults.models import Vault

NAME_RULE = "1 to 64 characters: letters, digits, underscores (_) and hyphens (-)"

vault_name_validator = RegexValidator(
    r"\A[A-Za-z0-9_-]{1,64}\Z", f"Enter a valid vault name: {NAME_RULE}."
)


class VaultError(ConsoleError):
    """A refused vault operation; `field` names the form field it concerns, if any."""

    field: str | None = None


class VaultNameInvalid(VaultError):
    """The vault name breaks the naming rule or is already taken in the project."""

    field = "name"


class VaultCapacityInvalid(VaultError):
    """The requested capacity is out of bounds or would shrink the vault."""

    field = "capacity_gb"


class VaultChoiceInvalid(VaultError):
    """An unknown resource type or protection type."""


class VaultHoldsBackups(VaultError):
    """The vault cannot be deleted while it stores backups."""

    default_message = (
        "The vault holds backups of accepted full-ECS images. Reject those images first."
    )


class VaultNotFound(VaultError):
    """The vault does not exist, or it belongs to another tenant."""

    default_message = "The vault does not exist."


def _ensure_own_project(actor: User, project: Project) -> None:
    # The views scope every lookup to the current project; this guards other callers (API).
    if actor.tenant_id is None or actor.tenant_id != project.tenant_id:
        raise VaultNotFound()


def _ensure_capacity_in_bounds(capacity_gb: int) -> None:
    if not Vault.MIN_CAPACITY_GB <= capacity_gb <= Vault.MAX_CAPACITY_GB:
        raise VaultCapacityInvalid(
            f"The capacity must be between {Vault.MIN_CAPACITY_GB} and {Vault.MAX_CAPACITY_GB} GB."
        )


def _lock(vault: Vault) -> Vault:
    try:
        return Vault.objects.select_for_update().get(pk=vault.pk)
    except Vault.DoesNotExist as exc:
        raise VaultNotFound() from exc


def _used_gb(vault: Vault) -> int:
    return vault.backups.aggregate(total=Coalesce(Sum("size_gb"), 0))["total"]


@transaction.atomic
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
        raise VaultNameInvalid(f"Enter a valid vault name: {NAME_RULE}.") from exc
    if resource_type not in Vault.ResourceType.values:
        raise VaultChoiceInvalid(f"Unknown resource type {resource_type!r}.")
    if protection_type not in Vault.ProtectionType.values:
        raise VaultChoiceInvalid(f"Unknown protection type {protection_type!r}.")
    _ensure_capacity_in_bounds(capacity_gb)
    # Locking the project row serialises vault creation per project, so two requests with
    # the same name cannot both pass the uniqueness check.
    Project.objects.select_for_update().get(pk=project.pk)
    if Vault.objects.for_project(project).filter(name__iexact=name).exists():
        raise VaultNameInvalid(f"A vault named {name} already exists in this project.")
    vault = Vault(
        project=project,
        name=name,
        resource_type=resource_type,
        protection_type=protection_type,
        capacity_gb=capacity_gb,
    )
    vault.full_clean()
    vault.save()
    trace_record(
        actor=actor,
        project=project,
        operation="createVault",
        resource_type="vault",
        resource_id=str(vault.vault_id),
        resource_name=vault.name,
        service="CBR",
        detail={
            "resource_type": resource_type,
            "protection_type": protection_type,
            "capacity_gb": capacity_gb,
        },
    )
    return vault


@transaction.atomic
def vault_expand(*, actor: User, vault: Vault, capacity_gb: int) -> Vault:
    """Expand a vault to a larger total capacity; a vault never shrinks."""
    ensure_can_change(actor)
    _ensure_own_project(actor, vault.project)
    locked = _lock(vault)
    if capacity_gb <= locked.capacity_gb:
        raise VaultCapacityInvalid(
            f"The new capacity must be greater than the current capacity "
            f"({locked.capacity_gb} GB): a vault can only be expanded."
        )
    if capacity_gb > Vault.MAX_CAPACITY_GB:
        raise VaultCapacityInvalid(
            f"The capacity cannot exceed {Vault.MAX_CAPACITY_GB} GB (the maximum)."
        )
    used = _used_gb(locked)
    if capacity_gb < used:
        raise VaultCapacityInvalid(
            f"The capacity cannot be less than the used capacity ({used} GB)."
        )
    previous = locked.capacity_gb
    locked.capacity_gb = capacity_gb
    locked.save(update_fields=["capacity_gb"])
    trace_record(
        actor=actor,
        project=vault.project,
        operation="updateVault",
        resource_type="vault",
        resource_id=str(locked.vault_id),
        resource_name=locked.name,
        service="CBR",
        detail={"capacity_gb": {"from": previous, "to": capacity_gb}},
    )
    return locked


@transaction.atomic
def vault_delete(*, actor: User, vault: Vault) -> None:
    """Delete an empty vault; one holding backups of accepted images is refused."""
    ensure_can_change(actor)
    _ensure_own_project(actor, vault.project)
    locked = _lock(vault)
    if locked.backups.exists():
        raise VaultHoldsBackups()
    trace_record(
        actor=actor,
        project=vault.project,
        operation="deleteVault",
        resource_type="vault",
        resource_id=str(locked.vault_id),
        resource_name=locked.name,
        service="CBR",
        detail={"capacity_gb": locked.capacity_gb},
    )
    locked.delete()
