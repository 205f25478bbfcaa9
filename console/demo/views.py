"""Reset Demo World: the superuser puts the demo world back between two classes."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from console.demo import world

logger = logging.getLogger(__name__)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reset_world(request: HttpRequest) -> HttpResponse:
    """GET: what a reset keeps and removes, and a button; POST: reset, then back here."""
    if not settings.DEMO:
        raise PermissionDenied(_("This install is no demo: there is no demo world to reset."))
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only a superuser can reset the demo world."))
    if request.method == "POST":
        seconds = world.reset(actor=request.user)
        # The superuser's row is kept; if its demo password was restored, stay logged in.
        request.user.refresh_from_db()
        update_session_auth_hash(request, request.user)
        logger.warning("The demo world was reset by %s.", request.user.get_username())
        messages.success(
            request, _("The demo world was reset in %(seconds).1f s.") % {"seconds": seconds}
        )
        return redirect("demo:reset")
    context = {"tenants": world.TENANTS, "personas": [u for u, _t, _r in world.USERS]}
    return render(request, "demo/reset.html", context)
