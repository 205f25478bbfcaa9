"""Audit trail and notifications: every service's outcome is recorded here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import transaction

from console.audit.models import Message, Trace
from console.errors import ConsoleError
from console.models import Project, User
from console.services import ensure_can_change

P = ParamSpec("P")
R = TypeVar("R")

Kwargs = dict[str, Any]


@dataclass
class _Note:
    resource_id: str
    resource_name: str
    detail: dict[str, Any]
    operation: str | None
    resource_type: str | None


@dataclass
class _Audit:
    notes: list[_Note] = field(default_factory=list)


_current: ContextVar[_Audit | None] = ContextVar("audit", default=None)


def note(
    *,
    resource_id: object = "",
    resource_name: str = "",
    detail: dict[str, Any] | None = None,
    operation: str | None = None,
    resource_type: str | None = None,
) -> None:
    """Record one successful change of the running `@audited` service (written at commit)."""
    audit = _current.get()
    if audit is None:
        raise RuntimeError("note() is only available inside an @audited service.")
    audit.notes.append(
        _Note(str(resource_id or ""), resource_name or "", detail or {}, operation, resource_type)
    )


def _trace(
    actor: User | None,
    project: Project,
    *,
    service: str,
    operation: str,
    resource_type: str,
    resource_id: object = "",
    resource_name: str = "",
    result: str = Trace.Result.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> Trace:
    # A refused value may be longer than a trace column holds.
    return Trace(
        tenant_id=project.tenant_id,
        project=project,
        user=actor,
        user_name=actor.get_username() if actor else "system",
        service=service,
        operation=operation,
        resource_type=resource_type,
        resource_id=str(resource_id or "")[:64],
        resource_name=str(resource_name or "")[:255],
        result=result,
        detail=detail or {},
    )


def _project_of(kwargs: Kwargs) -> Project:
    if "project" in kwargs:
        return kwargs["project"]
    return kwargs["vault"].project


def audited(
    *,
    service: str,
    operation: str | Callable[[Kwargs], str],
    resource_type: str,
    resource: Callable[[Kwargs], tuple[object, str]] = lambda kw: ("", ""),
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a service in one transaction and record its outcome in the audit trail.

    What the service `note()`s is written in the same transaction, in one statement; a
    refusal (a ConsoleError) rolls everything back and then leaves one failed trace that
    names `resource(kwargs)`.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor, project = kwargs["actor"], _project_of(kwargs)
            # Named before the call: the operation may depend on the state it changes.
            name = operation(kwargs) if callable(operation) else operation
            audit = _Audit()
            token = _current.set(audit)
            try:
                with transaction.atomic():
                    result = func(*args, **kwargs)
                    Trace.objects.bulk_create(
                        _trace(
                            actor,
                            project,
                            service=service,
                            operation=n.operation or name,
                            resource_type=n.resource_type or resource_type,
                            resource_id=n.resource_id,
                            resource_name=n.resource_name,
                            detail=n.detail,
                        )
                        for n in audit.notes
                    )
            except ConsoleError as error:
                resource_id, resource_name = resource(kwargs)
                _trace(
                    actor,
                    project,
                    service=service,
                    operation=name,
                    resource_type=resource_type,
                    resource_id=resource_id,
                    resource_name=resource_name,
                    result=Trace.Result.FAILED,
                    detail={"error": str(error)},
                ).save()
                raise
            finally:
                _current.reset(token)
            return result

        return wrapper

    return decorate


def message_send(*, project: Project, title: str, body: str = "") -> Message:
    """Send a notification to a project (inside the service that causes it)."""
    return Message.objects.create(project=project, title=title, body=body)


def messages_send(messages: Iterable[Message]) -> list[Message]:
    """Send several notifications in one statement."""
    return Message.objects.bulk_create(messages)


@audited(service="Console", operation="markMessagesRead", resource_type="message")
def messages_mark_read(*, actor: User, project: Project, ids: Iterable[int] | None = None) -> int:
    """Mark the project's unread messages read (only `ids` when given); return how many."""
    ensure_can_change(actor)
    unread = Message.objects.for_project(project).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read=True)
    if count:
        note(detail={"count": count})
    return count
