"""CBR vaults and the backups they hold."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from console.models import DiskRole, Project

# From this share of its capacity on, a vault's usage bar warns that it is nearly full.
USAGE_HIGH_PERCENT = 80


class VaultQuerySet(models.QuerySet):
    """Vault lookups."""

    def for_project(self, project: Project) -> VaultQuerySet:
        """Vaults of one project."""
        return self.filter(project=project)

    def with_usage(self) -> VaultQuerySet:
        """Annotate `used_gb` and `free_gb` from the backups each vault holds.

        A correlated sum per vault rather than a join grouped over every backup.
        """
        used = (
            Backup.objects.filter(vault=OuterRef("pk"))
            .order_by()
            .values("vault")
            .annotate(total=Sum("size_gb"))
            .values("total")
        )
        return self.annotate(used_gb=Coalesce(Subquery(used), 0)).annotate(
            free_gb=F("capacity_gb") - F("used_gb")
        )


class Vault(models.Model):
    """A CBR vault: storage for backups of one resource type."""

    class ResourceType(models.TextChoices):
        SERVER = "server", _("Cloud server backup")
        DISK = "disk", _("Cloud disk backup")
        SFS = "sfs", _("SFS Turbo backup")

    class ProtectionType(models.TextChoices):
        BACKUP = "backup", _("Backup")
        REPLICATION = "replication", _("Replication")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        LOCKED = "locked", _("Locked")
        ERROR = "error", _("Error")

    MIN_CAPACITY_GB = 10
    MAX_CAPACITY_GB = 10_485_760

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="vaults")
    vault_id = models.UUIDField("vault ID", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64)
    resource_type = models.CharField(max_length=16, choices=ResourceType.choices)
    protection_type = models.CharField(max_length=16, choices=ProtectionType.choices)
    capacity_gb = models.PositiveIntegerField("capacity (GB)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    created = models.DateTimeField(auto_now_add=True)

    objects = VaultQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_gb__gte=10) & Q(capacity_gb__lte=10_485_760),
                name="vault_capacity_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def used(self) -> int:
        """Used capacity in GB (annotated when loaded with `with_usage()`)."""
        if hasattr(self, "used_gb"):
            return self.used_gb
        return self.backups.aggregate(total=Coalesce(Sum("size_gb"), 0))["total"]

    def free(self) -> int:
        """Free capacity in GB."""
        return self.capacity_gb - self.used()

    def usage_percent(self) -> int:
        """Used capacity as a whole percentage of the capacity."""
        return min(100, round(100 * self.used() / self.capacity_gb)) if self.capacity_gb else 0

    @property
    def usage_high(self) -> bool:
        """Whether the usage bar warns: the vault is nearly full."""
        return self.usage_percent() >= USAGE_HIGH_PERCENT


class Backup(models.Model):
    """A disk backup stored in a vault (for instance of an accepted full-ECS image)."""

    Role = DiskRole

    vault = models.ForeignKey(Vault, on_delete=models.RESTRICT, related_name="backups")
    # The vault's project too: deleting the project may then delete the vault with its
    # backups, while a vault alone cannot be deleted while it holds any.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="vault_backups")
    backup_id = models.UUIDField("backup ID", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, help_text="What the backup is a copy of.")
    role = models.CharField(max_length=8, choices=Role.choices)
    size_gb = models.PositiveIntegerField("size (GB)")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size_gb__gt=0), name="backup_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} backup ({self.size_gb} GB)"
