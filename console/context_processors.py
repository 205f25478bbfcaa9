"""Template context every console page needs: navigation, regions, unread messages."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from console.models import Message

# (label, URL name, section key): pages that do not exist in this build are left out.
NAVIGATION = [
    ("Image Management Service", "ims:shared_images", "ims"),
    ("Cloud Backup and Recovery", "vaults:vault_list", "vaults"),
    ("Elastic Cloud Server", "console:server_list", "ecs"),
    ("Elastic Volume Service", "console:disk_list", "evs"),
    ("Key Management Service", "console:key_list", "kms"),
    ("Messages", "console:message_list", "messages"),
    ("Cloud Trace Service", "console:trace_list", "traces"),
]


def _navigation() -> list[dict[str, str]]:
    items = []
    for label, url_name, section in NAVIGATION:
        try:
            items.append({"label": label, "url": reverse(url_name), "section": section})
        except NoReverseMatch:
            continue
    return items


def console(request: HttpRequest) -> dict[str, object]:
    """Navigation, the current project and the unread message count."""
    project = getattr(request, "project", None)
    context: dict[str, object] = {"nav_items": _navigation(), "current_project": project}
    if project is not None:
        context["unread_count"] = Message.objects.for_project(project).unread().count()
    return context
