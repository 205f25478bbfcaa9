"""The audit trail (Cloud Trace Service) and notifications behind the bell."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from console.audit.notifications import rendered
from console.models import Project, Tenant, User


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
    # What the text says, rendered in the reader's language (see notifications.py).
    kind = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    read = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        # The message list pages in this order; the bell counts the unread ones only.
        indexes = [
            models.Index(fields=["project", "created", "id"], name="message_list"),
            models.Index(fields=["project"], condition=Q(read=False), name="message_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    def _shown(self) -> tuple[str, str]:
        return (self.kind and rendered(self.kind, self.params or {})) or (self.title, self.body)

    @property
    def shown_title(self) -> str:
        """The title in the active language."""
        return self._shown()[0]

    @property
    def shown_body(self) -> str:
        """The body in the active language."""
        return self._shown()[1]


class TraceQuerySet(models.QuerySet):
    """Audit trail lookups."""

    def for_tenant(self, tenant: Tenant) -> TraceQuerySet:
        """Traces of one tenant."""
        return self.filter(tenant=tenant)


class Trace(models.Model):
    """An audit record of one state change, like Cloud Trace Service."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")

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
        # The tenant's trace list pages in this order (read backwards).
        indexes = [models.Index(fields=["tenant", "created", "id"], name="trace_list")]

    def __str__(self) -> str:
        return f"{self.operation} {self.resource_name}"
