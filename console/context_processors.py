"""Template context every console page needs: navigation and the current project."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, URL name, section key), in the order of the service menu.
NAVIGATION = [
    (_("Image Management Service"), "ims:shared_images", "ims"),
    (_("Cloud Backup and Recovery"), "vaults:vault_list", "vaults"),
    (_("Elastic Cloud Server"), "compute:server_list", "ecs"),
    (_("Elastic Volume Service"), "compute:disk_list", "evs"),
    (_("Key Management Service"), "kms:key_list", "kms"),
    (_("Messages"), "audit:message_list", "messages"),
    (_("Cloud Trace Service"), "audit:trace_list", "traces"),
]


def console(request: HttpRequest) -> dict[str, object]:
    """Navigation and the current project."""
    project = getattr(request, "project", None)
    nav_items = [
        {"label": label, "url": reverse(url_name), "section": section}
        for label, url_name, section in NAVIGATION
    ]
    return {
        "nav_items": nav_items,
        "current_project": project,
        "console_time_zones": settings.CONSOLE_TIME_ZONES,
    }
