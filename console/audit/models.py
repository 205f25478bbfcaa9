"""The audit trail (Cloud Trace Service) and notifications behind the bell."""

from __future__ import annotations

from django.db import connections, models
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

    def kinds(self, tenant_id: int) -> list[tuple[str, str]]:
        """The distinct (service, operation) pairs of a tenant's traces, in order.

        A loose index scan on `trace_kinds`: one probe of the index per pair, however many
        traces the tenant has (a DISTINCT would read every one).
        """
        table = Trace._meta.db_table
        # Each step is a MIN() over an index prefix: the next service of the same operation,
        # else the first service of the next operation.
        next_service = (
            f"(SELECT MIN(service) FROM {table} WHERE tenant_id = %s"
            " AND operation = k.operation AND service > k.service)"
        )
        next_operation = (
            f"(SELECT MIN(operation) FROM {table} WHERE tenant_id = %s AND operation > k.operation)"
        )
        sql = f"""
            WITH RECURSIVE kinds(operation, service) AS (
                SELECT first.operation, (
                    SELECT MIN(service) FROM {table}
                    WHERE tenant_id = %s AND operation = first.operation
                ) FROM (SELECT MIN(operation) AS operation FROM {table} WHERE tenant_id = %s) first
                WHERE first.operation IS NOT NULL
                UNION ALL
                SELECT
                    CASE WHEN {next_service} IS NOT NULL THEN k.operation ELSE {next_operation} END,
                    COALESCE({next_service}, (
                        SELECT MIN(service) FROM {table}
                        WHERE tenant_id = %s AND operation = {next_operation}
                    ))
                FROM kinds k WHERE k.operation IS NOT NULL
            )
            SELECT service, operation FROM kinds WHERE operation IS NOT NULL
        """
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [tenant_id] * 7)
            return sorted((service, operation) for service, operation in cursor.fetchall())


class Trace(models.Model):
    """An audit record of one state change, like Cloud Trace Service."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")

    # Every trace write updates each index: the tenant's is trace_list's first column, and
    # the list filters on operation and date within a tenant only.
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="traces", db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="traces"
    )
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="traces"
    )
    user_name = models.CharField(max_length=150, blank=True)
    service = models.CharField(max_length=16, default="IMS")
    operation = models.CharField(max_length=64)
    resource_type = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64, blank=True)
    resource_name = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.SUCCESS)
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = TraceQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        # The tenant's trace list pages in this order (read backwards); the second serves
        # the filter by operation and lists the operations and services for its choices.
        indexes = [
            models.Index(fields=["tenant", "created", "id"], name="trace_list"),
            models.Index(fields=["tenant", "operation", "service"], name="trace_kinds"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.resource_name}"
