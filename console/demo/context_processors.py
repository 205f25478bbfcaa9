"""The user menu's Reset Demo World entry, for a superuser of a demo install."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def demo_menu(request: HttpRequest) -> dict[str, object]:
    """`user_menu_links`: extra entries of the user menu."""
    user = getattr(request, "user", None)
    if not (settings.DEMO and user is not None and user.is_superuser):
        return {}
    return {"user_menu_links": [{"label": _("Reset Demo World"), "url": reverse("demo:reset")}]}
