"""Helpers for answering htmx requests with template partials."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

from console.errors import ConsoleError, ImsError, RoleRefused

# The element every dialog is swapped into (base.html).
DIALOGS = "dialogs"


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


def add_service_error(form: Form, error: ConsoleError) -> None:
    """Show a service's refusal on the form field it concerns, else above the form."""
    field = getattr(error, "field", None)
    if field is None and isinstance(error, ImsError) and "image" in form.fields:
        field = "image"
    form.add_error(field if field in form.fields else None, str(error))


def error_summary(form: Form) -> str:
    """The first problem of a submitted form, for the bar next to its submit button."""
    if not form.is_bound or not form.errors:
        return ""
    for errors in [form.non_field_errors(), *form.errors.values()]:
        if errors:
            return _("Not done: %(problem)s") % {"problem": errors[0]}
    return ""


def finish(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """After a successful full-page form: go to `url` (a client redirect for htmx)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def paginate(items: Any, number: object, count: int | None = None) -> Page:
    """One page of a list, at the console's page size; `count`, when already known, spares
    the paginator its COUNT query."""
    paginator = Paginator(items, settings.CONSOLE_PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(number)


def safe_next(request: HttpRequest, url: str | None, default: str | None = None) -> str | None:
    """`url` when it stays on this site (a `next` parameter is the visitor's to forge), else
    `default`."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def refuse(request: HtmxHttpRequest, error: ConsoleError, form: Form | None = None) -> None:
    """Say why a change was refused: on the form when there is one, else as a message.

    A read-only user's attempt without htmx gets the 403 page naming why.
    """
    if isinstance(error, RoleRefused) and not request.htmx:
        raise PermissionDenied(str(error))
    if form is not None:
        add_service_error(form, error)
    else:
        messages.error(request, str(error))


def render_dialog(
    request: HtmxHttpRequest,
    template_name: str,
    context: dict[str, Any],
    *,
    dialog: str,
    partials: Iterable[str] = (),
) -> HttpResponse:
    """A dialog page: for htmx its <dialog> swapped into #dialogs, else the whole page.

    An htmx request aimed at one of `partials` (a form inside the open dialog) gets that
    partial, so an invalid submission re-renders in place.
    """
    partials = tuple(partials)
    target = request.htmx.target if request.htmx else None
    if not request.htmx or target in partials:
        return render_page(request, template_name, context, partials=partials)
    response = TemplateResponse(request, f"{template_name}#{dialog}", context)
    # Whatever the opener aimed at, a dialog always lands in the dialogs container.
    response["HX-Retarget"] = f"#{DIALOGS}"
    response["HX-Reswap"] = "innerHTML"
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def dialog_done(
    request: HtmxHttpRequest,
    *,
    fallback_url: str,
    event: str | None = None,
    refresh: str | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """After a successful dialog: close it and update the page; without htmx, redirect.

    `refresh` names a template partial whose regions are swapped out of band (rendered
    with `context`); `event` is announced for the regions that reload themselves. The
    messages middleware adds the success message out of band either way.
    """
    if not request.htmx:
        return redirect(fallback_url)
    if refresh is not None:
        response: HttpResponse = TemplateResponse(
            request, refresh, (context or {}) | {"hx_oob": True}
        )
    else:
        response = HttpResponse(content_type="text/html; charset=utf-8")
    # Nothing to swap in place: the out-of-band regions and the listeners do the updating.
    response["HX-Reswap"] = "none"
    trigger_client_event(response, "modal-close")
    if event:
        trigger_client_event(response, event)
    patch_vary_headers(response, ["HX-Request"])
    return response
