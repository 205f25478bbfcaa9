"""Request middleware: the current project, and messages riding along htmx responses."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from console.models import Project

REGION_SESSION_KEY = "region"


def select_project(projects: list[Project], region_code: str | None) -> Project | None:
    """Pick the project of the chosen region, else of the default region, else the first."""
    for wanted in (lambda p: p.region.code == region_code, lambda p: p.region.is_default):
        for project in projects:
            if wanted(project):
                return project
    return projects[0] if projects else None


class CurrentProjectMiddleware:
    """Give every request `project`, `region` and `projects`: the root of tenant scoping."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Attach the user's projects and the current one."""
        request.projects = []
        request.project = None
        request.region = None
        user = request.user
        if user.is_authenticated and user.tenant_id:
            request.projects = list(
                Project.objects.of_tenant(user.tenant_id).select_related("tenant")
            )
            request.project = select_project(
                request.projects, request.session.get(REGION_SESSION_KEY)
            )
            if request.project:
                request.region = request.project.region
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Speak the logged-in user's language and show times in the user's time zone.

    Runs after LocaleMiddleware: a language kept on the user wins over the cookie and the
    browser's Accept-Language, so the choice follows the user to every browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Activate the user's language and time zone for this request."""
        user = request.user
        zone = None
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                zone = zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else None
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                zone = None
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class HtmxVaryMiddleware:
    """Mark every response as varying on HX-Request: many views answer htmx with a partial."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Add the Vary header."""
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response


class HtmxMessagesMiddleware:
    """Append pending Django messages out of band to htmx HTML responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Append the messages partial when messages are waiting."""
        response = self.get_response(request)
        if (
            not getattr(request, "htmx", False)
            or response.streaming
            or 300 <= response.status_code < 400
            or {"HX-Redirect", "HX-Location", "HX-Refresh"} & set(response.headers)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        if not get_messages(request):
            return response
        response.content += render_to_string(
            "console/base.html#messages", {"hx_oob": True}, request=request
        ).encode()
        return response


class GZipMiddleware(DjangoGZipMiddleware):
    """Compress pages, never a download that serves byte ranges (an image file).

    Such a response must keep its length and byte offsets, and compressing gigabytes of
    disk image would cost the worker a core for little gain.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Leave responses that announce `Accept-Ranges: bytes` as they are."""
        if response.get("Accept-Ranges") == "bytes":
            return response
        return super().process_response(request, response)


class HeadWithoutBodyMiddleware:
    """Send a HEAD answer's headers only, as GET would send them (RFC 9110 §9.3.2).

    gunicorn writes whatever body the application returns, and on a kept-alive connection
    the next response would then start with those bytes: the connection pools of requests
    and keystoneauth break on it (`HEAD /v3/auth/tokens` is Keystone's token check). First
    in the chain, so that no other middleware adds to the body after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Drop the body of the answer to a HEAD request, keeping its length header."""
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            # Its closers (the open file) still run when the server closes the response.
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
