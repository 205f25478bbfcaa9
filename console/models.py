"""Tenancy: regions, tenants, projects and users."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from console.ids import hex32_validator, new_hex32

HEX32_SQL = r"^[0-9a-f]{32}$"


class DiskRole(models.TextChoices):
    """What a disk (or a backup of one) is to its server, shared by ECS, EVS, IMS and CBR."""

    SYSTEM = "system", _("System disk")
    DATA = "data", _("Data disk")


# The cloud's region names, so that the catalogue translates them (Region.label).
REGION_NAMES = [gettext_noop("EU-Germany"), gettext_noop("EU-Netherlands")]


class Region(models.Model):
    """A cloud region such as eu-de (EU-Germany)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64, unique=True)
    is_default = models.BooleanField(default=False)
    availability_zones = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_region"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The region's name in the active language: EU-Germany, 欧洲-德国."""
        return gettext(self.name)


class Tenant(models.Model):
    """A cloud account; owns one project per region."""

    name = models.CharField(max_length=64, unique=True)
    account_id = models.CharField(
        "account ID", max_length=32, unique=True, default=new_hex32, validators=[hex32_validator]
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(account_id__regex=HEX32_SQL), name="tenant_account_id_hex32"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(models.QuerySet):
    """Project lookups."""

    def of_tenant(self, tenant: Tenant) -> ProjectQuerySet:
        """Projects of one tenant, by region."""
        return self.filter(tenant=tenant).select_related("region").order_by("region__code")


class Project(models.Model):
    """A tenant's project in one region: the unit everything is scoped to and shared with."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="projects")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="projects")
    project_id = models.CharField(
        "project ID", max_length=32, unique=True, default=new_hex32, validators=[hex32_validator]
    )
    name = models.CharField(max_length=64, help_text="Shown as the project name, e.g. eu-de.")

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["tenant__name", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "region"], name="one_project_per_region"),
            models.CheckConstraint(
                condition=Q(project_id__regex=HEX32_SQL), name="project_id_hex32"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant.name} / {self.name}"


class User(AbstractUser):
    """A console user of one tenant; admins change things, read-only users only look."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        READONLY = "readonly", _("Read-only")

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ADMIN)
    # Chosen in the header and the user menu; empty means "as the browser asks" and UTC.
    language = models.CharField(max_length=16, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    objects = UserManager()

    @property
    def can_change(self) -> bool:
        """Whether the user's role allows changes."""
        return self.role == self.Role.ADMIN
