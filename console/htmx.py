"""Helpers for answering htmx requests with template partials."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


def render_page(
    request: HtmxHttpRequest,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    partials: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    """Render the page, or only the partial whose id the htmx request targets.

    The server picks the partial from HX-Target and a fixed list, never from a name the
    client supplies, so a partial cannot bypass checks the full page makes.
    """
    target = request.htmx.target if request.htmx else None
    if target and target in set(partials):
        template_name = f"{template_name}#{target}"
    response = TemplateResponse(request, template_name, context or {}, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
