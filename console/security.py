"""Request hardening: malformed htmx headers, the client address behind proxies, demo logins."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import ip_address
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from console.api import endpoint_for_path, error_for, retry_after_seconds
from console.errors import IamError

# Headers whose value the views parse as a URL.
URL_HEADERS = ("HX-Current-URL",)


def malformed_url(value: str) -> bool:
    """Whether `value` cannot be parsed as a URL (urlsplit raises, or it has control chars)."""
    if not value.isprintable():
        return True
    try:
        urlsplit(value)
    except ValueError:
        return True
    return False


class MalformedHeaderMiddleware:
    """Answer 400 to requests whose htmx URL headers cannot be parsed, before any view runs.

    The views read HX-Current-URL after a change to pick the list to show again; a header
    they cannot parse must refuse the request before the change, not fail after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Check the headers, then go on."""
        for name in URL_HEADERS:
            value = request.headers.get(name) or ""
            # django-htmx decodes the header when the client marks it URI-encoded; so do we.
            if request.headers.get(f"{name}-URI-AutoEncoded") == "true":
                value = unquote(value)
            if value and malformed_url(value):
                raise BadRequest(_("The %(name)s header is not a valid URL.") % {"name": name})
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind trusted proxies their X-Forwarded-For entry.

    With DJANGO_PROXY_COUNT=n the n-th address from the right of X-Forwarded-For is the one
    the outermost trusted proxy saw; addresses further left are the client's to forge.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return remote


# (username, password hash) → whether the demo password matches; a changed password has a
# new hash, so it is checked again once, and a login page costs no hashing otherwise.
_demo_password_works: dict[tuple[str, str], bool] = {}


def demo_password_works(username: str, encoded: str, password: str) -> bool:
    """Whether `password` matches the stored hash, without logging in or upgrading the hash."""
    key = (username, encoded)
    if key not in _demo_password_works:
        if len(_demo_password_works) > 1000:
            _demo_password_works.clear()
        # hashers.check_password, not User.check_password: the latter may re-save the hash.
        _demo_password_works[key] = bool(encoded) and check_password(password, encoded)
    return _demo_password_works[key]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a locked-out login gets (django-axes): the API's error, or a page saying why,
    for how long, and who can unlock; both with Retry-After."""
    if endpoint_for_path(request.path) is not None:
        return error_for(IamError("IAM.0014"), "IAM.0014")
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "console/locked_out.html", context, status=429)
    response["Retry-After"] = str(retry_after_seconds())
    return response
