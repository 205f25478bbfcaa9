"""Tenancy (regions, tenants, projects, users) and the neighbouring services' stand-ins."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from console.ids import hex32_validator, new_hex32

HEX32_SQL = r"^[0-9a-f]{32}$"


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
        return self.name


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
        ADMIN = "admin", "Administrator"
        READONLY = "readonly", "Read-only"

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ADMIN)

    objects = UserManager()

    @property
    def can_change(self) -> bool:
        """Whether the user's role allows changes."""
        return self.role == self.Role.ADMIN


class KeyQuerySet(models.QuerySet):
    """KMS key lookups."""

    def for_project(self, project: Project) -> KeyQuerySet:
        """Keys of one project."""
        return self.filter(project=project)

    def custom(self) -> KeyQuerySet:
        """Customer-managed keys (the default key cannot be granted)."""
        return self.filter(is_default=False)


class Key(models.Model):
    """A KMS key: each project has a default key and may create custom keys."""

    class State(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        PENDING_DELETION = "pending_deletion", "Pending deletion"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keys")
    key_id = models.UUIDField("key ID", default=uuid.uuid4, unique=True, editable=False)
    alias = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ENABLED)
    created = models.DateTimeField(auto_now_add=True)

    objects = KeyQuerySet.as_manager()

    class Meta:
        ordering = ["alias"]
        constraints = [
            models.UniqueConstraint(fields=["project", "alias"], name="key_alias_unique"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_default=True), name="one_default_key"
            ),
        ]

    def __str__(self) -> str:
        return self.alias

    @property
    def usable(self) -> bool:
        """Whether data encrypted with the key can be decrypted now."""
        return self.state == self.State.ENABLED


class KeyGrant(models.Model):
    """A KMS grant letting another tenant use a custom key."""

    class Operation(models.TextChoices):
        DECRYPT_DATAKEY = "decrypt-datakey", "Decrypt Data Key"
        DESCRIBE_KEY = "describe-key", "Describe Key"
        CREATE_DATAKEY = "create-datakey", "Create Data Key"
        ENCRYPT_DATAKEY = "encrypt-datakey", "Encrypt Data Key"

    REQUIRED_FOR_SHARING = frozenset({Operation.DECRYPT_DATAKEY, Operation.DESCRIBE_KEY})

    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="grants")
    grant_id = models.UUIDField("grant ID", default=uuid.uuid4, unique=True, editable=False)
    grantee = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="key_grants")
    operations = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["key", "grantee"], name="one_grant_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.grantee}"

    def clean(self) -> None:
        """A grant must allow what a shared encrypted image needs, and only known operations."""
        operations = set(self.operations or [])
        if unknown := operations - set(self.Operation.values):
            raise ValidationError(
                {"operations": f"Unknown operations: {', '.join(sorted(unknown))}."}
            )
        if missing := self.REQUIRED_FOR_SHARING - operations:
            labels = ", ".join(self.Operation(op).label for op in sorted(missing))
            raise ValidationError({"operations": f"{labels} must be granted."})
        if self.key_id and self.key.is_default:
            raise ValidationError({"key": "A default key cannot be granted to another tenant."})


class ServerQuerySet(models.QuerySet):
    """ECS server lookups."""

    def for_project(self, project: Project) -> ServerQuerySet:
        """Servers of one project."""
        return self.filter(project=project)


class Server(models.Model):
    """An ECS instance (a stand-in with what the image follow-ups need)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="servers")
    server_id = models.UUIDField("server ID", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64)
    image = models.ForeignKey(
        "ims.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="servers"
    )
    image_name = models.CharField(
        max_length=128, help_text="Kept when the image is deleted or no longer shared."
    )
    availability_zone = models.CharField(max_length=32)
    flavor = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    created = models.DateTimeField(auto_now_add=True)

    objects = ServerQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "name"]

    def __str__(self) -> str:
        return self.name


class DiskQuerySet(models.QuerySet):
    """EVS disk lookups."""

    def for_project(self, project: Project) -> DiskQuerySet:
        """Disks of one project."""
        return self.filter(project=project)


class Disk(models.Model):
    """An EVS disk, attached to a server or standalone."""

    class Role(models.TextChoices):
        SYSTEM = "system", "System disk"
        DATA = "data", "Data disk"

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        IN_USE = "in-use", "In-use"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="disks")
    disk_id = models.UUIDField("disk ID", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.DATA)
    size_gb = models.PositiveIntegerField("size (GB)")
    availability_zone = models.CharField(max_length=32)
    server = models.ForeignKey(
        Server, on_delete=models.CASCADE, null=True, blank=True, related_name="disks"
    )
    image = models.ForeignKey(
        "ims.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="disks"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    created = models.DateTimeField(auto_now_add=True)

    objects = DiskQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(size_gb__gt=0), name="disk_size_positive")
        ]

    def __str__(self) -> str:
        return self.name


class MessageQuerySet(models.QuerySet):
    """Notification lookups."""

    def for_project(self, project: Project) -> MessageQuerySet:
        """Messages addressed to one project."""
        return self.filter(project=project)

    def unread(self) -> MessageQuerySet:
        """Messages not read yet."""
        return self.filter(read=False)


class Message(models.Model):
    """A notification to a project, behind the bell in the header."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="messages")
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    read = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title


class TraceQuerySet(models.QuerySet):
    """Audit trail lookups."""

    def for_tenant(self, tenant: Tenant) -> TraceQuerySet:
        """Traces of one tenant."""
        return self.filter(tenant=tenant)


class Trace(models.Model):
    """An audit record of one state change, like Cloud Trace Service."""

    class Result(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="traces")
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="traces"
    )
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="traces"
    )
    user_name = models.CharField(max_length=150, blank=True)
    service = models.CharField(max_length=16, default="IMS")
    operation = models.CharField(max_length=64, db_index=True)
    resource_type = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64, blank=True)
    resource_name = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.SUCCESS)
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TraceQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.resource_name}"
