"""The bell in the console header: the current project's unread messages."""

from __future__ import annotations

from django.http import HttpRequest

from console.audit.models import Message


def unread_messages(request: HttpRequest) -> dict[str, object]:
    """The number of unread messages of the current project, for the bell."""
    project = getattr(request, "project", None)
    if project is None:
        return {}
    return {"unread_count": Message.objects.for_project(project).unread().count()}
