"""CBR vault pages: list, create, detail, expand capacity and delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import reswap, trigger_client_event

from console.decorators import project_required
from console.errors import ConsoleError, RoleRefused, VaultError, VaultNotFound
from console.htmx import HtmxHttpRequest, render_page
from console.services import ensure_can_change
from vaults import services
from vaults.forms import VaultCreateForm, VaultDeleteForm, VaultExpandForm
from vaults.models import Vault

# Dialogs are fetched into this container of console/base.html.
DIALOG_TARGET = "dialogs"
# Fired after a change made in a dialog; the vault list and summary listen for it.
VAULT_CHANGED = "vault-changed"


def _vault_or_404(request: HtmxHttpRequest, vault_id: UUID) -> Vault:
    """A vault of the current project (so also of the current region), else 404."""
    vaults = Vault.objects.for_project(request.project).with_usage().select_related("project")
    return get_object_or_404(vaults, vault_id=vault_id)


def _safe_next(request: HtmxHttpRequest, url: str | None) -> str | None:
    """The `next` URL when it stays on this site, else None."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _refuse(request: HtmxHttpRequest, form: forms.Form, error: ConsoleError) -> None:
    """Show a refusal: a 403 page for a full-page role refusal, else the form's error."""
    if isinstance(error, VaultNotFound):
        raise Http404(error.message)
    if isinstance(error, RoleRefused) and not request.htmx:
        raise PermissionDenied(str(error))
    form.add_error(getattr(error, "field", None), error.message)


def _check_role(request: HtmxHttpRequest, form: forms.Form) -> bool:
    """Refuse a read-only user's change before validating anything; True when allowed."""
    try:
        ensure_can_change(request.user)
    except RoleRefused as error:
        _refuse(request, form, error)
        return False
    return True


def _render_with_dialog(
    request: HtmxHttpRequest,
    template_name: str,
    context: dict[str, Any],
    *,
    dialog: str,
    form: str,
) -> HttpResponse:
    """Render the page, its dialog (fetched into #dialogs) or the dialog's form partial."""
    if request.htmx and request.htmx.target == DIALOG_TARGET:
        response = TemplateResponse(request, f"{template_name}#{dialog}", context)
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response
    return render_page(request, template_name, context, partials=[form])


def _dialog_done() -> HttpResponse:
    """Close the dialog and let the vault regions reload; the messages ride along."""
    response = HttpResponse()
    # Nothing to swap: the dialog closes, and OOB messages are still applied with "none".
    reswap(response, "none")
    trigger_client_event(response, "modal-close")
    trigger_client_event(response, VAULT_CHANGED)
    return response


@project_required
@require_safe
def vault_list(request: HtmxHttpRequest) -> HttpResponse:
    """The project's vaults with their used and free capacity."""
    vaults = Vault.objects.for_project(request.project).with_usage()
    context = {"section": "vaults", "vaults": vaults}
    return render_page(request, "vaults/vault_list.html", context, partials=["vault-table"])


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def vault_create(request: HtmxHttpRequest) -> HttpResponse:
    """Create Vault; afterwards go back to a same-site `next` page or to the new vault."""
    if request.method == "POST":
        form = VaultCreateForm(request.POST, project=request.project)
        if _check_role(request, form) and form.is_valid():
            data = form.cleaned_data
            try:
                vault = services.vault_create(
                    actor=request.user,
                    project=request.project,
                    name=data["name"],
                    resource_type=data["resource_type"],
                    protection_type=data["protection_type"],
                    capacity_gb=data["capacity_gb"],
                )
            except VaultError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Vault {vault.name} created.")
                target = _safe_next(request, data["next"])
                return redirect(target or reverse("vaults:vault_detail", args=[vault.vault_id]))
    else:
        form = VaultCreateForm(
            initial={"next": request.GET.get("next", "")}, project=request.project
        )
    context = {
        "section": "vaults",
        "form": form,
        "next_url": _safe_next(request, form["next"].value()),
    }
    return render_page(request, "vaults/vault_form.html", context)


@project_required
@require_safe
def vault_detail(request: HtmxHttpRequest, vault_id: UUID) -> HttpResponse:
    """A vault's attributes and the backups it holds."""
    vault = _vault_or_404(request, vault_id)
    backups = vault.backups.order_by("-created", "id")
    context = {"section": "vaults", "vault": vault, "backups": backups}
    return render_page(request, "vaults/vault_detail.html", context, partials=["vault-summary"])


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def vault_expand(request: HtmxHttpRequest, vault_id: UUID) -> HttpResponse:
    """Expand Capacity: a larger total capacity, as a page or a dialog."""
    vault = _vault_or_404(request, vault_id)
    if request.method == "POST":
        form = VaultExpandForm(request.POST, vault=vault)
        if _check_role(request, form) and form.is_valid():
            capacity = form.cleaned_data["capacity_gb"]
            try:
                services.vault_expand(actor=request.user, vault=vault, capacity_gb=capacity)
            except VaultError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Vault {vault.name} expanded to {capacity} GB.")
                if request.htmx:
                    return _dialog_done()
                return redirect("vaults:vault_detail", vault_id=vault.vault_id)
    else:
        form = VaultExpandForm(vault=vault)
    context = {"section": "vaults", "vault": vault, "form": form}
    return _render_with_dialog(
        request,
        "vaults/vault_expand.html",
        context,
        dialog="vault-expand-dialog",
        form="vault-expand-form",
    )


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def vault_delete(request: HtmxHttpRequest, vault_id: UUID) -> HttpResponse:
    """Delete Vault: a confirmation (page or dialog); refused while the vault holds backups."""
    vault = _vault_or_404(request, vault_id)
    form = VaultDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _check_role(request, form) and form.is_valid():
        try:
            services.vault_delete(actor=request.user, vault=vault)
        except VaultError as error:
            _refuse(request, form, error)
        else:
            messages.success(request, f"Vault {vault.name} deleted.")
            if request.htmx:
                return _dialog_done()
            return redirect("vaults:vault_list")
    context = {
        "section": "vaults",
        "vault": vault,
        "form": form,
        "holds_backups": vault.used_gb > 0,
    }
    return _render_with_dialog(
        request,
        "vaults/vault_confirm_delete.html",
        context,
        dialog="vault-delete-dialog",
        form="vault-delete-form",
    )
