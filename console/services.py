"""Console services: audit traces, notifications and the stand-ins' state changes."""

from __future__ import annotations

from typing import Any

from console.errors import RoleRefused
from console.models import Message, Project, Trace, User


def ensure_can_change(actor: User) -> None:
    """Refuse changes by a read-only user."""
    if not actor.can_change:
        raise RoleRefused(
            "Your role is read-only: you can view resources but not change them "
            "(IMG.0026 The role is invalid)."
        )


def trace_record(
    *,
    actor: User | None,
    project: Project,
    operation: str,
    resource_type: str,
    resource_id: str = "",
    resource_name: str = "",
    result: str = Trace.Result.SUCCESS,
    service: str = "IMS",
    detail: dict[str, Any] | None = None,
) -> Trace:
    """Record one state change in the tenant's audit trail."""
    return Trace.objects.create(
        tenant_id=project.tenant_id,
        project=project,
        user=actor,
        user_name=actor.get_username() if actor else "system",
        service=service,
        operation=operation,
        resource_type=resource_type,
        resource_id=str(resource_id),
        resource_name=resource_name,
        result=result,
        detail=detail or {},
    )


def message_send(*, project: Project, title: str, body: str = "") -> Message:
    """Send a notification to a project."""
    return Message.objects.create(project=project, title=title, body=body)
