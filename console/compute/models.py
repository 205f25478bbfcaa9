"""ECS servers and EVS disks (stand-ins with what the image follow-ups need)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from console.models import DiskRole, Project


class ServerQuerySet(models.QuerySet):
    """ECS server lookups."""

    def for_project(self, project: Project) -> ServerQuerySet:
        """Servers of one project."""
        return self.filter(project=project)


class Server(models.Model):
    """An ECS instance (a stand-in with what the image follow-ups need)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        STOPPED = "stopped", _("Stopped")

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
        # The order of the project's server list, so a page reads its rows only.
        indexes = [models.Index(fields=["project", "-created", "name"], name="server_list")]

    def __str__(self) -> str:
        return self.name


class DiskQuerySet(models.QuerySet):
    """EVS disk lookups."""

    def for_project(self, project: Project) -> DiskQuerySet:
        """Disks of one project."""
        return self.filter(project=project)


class Disk(models.Model):
    """An EVS disk, attached to a server or standalone."""

    Role = DiskRole

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        IN_USE = "in-use", _("In-use")

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
        # The order of the project's disk list, so a page reads its rows only.
        indexes = [models.Index(fields=["project", "-created", "name"], name="disk_list")]
        constraints = [
            models.CheckConstraint(condition=Q(size_gb__gt=0), name="disk_size_positive")
        ]

    def __str__(self) -> str:
        return self.name
