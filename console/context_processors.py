"""Template context every console page needs: navigation and the current project."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

# (label, URL name, section key), in the order of the service menu.
NAVIGATION = [
    ("Image Management Service", "ims:shared_images", "ims"),
    ("Cloud Backup and Recovery", "vaults:vault_list", "vaults"),
    ("Elastic Cloud Server", "compute:server_list", "ecs"),
    ("Elastic Volume Service", "compute:disk_list", "evs"),
    ("Key Management Service", "kms:key_list", "kms"),
    ("Messages", "audit:message_list", "messages"),
    ("Cloud Trace Service", "audit:trace_list", "traces"),
]


def console(request: HttpRequest) -> dict[str, object]:
    """Navigation and the current project."""
    project = getattr(request, "project", None)
    nav_items = [
        {"label": label, "url": reverse(url_name), "section": section}
        for label, url_name, section in NAVIGATION
    ]
    return {"nav_items": nav_items, "current_project": project}
