"""View decorators for console pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def project_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a logged-in user with a project in the current region."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.project is None:
            raise PermissionDenied(
                _(
                    "Your user belongs to no tenant with a project. "
                    "Operators manage the platform in the administration site."
                )
            )
        return view(request, *args, **kwargs)

    return wrapper
