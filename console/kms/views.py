"""Key Management Service: custom keys, their grants to other tenants, and their states."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from console.decorators import project_required
from console.errors import ConsoleError
from console.htmx import (
    HtmxHttpRequest,
    dialog_done,
    paginate,
    refuse,
    render_dialog,
    render_page,
)
from console.kms import services
from console.kms.forms import KeyCreateForm, KeyGrantCreateForm, KeyStateForm
from console.kms.models import Key, KeyGrant

# The confirmation each state change asks for: (title, button, button class, explanation).
STATE_ACTIONS = {
    Key.State.DISABLED: (
        gettext_lazy("Disable Key"),
        gettext_lazy("Disable"),
        "btn-danger",
        gettext_lazy(
            "Data encrypted with the key cannot be decrypted while it is disabled. Images "
            "encrypted with it, including images you shared, become unavailable until you "
            "enable it again."
        ),
    ),
    Key.State.ENABLED: (
        gettext_lazy("Enable Key"),
        gettext_lazy("Enable"),
        "btn-primary",
        gettext_lazy("The key can be used again."),
    ),
    Key.State.PENDING_DELETION: (
        gettext_lazy("Schedule Key Deletion"),
        gettext_lazy("Schedule Deletion"),
        "btn-danger",
        gettext_lazy(
            "The key is deleted when the waiting period ends, and data encrypted with it can "
            "never be decrypted again. Images encrypted with it become unavailable at once. You "
            "can cancel the deletion until then."
        ),
    ),
}


def _key_list_context(request: HtmxHttpRequest) -> dict[str, Any]:
    keys = Key.objects.for_project(request.project).order_by("-is_default", "alias", "pk")
    page = paginate(keys, request.GET.get("page"))
    return {"section": "kms", "page": page}


@project_required
@require_safe
def key_list(request: HtmxHttpRequest) -> HttpResponse:
    """The project's keys: the default key and custom keys."""
    return render_page(
        request, "kms/key_list.html", _key_list_context(request), partials=["key-table"]
    )


@project_required
@require_http_methods(["GET", "POST"])
def key_create(request: HtmxHttpRequest) -> HttpResponse:
    """Create Key: a custom key with an alias unique in the project."""
    form = KeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services.key_create(
                actor=request.user, project=request.project, **form.cleaned_data
            )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            messages.success(request, _("Key %(alias)s created.") % {"alias": key.alias})
            return dialog_done(
                request,
                fallback_url=reverse("kms:key_detail", args=[key.key_id]),
                refresh="kms/key_list.html#key-table",
                context=_key_list_context(request),
            )
    return render_dialog(
        request,
        "kms/key_form.html",
        dialog="key-create-dialog",
        context={"form": form, "section": "kms"},
    )


def _own_key(request: HtmxHttpRequest, key_id: object) -> Key:
    return get_object_or_404(Key.objects.for_project(request.project), key_id=key_id)


def _key_detail_context(request: HtmxHttpRequest, key: Key) -> dict[str, Any]:
    grants = key.grants.select_related("grantee").order_by("-created", "-pk")
    labels = dict(KeyGrant.Operation.choices)
    rows = [{"grant": g, "operations": [labels.get(op, op) for op in g.operations]} for g in grants]
    return {
        "section": "kms",
        "key": key,
        "grants": rows,
        "images_count": key.images.count(),
    }


@project_required
@require_safe
def key_detail(request: HtmxHttpRequest, key_id: object) -> HttpResponse:
    """A key's details, state actions and grants."""
    key = _own_key(request, key_id)
    return render_page(
        request,
        "kms/key_detail.html",
        _key_detail_context(request, key),
        partials=["key-summary", "grant-list"],
    )


def _key_refreshed(request: HtmxHttpRequest, key_id: object) -> HttpResponse:
    """After a key change: its summary and grants swapped out of band, dialogs closed."""
    return dialog_done(
        request,
        fallback_url=reverse("kms:key_detail", args=[key_id]),
        refresh="kms/key_detail.html#refresh",
        context=_key_detail_context(request, _own_key(request, key_id)) if request.htmx else None,
    )


@project_required
@require_http_methods(["GET", "POST"])
def key_state(request: HtmxHttpRequest, key_id: object) -> HttpResponse:
    """Disable, enable, schedule or cancel the deletion of a key; GET asks to confirm."""
    key = _own_key(request, key_id)
    form = KeyStateForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        if request.method == "GET":
            raise Http404(_("Unknown key state."))
        messages.error(request, _("Choose a valid key state."))
        return _key_refreshed(request, key.key_id)
    state = form.cleaned_data["state"]
    if request.method == "GET":
        title, button, button_class, explanation = STATE_ACTIONS[state]
        if key.state == Key.State.PENDING_DELETION and state == Key.State.DISABLED:
            title, button = _("Cancel Key Deletion"), _("Cancel Deletion")
            button_class = "btn-primary"
            explanation = _("The key is kept and left disabled; enable it to use it again.")
        context = {
            "key": key,
            "state": state,
            "title": title,
            "button": button,
            "button_class": button_class,
            "explanation": explanation,
        }
        return render_dialog(
            request,
            "kms/key_state_dialog.html",
            dialog="key-state-dialog",
            context=context | {"section": "kms"},
        )
    try:
        key = services.key_set_state(
            actor=request.user, project=request.project, key=key, state=state
        )
    except ConsoleError as error:
        refuse(request, error)
    else:
        messages.success(
            request,
            _("Key %(alias)s is now %(state)s.")
            % {"alias": key.alias, "state": key.get_state_display().lower()},
        )
    return _key_refreshed(request, key.key_id)


@project_required
@require_http_methods(["GET", "POST"])
def key_grant_create(request: HtmxHttpRequest, key_id: object) -> HttpResponse:
    """Create Grant: let another tenant (account ID) use a custom key."""
    key = _own_key(request, key_id)
    form = KeyGrantCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.key_grant_create(
                actor=request.user,
                project=request.project,
                key=key,
                grantee_account_id=form.cleaned_data["grantee_account_id"],
                operations=form.cleaned_data["operations"],
            )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            messages.success(
                request,
                _("Grant created for account %(account)s on %(alias)s.")
                % {"account": grant.grantee.account_id, "alias": key.alias},
            )
            return _key_refreshed(request, key.key_id)
    return render_dialog(
        request,
        "kms/key_grant_form.html",
        dialog="grant-dialog",
        context={"key": key, "form": form, "section": "kms"},
    )


@project_required
@require_http_methods(["GET", "POST"])
def key_grant_revoke(request: HtmxHttpRequest, key_id: object, grant_id: object) -> HttpResponse:
    """Revoke a grant; GET asks to confirm."""
    key = _own_key(request, key_id)
    grant = get_object_or_404(key.grants.select_related("grantee"), grant_id=grant_id)
    if request.method == "GET":
        return render_dialog(
            request,
            "kms/key_grant_revoke_dialog.html",
            dialog="revoke-dialog",
            context={"key": key, "grant": grant, "section": "kms"},
        )
    try:
        services.key_grant_revoke(actor=request.user, project=request.project, grant=grant)
    except ConsoleError as error:
        refuse(request, error)
    else:
        messages.success(
            request,
            _("Grant for account %(account)s on %(alias)s revoked.")
            % {"account": grant.grantee.account_id, "alias": key.alias},
        )
    return _key_refreshed(request, key.key_id)
